from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims and verdicts"

    def ready(self) -> None:
        from claims.groups import ensure_editorial_groups

        post_migrate.connect(ensure_editorial_groups, sender=self)
