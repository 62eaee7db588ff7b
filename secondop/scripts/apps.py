from django.apps import AppConfig


class ScriptsConfig(AppConfig):
    name = "secondop.scripts"
    label = "scripts"

    def ready(self) -> None:
        from secondop.scripts import signals  # noqa: F401
