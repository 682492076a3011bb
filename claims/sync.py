"""Incremental sync that never misses a committed change: a token from PostgreSQL's snapshots.

`updated_since` compares a timestamp Python took when it saved a row, not when the transaction
committed: a client that resumes from the newest `updated_at` it saw skips a row whose
transaction started earlier and committed later (a slow admin save, a replica behind).

Here every claim carries `change_xid`, the id of the transaction that last changed what the API
shows of it (triggers, migration 0004). A sync token is `pg_snapshot_xmin` of the reading
server's current snapshot: every transaction that had not committed when the token was taken
has an id >= the token, so `change_xid >= token` on the next run returns every change
committed after this one began reading, at the price of a small overlap (rows that committed
just before are sent again). A hot-standby replica's snapshot follows the primary's
transactions, so a token from the replica is as safe as one from the primary.
"""

from django.db import connections, router
from django.db.models import QuerySet

from claims.models import Claim

MAX_TOKEN = 2**63 - 1


def available(using: str | None = None) -> bool:
    """True where transaction ids exist (PostgreSQL)."""
    return connections[using or router.db_for_read(Claim)].vendor == "postgresql"


def current_token(using: str | None = None) -> int:
    """The token a client keeps for its next run; take it before reading the rows it sends."""
    with connections[using or router.db_for_read(Claim)].cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        return cursor.fetchone()[0]


def changed_since(claims: QuerySet[Claim], token: int) -> QuerySet[Claim]:
    """Claims whose public view changed in a transaction that had not committed at `token`."""
    return claims.filter(change_xid__gte=token)
