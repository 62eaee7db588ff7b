from django.urls import path

from secondop.casefile import exports, views

urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/<uuid:code>/records/timeline/", views.timeline, name="timeline"),
    path("cases/<uuid:code>/records/packet/", exports.packet, name="packet"),
    path("cases/<uuid:code>/records/calendar.ics", exports.calendar_ics, name="calendar_ics"),
    path("account/export.json", exports.export_json, name="export_json"),
    path("account/settings/delete/", views.delete_account, name="delete_account"),
]
