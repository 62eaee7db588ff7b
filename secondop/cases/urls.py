from django.urls import include, path

from secondop.cases import people_views, planning_views, views

urlpatterns = [
    path("new/", views.case_new, name="case_new"),
    path("<uuid:code>/", views.case_overview, name="case_overview"),
    path("<uuid:code>/edit/", views.case_edit, name="case_edit"),
    path("<uuid:code>/archive/", views.case_archive, name="case_archive"),
    path("<uuid:code>/unarchive/", views.case_unarchive, name="case_unarchive"),
    path("<uuid:code>/checklist/", views.checklist, name="checklist"),
    path("<uuid:code>/checklist/<int:item_id>/toggle/", views.checklist_toggle, name="checklist_toggle"),
    path("<uuid:code>/checklist/<int:item_id>/delete/", views.checklist_delete, name="checklist_delete"),
    path("<uuid:code>/rights/", planning_views.records_rights, name="records_rights"),
    path("<uuid:code>/questions/", planning_views.questions, name="questions"),
    path("<uuid:code>/questions/<int:question_id>/edit/", planning_views.question_edit, name="question_edit"),
    path("<uuid:code>/questions/<int:question_id>/move/", planning_views.question_move, name="question_move"),
    path(
        "<uuid:code>/questions/<int:question_id>/answer/",
        planning_views.question_answer,
        name="question_answer",
    ),
    path(
        "<uuid:code>/questions/<int:question_id>/delete/",
        planning_views.question_delete,
        name="question_delete",
    ),
    path("<uuid:code>/insurance/", planning_views.insurance, name="insurance"),
    path("<uuid:code>/people/", people_views.people, name="people"),
    path(
        "<uuid:code>/people/invitations/<int:invitation_id>/cancel/",
        people_views.invitation_cancel,
        name="invitation_cancel",
    ),
    path("<uuid:code>/people/<int:member_id>/role/", people_views.member_role, name="member_role"),
    path("<uuid:code>/people/<int:member_id>/remove/", people_views.member_remove, name="member_remove"),
    path(
        "<uuid:code>/people/<int:member_id>/make-owner/",
        people_views.member_make_owner,
        name="member_make_owner",
    ),
    path("<uuid:code>/people/leave/", people_views.case_leave, name="case_leave"),
    path("<uuid:code>/people/teams/", people_views.team_share, name="team_share"),
    path("<uuid:code>/people/teams/<int:share_id>/remove/", people_views.team_unshare, name="team_unshare"),
    path("<uuid:code>/audit/", people_views.audit_trail, name="audit_trail"),
    path("<uuid:code>/scripts/", include("secondop.scripts.urls")),
    path("<uuid:code>/records/", include("secondop.records.urls")),
    path("<uuid:code>/authorizations/", include("secondop.authorizations.urls")),
    path("<uuid:code>/visit/", include("secondop.visits.urls")),
]
