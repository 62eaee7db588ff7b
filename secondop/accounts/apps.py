from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "secondop.accounts"
    label = "accounts"

    def ready(self) -> None:
        from secondop.accounts import signals  # noqa: F401
