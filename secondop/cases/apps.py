from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "secondop.cases"
    label = "cases"

    def ready(self) -> None:
        from secondop.cases import people_views  # noqa: F401 (its signal receivers)
