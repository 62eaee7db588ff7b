from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "secondop.records"
    label = "records"
