"""The embedded default broker: kombu's SQLAlchemy transport on a SQLite file, made safe for
several processes writing at once (URL `factcheck-sqlite+sqlite:///PATH`, alias registered in
factcheck/celery.py).

kombu's filesystem transport writes each message as a file that a reader may open half-written
(the worker then dies with "Unrecoverable error: JSONDecodeError"). Here every put and get is one
SQLite transaction: WAL journal (readers never block the writer), a 30-second busy timeout
instead of "database is locked", `BEGIN IMMEDIATE` around a get so two consumers never take the
same row, and the row is deleted when taken, so the table holds only waiting messages.

A message taken by a worker that is then killed with SIGKILL is lost, as with the filesystem
transport (a clean stop puts unacknowledged messages back); the monitor's lease re-dispatches
such a check. For production use Redis (REDIS_URL).
"""

from json import loads
from queue import Empty
from typing import Any

from kombu.transport import sqlalchemy as kombu_sqlalchemy
from kombu.utils.encoding import bytes_to_str
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_SECONDS = 30


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Channel(kombu_sqlalchemy.Channel):
    def _engine_from_config(self) -> Engine:
        engine = create_engine(
            self.connection.client.hostname, connect_args={"timeout": BUSY_TIMEOUT_SECONDS}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine

    def _get(self, queue: str) -> dict[str, Any]:
        queue_row = self._get_or_create(queue)
        session = self.session
        session.execute(text("BEGIN IMMEDIATE TRANSACTION"))
        try:
            message = (
                session.query(self.message_cls)
                .filter(self.message_cls.queue_id == queue_row.id)
                .order_by(self.message_cls.sent_at, self.message_cls.id)
                .limit(1)
                .first()
            )
            if message is None:
                raise Empty()
            payload = loads(bytes_to_str(message.payload))
            session.delete(message)
            return payload
        finally:
            session.commit()

    def _size(self, queue: str) -> int:
        queue_row = self._get_or_create(queue)
        return self.session.query(self.message_cls).filter(self.message_cls.queue_id == queue_row.id).count()


class Transport(kombu_sqlalchemy.Transport):
    Channel = Channel
    # The virtual transport sleeps this long whenever it gets nothing: when the queues are empty,
    # but also after every task while the worker's prefetch limit is reached, so it bounds
    # throughput (0.1 s held two processes to ~14 checks/s). An empty poll is one indexed
    # SELECT per queue on a local file.
    polling_interval = 0.02
