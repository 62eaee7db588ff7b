from django.urls import include, path

from secondop.cases import planning, views

urlpatterns = [
    path("", views.case_list, name="case_list"),
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
    path("<uuid:code>/scripts/", include("secondop.scripts.urls")),
    path("<uuid:code>/records/", include("secondop.records.urls")),
]
