"""Averages and medians computed by the database, per group, in one query each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, or_, select

from dispatch.extensions import db


def mean_and_median(group, value, conditions, *joins) -> dict[Any, tuple[int, float, float]]:
    """{group: (count, mean, median)} of ``value`` over the rows meeting ``conditions``.

    The median is the middle row (or the mean of the two middle rows) ranked by a window
    function, which SQLite and PostgreSQL both have (PostgreSQL's percentile_cont SQLite has not).
    """
    ranked = select(
        group.label("g"),
        value.label("v"),
        func.row_number().over(partition_by=group, order_by=value).label("rank"),
        func.count().over(partition_by=group).label("n"),
    ).where(*conditions)
    for target, on in joins:
        ranked = ranked.join(target, on)
    ranked = ranked.subquery()
    whole = select(ranked.c.g, func.count(), func.avg(ranked.c.v), func.max(ranked.c.n)).group_by(
        ranked.c.g
    )
    # Integer division (//): rows (n+1)/2 and (n+2)/2 are the middle one(s).
    middle = (
        select(ranked.c.g, func.avg(ranked.c.v))
        .where(or_(ranked.c.rank == (ranked.c.n + 1) // 2, ranked.c.rank == (ranked.c.n + 2) // 2))
        .group_by(ranked.c.g)
    )
    medians = dict(db.session.execute(middle).all())
    return {g: (n, float(mean), float(medians[g])) for g, n, mean, _ in db.session.execute(whole)}


def median_and_p90(group, value, conditions) -> dict[Any, tuple[int, float, float]]:
    """{group: (count, median, 90th percentile)} of ``value`` over the rows meeting
    ``conditions``, in one query. The median as in :func:`mean_and_median`; the 90th
    percentile is the nearest rank: the value of row ⌈0.9 n⌉, which 90 % of the rows do not
    exceed."""
    ranked = (
        select(
            group.label("g"),
            value.label("v"),
            func.row_number().over(partition_by=group, order_by=value).label("rank"),
            func.count().over(partition_by=group).label("n"),
        )
        .where(*conditions)
        .subquery()
    )
    rank, n, v = ranked.c.rank, ranked.c.n, ranked.c.v
    middle = or_(rank == (n + 1) // 2, rank == (n + 2) // 2)
    # ⌈0.9 n⌉ without CEIL (SQLite): the rank r with r ≥ 0.9 n > r - 1.
    p90 = and_(rank * 10 >= n * 9, (rank - 1) * 10 < n * 9)
    query = select(
        ranked.c.g,
        func.count(),
        func.avg(case((middle, v))),
        func.max(case((p90, v))),
    ).group_by(ranked.c.g)
    return {
        g: (count, float(median), float(top)) for g, count, median, top in db.session.execute(query)
    }
