"""Writes that a transaction of the records service keeps until it ends.

A write's audit entry, and the move of a counter past a number given rather
than drawn, are never read back by the writes that follow them in the same
transaction. Written one by one they cost a round trip to the database
each; kept here, they are written together just before the transaction
commits: each statement's rows with one executemany, each counter once, to
the highest number given. A transaction that is rolled back never writes
them. Writes to one table keep their order; writes to different tables
(the audit trail, the state clocks) do not depend on each other.

Savepoints keep this right. When one begins, what is kept is written first,
so it belongs to the transaction outside the savepoint; when one is rolled
back, what was kept since (the writes it undoes) is dropped. Whoever reads
what is kept inside the transaction calls `flush` first.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, event

# The connection's execution option under which its transaction's
# DeferredWrites are found (by every Transaction object sharing it).
DEFERRED = "officina_deferred"


class DeferredWrites:
    """Statements and counter moves kept until the transaction ends."""

    def __init__(
        self,
        connection: Connection,
        advance_counters: Callable[[dict[str, int]], None],
    ):
        self.connection = connection
        self._advance_counters = advance_counters
        # [statement, [parameters, ...]], in the order they were begun. A
        # statement joins the batch of its table's last statement if it is
        # the same one (an audit entry after a state clock joins the batch
        # of the audit entry before).
        self._batches: list[tuple[object, list[dict]]] = []
        self._last: dict[object, tuple[object, list[dict]]] = {}  # by table
        self._counters: dict[str, int] = {}  # counter row -> highest given

    def attach(self) -> DeferredWrites:
        """Follow the connection's savepoints, and be found from it."""
        event.listen(self.connection, "savepoint", self._before_savepoint)
        event.listen(self.connection, "rollback_savepoint", self._rolled_back)
        self.connection.execution_options(**{DEFERRED: self})
        return self

    def execute(self, statement, parameters: dict) -> None:
        """Run `statement` with `parameters` when the transaction ends."""
        table = getattr(statement, "table", statement)
        last = self._last.get(table)
        if last is not None and last[0] is statement:
            last[1].append(parameters)
            return
        batch = (statement, [parameters])
        self._batches.append(batch)
        self._last[table] = batch

    def advance(self, counter: str, value: int) -> None:
        """Raise the counter row to at least `value` when the transaction
        ends (or before a number is drawn from it, see `flush_counter`)."""
        if value > self._counters.get(counter, 0):
            self._counters[counter] = value

    def flush_counter(self, counter: str) -> None:
        """Move the counter row now: a number is about to be drawn from it."""
        value = self._counters.pop(counter, None)
        if value is not None:
            self._advance_counters({counter: value})

    def flush(self) -> None:
        """Write everything kept (each table's rows in the order kept)."""
        batches, self._batches, self._last = self._batches, [], {}
        counters, self._counters = self._counters, {}
        for statement, rows in batches:
            self.connection.execute(statement, rows if len(rows) > 1 else rows[0])
        self._advance_counters(counters)

    def _before_savepoint(self, _connection, _name) -> None:
        self.flush()

    def _rolled_back(self, _connection, _name, _context) -> None:
        # Everything kept came after the newest savepoint began (it was
        # flushed then), so it belongs to the writes being undone.
        self._batches, self._last, self._counters = [], {}, {}


def deferred_writes(connection: Connection) -> DeferredWrites | None:
    """The DeferredWrites of the connection's transaction (None when the
    transaction was not begun by the records service: write at once)."""
    return connection.get_execution_options().get(DEFERRED)
