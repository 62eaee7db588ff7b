from django.urls import include, path

from secondop.cases import people, planning, views

urlpatterns = [
    path("new/", views.case_new, name="case_new"),
    path("<uuid:code>/", views.case_overview, name="case_overview"),
    path("<uuid:code>/edit/", views.case_edit, name="case_edit"),
    path("<uuid:code>/archive/", views.case_archive, name="case_archive"),
    path("<uuid:code>/unarchive/", views.case_unarchive, name="case_unarchive"),
    path("<uuid:code>/checklist/", views.checklist, name="checklist"),
    path("<uuid:code>/checklist/<int:item_id>/toggle/", views.checklist_toggle, name="checklist_toggle"),
    path("<uuid:code>/checklist/<int:item_id>/delete/", views.checklist_delete, name="checklist_delete"),
    path("<uuid:code>/rights/", planning.records_rights, name="records_rights"),
    path("<uuid:code>/questions/", planning.questions, name="questions"),
    path("<uuid:code>/questions/<int:question_id>/edit/", planning.question_edit, name="question_edit"),
    path("<uuid:code>/questions/<int:question_id>/move/", planning.question_move, name="question_move"),
    path("<uuid:code>/questions/<int:question_id>/answer/", planning.question_answer, name="question_answer"),
    path("<uuid:code>/questions/<int:question_id>/delete/", planning.question_delete, name="question_delete"),
    path("<uuid:code>/insurance/", planning.insurance, name="insurance"),
    path("<uuid:code>/people/", people.people, name="people"),
    path(
        "<uuid:code>/people/invitations/<int:invitation_id>/cancel/",
        people.invitation_cancel,
        name="invitation_cancel",
    ),
    path("<uuid:code>/people/<int:member_id>/role/", people.member_role, name="member_role"),
    path("<uuid:code>/people/<int:member_id>/remove/", people.member_remove, name="member_remove"),
    path(
        "<uuid:code>/people/<int:member_id>/make-owner/", people.member_make_owner, name="member_make_owner"
    ),
    path("<uuid:code>/people/leave/", people.case_leave, name="case_leave"),
    path("<uuid:code>/people/teams/", people.team_share, name="team_share"),
    path("<uuid:code>/people/teams/<int:share_id>/remove/", people.team_unshare, name="team_unshare"),
    path("<uuid:code>/audit/", people.audit_trail, name="audit_trail"),
    path("<uuid:code>/scripts/", include("secondop.scripts.urls")),
    path("<uuid:code>/records/", include("secondop.records.urls")),
]
