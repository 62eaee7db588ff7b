from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "secondop.records"
    label = "records"

    def ready(self) -> None:
        from secondop.records import progress  # noqa: F401  (its receivers keep each case's next due date)
