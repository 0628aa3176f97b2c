"""The dashboard's counts per period, with finished periods kept in the database.

Every series of the dashboard is a sum over periods of a few raw counts: NPS
promoters, passives and detractors per breakdown group, how many answers gave
each CSAT and CES rating, the moments (n, sum, sum of squares) of SUS and
UMUX-Lite, the responses started, complete or partial, and those left out as
suspect or discarded. A finished month's
counts never change unless its answers do, so they are counted once and kept in
``score_tally``, one row per scope (the filters other than the dates) and period;
only the periods not kept, the running one above all, are counted again, with
the same GROUP BY statements as :mod:`cat_survey.reports.queries`.

A kept period is valid while the sum of its days' counters in ``tally_day`` is
the one it was counted at. Database triggers add to those counters whenever a
response or an answer of that day is written, changed or deleted, by whatever
path (the conversation, ``import-responses``, suspect review, privacy erasure
and retention, another process): see :mod:`cat_survey.tally_days`. The counters
are read before the answers are counted, so a change committed meanwhile makes
the new row look stale (it is counted again), never the reverse.

Only whole periods inside the range that ended before yesterday (by the
dashboard's clock and the database's) are kept: the triggers leave today's and
yesterday's writes alone, so the writes of running conversations never wait on
one another.
"""

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Date, Table, func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from analysis.periods import period_end, periods_between
from cat_survey.db import db
from cat_survey.models import ScoreTally, TallyDay, utcnow
from cat_survey.reports.queries import (
    Filters,
    Moments,
    NpsOverview,
    PeriodCes,
    PeriodCounts,
    PeriodCsat,
    PeriodMean,
    ces_from_ratings,
    counts_from,
    counts_of,
    csat_from_ratings,
    mean_series,
    nps_count_rows,
    overview_from,
    rating_counts,
    started_counts,
    sus_moments,
    umux_lite_moments,
)
from cat_survey.reports.review import Excluded, excluded_by_period

log = logging.getLogger(__name__)

#: Days after a period's end before it is kept: the triggers skip writes dated
#: today or yesterday (cat_survey/tally_days.py).
SETTLING_DAYS = 2


@dataclass(frozen=True)
class DashboardSeries:
    """Every series of the dashboard, built from per-period counts."""

    overview: NpsOverview
    csat: tuple[PeriodCsat, ...]
    ces: tuple[PeriodCes, ...]
    sus: tuple[PeriodMean, ...]
    umux_lite: tuple[PeriodMean, ...]
    responses: tuple[PeriodCounts, ...]
    excluded: Excluded


# ---------------------------------------------------------------- counting


def empty_tallies() -> dict[str, Any]:
    """The counts of a period without answers."""
    return {
        "nps": [],
        "csat": [],
        "ces": [],
        "sus": None,
        "umux_lite": None,
        "responses": [0, 0],
        "excluded": [0, 0],
    }


def count_periods(filters: Filters) -> dict[str, dict[str, Any]]:
    """Count every series per period of the range: {period start: counts}.

    The counts are plain JSON (lists, numbers, strings and null), so a period's
    counts are stored as they are.
    """
    tallies: dict[str, dict[str, Any]] = {}

    def of(period: str) -> dict[str, Any]:
        return tallies.setdefault(period, empty_tallies())

    for row in nps_count_rows(filters, by_period=True, by_group=True):
        of(row.period)["nps"].append([row.grp, *counts_of(row)])
    for name in ("csat", "ces"):
        for period, ratings in rating_counts(filters, name).items():
            of(period)[name] = sorted([rating, n] for rating, n in ratings.items())
    for name, moments in (
        ("sus", sus_moments(filters)),
        ("umux_lite", umux_lite_moments(filters)),
    ):
        for period, moment in moments.items():
            of(period)[name] = list(moment)
    for period, pair in started_counts(filters).items():
        of(period)["responses"] = list(pair)
    for period, pair in excluded_by_period(filters).items():
        of(period)["excluded"] = list(pair)
    return tallies


def series_from_tallies(
    filters: Filters, tallies: dict[str, dict[str, Any]]
) -> DashboardSeries:
    """Every series of the range from its periods' counts (missing periods: none)."""
    ratings: dict[str, dict[str, dict[int, int]]] = {"csat": {}, "ces": {}}
    moments: dict[str, dict[str, Moments]] = {"sus": {}, "umux_lite": {}}
    nps_rows = []
    responses: dict[str, tuple[int, int]] = {}
    suspect = discarded = 0
    for period, counts in tallies.items():
        nps_rows += [(period, group, tuple(c)) for group, *c in counts["nps"]]
        for name in ratings:
            if counts[name]:
                ratings[name][period] = {int(r): n for r, n in counts[name]}
        for name in moments:
            if counts[name] is not None:
                n, total, squares = counts[name]
                moments[name][period] = (n, total, squares)
        responses[period] = (counts["responses"][0], counts["responses"][1])
        suspect += counts["excluded"][0]
        discarded += counts["excluded"][1]
    return DashboardSeries(
        overview=overview_from(filters, nps_rows),
        csat=csat_from_ratings(filters, ratings["csat"]),
        ces=ces_from_ratings(filters, ratings["ces"]),
        sus=mean_series(filters, moments["sus"]),
        umux_lite=mean_series(filters, moments["umux_lite"]),
        responses=counts_from(filters, responses),
        excluded=Excluded(suspect=suspect, discarded=discarded),
    )


# ---------------------------------------------------------------- keeping


def scope_key(filters: Filters) -> str:
    """What a period's counts depend on besides its dates, as a 64-character key."""
    scope = {
        "period": filters.period,
        "survey": filters.survey,
        "segment": filters.segment,
        "breakdown": filters.breakdown,
        "include_partial": filters.include_partial,
    }
    return hashlib.sha256(json.dumps(scope, sort_keys=True).encode()).hexdigest()


def database_today() -> date:
    """The UTC day by the database's clock, the one the triggers compare with."""
    if db.engine.dialect.name == "postgresql":
        today = literal_column("(now() AT TIME ZONE 'UTC')::date", Date)
        day: date = db.session.execute(select(today)).scalar_one()
        return day
    return date.fromisoformat(db.session.execute(select(func.date("now"))).scalar_one())


def keepable(filters: Filters, starts: Iterable[date], *, today: date) -> list[date]:
    """The periods whose counts may be kept: whole, in range, settled."""
    settled = min(today, database_today()) - timedelta(days=SETTLING_DAYS)
    return [
        start
        for start in starts
        if start >= filters.start
        and period_end(start, filters.period) <= min(filters.end, settled)
    ]


def generations(filters: Filters, starts: list[date]) -> dict[date, int]:
    """The sum of the day counters of each period (0 for a period never changed)."""
    sums = dict.fromkeys(starts, 0)
    if not starts:
        return sums
    ends = {start: period_end(start, filters.period) for start in starts}
    rows = db.session.execute(
        select(TallyDay.day, TallyDay.generation).where(
            TallyDay.day >= min(starts), TallyDay.day <= max(ends.values())
        )
    ).all()
    for day, generation in rows:
        for start in starts:
            if start <= day <= ends[start]:
                sums[start] += generation
                break
    return sums


def kept_tallies(
    filters: Filters, current: dict[date, int]
) -> dict[date, dict[str, Any]]:
    """The kept counts of these periods that are still valid."""
    if not current:
        return {}
    rows = db.session.execute(
        select(
            ScoreTally.period_start, ScoreTally.generation, ScoreTally.tallies
        ).where(
            ScoreTally.scope == scope_key(filters),
            ScoreTally.period == filters.period,
            ScoreTally.period_start.in_(list(current)),
        )
    ).all()
    return {
        start: tallies
        for start, generation, tallies in rows
        if current.get(start) == generation
    }


def keep(filters: Filters, counted: dict[date, tuple[int, dict[str, Any]]]) -> None:
    """Store counted periods (start: (generation, counts)); a failure is only logged.

    The page is right without them; another request simply counts them again.
    """
    if not counted:
        return
    table = cast(Table, ScoreTally.__table__)
    insert = (
        postgresql.insert(table)
        if db.engine.dialect.name == "postgresql"
        else sqlite.insert(table)
    )
    scope, now = scope_key(filters), utcnow()
    statement = insert.values(
        [
            {
                "scope": scope,
                "period": filters.period,
                "period_start": start,
                "generation": generation,
                "tallies": tallies,
                "counted_at": now,
            }
            for start, (generation, tallies) in sorted(counted.items())
        ]
    )
    statement = statement.on_conflict_do_update(
        index_elements=["scope", "period", "period_start"],
        set_={
            "generation": statement.excluded.generation,
            "tallies": statement.excluded.tallies,
            "counted_at": statement.excluded.counted_at,
        },
    )
    try:
        db.session.execute(statement)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("could not keep the dashboard's counts", exc_info=True)


def runs(starts: list[date], all_starts: list[date]) -> Iterator[list[date]]:
    """``starts`` cut into runs of consecutive periods of ``all_starts``."""
    wanted, run = set(starts), []
    for start in all_starts:
        if start in wanted:
            run.append(start)
        elif run:
            yield run
            run = []
    if run:
        yield run


def dashboard_series(filters: Filters, *, today: date) -> DashboardSeries:
    """Every series of the dashboard: kept periods from the table, the rest counted."""
    starts = periods_between(filters.start, filters.end, filters.period)
    current = generations(filters, keepable(filters, starts, today=today))
    kept = kept_tallies(filters, current)
    tallies = {str(start): counts for start, counts in kept.items()}
    counted: dict[date, tuple[int, dict[str, Any]]] = {}
    for run in runs([s for s in starts if s not in kept], starts):
        span = replace(
            filters,
            start=max(filters.start, run[0]),
            end=min(filters.end, period_end(run[-1], filters.period)),
        )
        fresh = count_periods(span)
        for start in run:
            counts = fresh.get(str(start), empty_tallies())
            tallies[str(start)] = counts
            if start in current:
                counted[start] = (current[start], counts)
    keep(filters, counted)
    return series_from_tallies(filters, tallies)
