"""Send the public API's reads to a PostgreSQL replica (when DATABASE_REPLICA_URL is set).

Only reads made while serving a safe request under /api/ go to the replica: that data is public
and may lag the primary by a moment. Everything else (the admin, workers, writes, sessions)
stays on the primary, so an editor always reads what they just saved.
"""

from contextvars import ContextVar

from django.db.models import Model

REPLICA = "replica"
PRIMARY = "default"

# Set by factcheck.middleware.PublicReadMiddleware for the duration of one API request.
reading_public_api: ContextVar[bool] = ContextVar("reading_public_api", default=False)


class PublicReadReplicaRouter:
    """Routes reads inside a public API request to the replica; all writes to the primary."""

    def db_for_read(self, model: type[Model], **hints: object) -> str:
        return REPLICA if reading_public_api.get() else PRIMARY

    def db_for_write(self, model: type[Model], **hints: object) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: object) -> bool:
        # Both aliases hold the same data: objects read from either may be related.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: object) -> bool:
        # The replica receives the schema through replication, never through migrate.
        return db == PRIMARY
