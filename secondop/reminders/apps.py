from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "secondop.reminders"
    label = "reminders"

    def ready(self) -> None:
        from secondop.reminders import signals  # noqa: F401
