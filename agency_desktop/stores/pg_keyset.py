"""Keyset paging in the SDK's order, `(created_at, id)`, on the SDK's only index.

SQLAlchemySession indexes `(session_id, created_at)`, and every item of one `add_items`
gets the same created_at (the transaction's time). A page of rows after a row is then
asked in two parts: the rest of that row's time (its tie) by id, and the rows of later
times by the index. The tie's part is bounded by the tie's lowest and highest id
(`Tie`, found once per tie), so the primary key can read a tie of a million items a
page at a time without ever walking into other sessions' rows. Only the rows' keys are
sorted; their text is read for the chosen rows alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import sql

Key = tuple[datetime, int]  # a row's place in the SDK's order: (created_at as stored, id)
Tie = tuple[int, int]  # the lowest and highest id among a session's rows of one time

_PART = (
    "(SELECT id, created_at FROM {src} WHERE session_id = %s{w} AND {cond}{upto}"
    " ORDER BY {order} LIMIT %s)"
)
_KEYS = "SELECT id, created_at FROM ({tie} UNION ALL {later}) u ORDER BY {order} LIMIT %s OFFSET %s"
_UPTO = " AND created_at <= %s AND (created_at, id) <= (%s, %s)"


@dataclass(frozen=True)
class Scope:
    """Which rows: `FROM source WHERE session_id = %s` and `where` (the filter's
    conditions), with `params`, the session id first."""

    source: sql.Composable
    where: str
    params: tuple[Any, ...]

    def keys(
        self,
        key: Key,
        tie: Tie,
        *,
        forward: bool = True,
        limit: int,
        offset: int = 0,
        upto: Key | None = None,
        inclusive: bool = False,
    ) -> tuple[sql.Composed, tuple[Any, ...]]:
        """`SELECT id, created_at` of up to `limit` rows after `key` (before it when not
        `forward`; from it with `inclusive`), skipping `offset`, up to the row `upto`;
        `tie`: the bounds of the ids of `key`'s time."""
        op = (">" if forward else "<") + ("=" if inclusive else "")
        way = "" if forward else " DESC"
        end = tie[1] if forward else tie[0]
        bound, bound_params = ("", ()) if upto is None else (_UPTO, (upto[0], *upto))
        rest = self._part(
            f"created_at = %s AND id {op} %s AND id {'<=' if forward else '>='} %s",
            f"id{way}",
            bound,
        )
        later = self._part(f"created_at {op[0]} %s", f"created_at{way}, id{way}", bound)
        query = sql.SQL(_KEYS).format(
            tie=rest, later=later, order=sql.SQL(f"created_at{way}, id{way}")
        )
        enough = limit + offset
        params = (
            *self.params, key[0], key[1], end, *bound_params, enough,
            *self.params, key[0], *bound_params, enough,
            limit, offset,
        )  # fmt: skip
        return query, params

    def _part(self, condition: str, order: str, upto: str) -> sql.Composed:
        return sql.SQL(_PART).format(
            src=self.source,
            w=sql.SQL(self.where),
            cond=sql.SQL(condition),
            upto=sql.SQL(upto),
            order=sql.SQL(order),
        )

    def count_before(self, key: Key, tie: Tie) -> tuple[sql.Composed, tuple[Any, ...]]:
        """`SELECT count(*)` of the rows before `key`: earlier times (an index-only count
        when unfiltered) and the lower ids of its own time."""
        query = sql.SQL(
            "SELECT (SELECT count(*) FROM {src} WHERE session_id = %s{w} AND created_at < %s)"
            " + (SELECT count(*) FROM {src} WHERE session_id = %s{w} AND created_at = %s"
            " AND id >= %s AND id < %s)"
        ).format(src=self.source, w=sql.SQL(self.where))
        return query, (*self.params, key[0], *self.params, key[0], tie[0], key[1])


# The bounds of a tie, read through the SDK's index: `id + 0` keeps the planner from
# walking the primary key instead, through every other session's rows.
TIE_BOUNDS = "SELECT min(id + 0), max(id + 0) FROM {m} WHERE session_id = %s AND created_at = %s"


def edge_key(time: datetime, tie: Tie, *, forward: bool) -> Key:
    """A key just before a session's first row (just after its last, going backwards),
    from the tie of its first (last) time."""
    return (time, tie[0] - 1) if forward else (time, tie[1] + 1)
