from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "secondop.cases"
    label = "cases"
