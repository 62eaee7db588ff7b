from django.apps import AppConfig


class PwaConfig(AppConfig):
    name = "secondop.pwa"
    # "pwa" is django-pwa's label.
    label = "secondop_pwa"

    def ready(self) -> None:
        from secondop.pwa import idempotency, offline  # noqa: F401 (their signal receivers)
