from django.urls import path

from secondop.cases import teams

urlpatterns = [
    path("", teams.team_list, name="teams"),
    path("<int:team_id>/", teams.team_detail, name="team_detail"),
    path(
        "<int:team_id>/members/<int:member_id>/remove/", teams.team_member_remove, name="team_member_remove"
    ),
    path(
        "<int:team_id>/invitations/<int:invitation_id>/cancel/",
        teams.team_invitation_cancel,
        name="team_invitation_cancel",
    ),
    path("<int:team_id>/leave/", teams.team_leave, name="team_leave"),
]
