from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


class CasesConfig(AppConfig):
    name = "secondop.cases"
    label = "cases"

    def ready(self) -> None:
        from secondop.cases import people, revisions  # noqa: F401 (people: its signal receivers)

        pre_migrate.connect(revisions.uninstall_before_migrate, sender=self, dispatch_uid="case-revisions")
        post_migrate.connect(revisions.install_after_migrate, sender=self, dispatch_uid="case-revisions")
