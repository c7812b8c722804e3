"""Tracked entity-seconds: how long an integration's entities existed in a range.

The denominator of availability and MTBF, read from `tracked_entities`
(first_seen .. removed_at), including the quiet hours that have no hourly row.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import TextClause, and_, bindparam, func, or_, select, text
from sqlalchemy.orm import Session

from .schema import Base, TrackedEntity

_TRACKED_TABLE: Final = Base.metadata.tables[TrackedEntity.__tablename__]


def _tracked_sql(by_ids: str | None) -> TextClause:
    statement = text(
        "SELECT integration_id, MAX(integration_domain), SUM("
        " (CASE WHEN removed_at IS NULL OR removed_at > :p1 THEN :p1 ELSE removed_at END)"
        " - (CASE WHEN first_seen > :p0 THEN first_seen ELSE :p0 END))"
        " FROM tracked_entities"
        " WHERE first_seen < :p1 AND (removed_at IS NULL OR removed_at > :p0)"
        + {None: "", "one": " AND integration_id = :id", "many": " AND integration_id IN :ids"}[
            by_ids
        ]
        + " GROUP BY integration_id"
    )
    return statement.bindparams(bindparam("ids", expanding=True)) if by_ids == "many" else statement


# Plain SQL built once: the live sensors call this on every refresh. One id is
# the common case (a service call, a sensor) and needs no expanding IN.
_TRACKED_SQL: Final = {key: _tracked_sql(key) for key in (None, "one", "many")}


def tracked_seconds(
    session: Session, p0: float, p1: float, *, integration_ids: list[str] | None = None
) -> dict[str, tuple[str, float]]:
    """Entity-seconds of tracked entities per integration (all, or those) inside [p0, p1)."""
    params: dict[str, Any] = {"p0": p0, "p1": p1}
    key = None
    if integration_ids is not None and len(integration_ids) == 1:
        key, params["id"] = "one", integration_ids[0]
    elif integration_ids is not None:
        key, params["ids"] = "many", integration_ids
    rows = session.connection().execute(_TRACKED_SQL[key], params)
    return {iid: (dom, float(secs or 0.0)) for iid, dom, secs in rows}


_T = _TRACKED_TABLE.c
# Entities existing during the whole slice are only counted per integration;
# those added or removed inside it come back one by one. Two plain scans of a
# small table (one GROUP BY on its integration index): cheaper than one query
# grouping on computed columns.
_TRACKED_WHOLE_SQL: Final = (
    select(_T.integration_id, func.count())
    .where(
        _T.first_seen <= bindparam("a"),
        or_(_T.removed_at.is_(None), _T.removed_at >= bindparam("b")),
    )
    .group_by(_T.integration_id)
)
_TRACKED_PARTIAL_SQL: Final = select(_T.integration_id, _T.first_seen, _T.removed_at).where(
    or_(
        and_(_T.first_seen > bindparam("a"), _T.first_seen < bindparam("b")),
        and_(_T.removed_at > bindparam("a"), _T.removed_at < bindparam("b")),
    )
)


class TrackedGrid:
    """Tracked entity-seconds per integration for the hours of a slice (one query)."""

    def __init__(self, session: Session, a: float, b: float) -> None:
        conn = session.connection()
        params = {"a": a, "b": b}
        self._full: dict[str, int] = dict(conn.execute(_TRACKED_WHOLE_SQL, params).tuples().all())
        self._partial: dict[str, list[tuple[float, float]]] = {}
        for iid, first, removed in conn.execute(_TRACKED_PARTIAL_SQL, params):
            self._partial.setdefault(iid, []).append((first, b if removed is None else removed))

    def seconds(self, integration_id: str, h0: float, h1: float) -> float:
        """Tracked entity-seconds of `integration_id` in [h0, h1) inside the slice."""
        total = self._full.get(integration_id, 0) * (h1 - h0)
        for first, removed in self._partial.get(integration_id, ()):
            total += max(0.0, min(removed, h1) - max(first, h0))
        return total
