from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims and verdicts"

    def ready(self) -> None:
        from claims.evidence import on_snapshot_taken
        from claims.groups import ensure_editorial_groups
        from sources.signals import snapshot_taken

        post_migrate.connect(ensure_editorial_groups, sender=self)
        # The one signal from sources to claims (DESIGN.md): cited quotes are looked for in
        # every new snapshot.
        snapshot_taken.connect(on_snapshot_taken, dispatch_uid="claims.on_snapshot_taken")
