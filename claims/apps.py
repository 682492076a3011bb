from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import m2m_changed, post_migrate


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims and verdicts"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        from claims.evidence import on_snapshot_taken
        from claims.groups import ensure_editorial_groups, group_membership_changed
        from claims.search import register_sqlite_casefold
        from sources.signals import snapshot_taken

        post_migrate.connect(ensure_editorial_groups, sender=self)
        # The one signal from sources to claims (DESIGN.md): cited quotes are looked for in
        # every new snapshot.
        snapshot_taken.connect(on_snapshot_taken, dispatch_uid="claims.on_snapshot_taken")
        m2m_changed.connect(
            group_membership_changed,
            sender=get_user_model().groups.through,
            dispatch_uid="claims.group_membership_changed",
        )
        connection_created.connect(register_sqlite_casefold, dispatch_uid="claims.sqlite_casefold")
