from django.apps import AppConfig


class SecondopConfig(AppConfig):
    name = "secondop"
    verbose_name = "secondop"

    def ready(self) -> None:
        # Tasks sent from Django (views, commands, tests) go through this app and its settings.
        from secondop import celery, checks  # noqa: F401
