"""Calendar periods: weeks, months, quarters and years, as plain date arithmetic.

A period is named by its first day: Monday for ISO weeks, the 1st of the month,
of the quarter or of the year. The dashboard groups scores by these periods and
the theme pages count answers per month; both ask this module, so a month means
the same thing on every page. Nothing here reads the clock.
"""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

__all__ = [
    "PERIODS",
    "PERIOD_MONTHS",
    "Span",
    "last_day_of_month",
    "period_end",
    "period_label",
    "period_of",
    "periods_between",
    "same_day",
    "same_span",
    "shift_period",
]

PERIODS = ("week", "month", "quarter", "year")
#: Months in each calendar period longer than a week.
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def period_of(day: date, period: str) -> date:
    """The first day of the period that holds ``day``."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "year":
        return day.replace(month=1, day=1)
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def shift_period(start: date, period: str, count: int = 1) -> date:
    """The first day of the period ``count`` periods after (or before) ``start``."""
    if period == "week":
        return start + timedelta(weeks=count)
    months = start.year * 12 + start.month - 1 + count * PERIOD_MONTHS[period]
    return date(months // 12, months % 12 + 1, 1)


def period_end(start: date, period: str) -> date:
    """The last day of the period that starts on ``start``."""
    return shift_period(start, period) - timedelta(days=1)


def last_day_of_month(day: date) -> date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def same_day(day: date, period: str, count: int) -> date:
    """The day that sits where ``day`` does, ``count`` periods later (or earlier).

    Weeks move by whole weeks. Calendar periods move by whole months, and a month's
    last day stays a month's last day, so 30 November three months back is 31
    August (not 30 August), and 29 February a year on is 28 February.

    >>> same_day(date(2024, 11, 30), "quarter", -1)
    datetime.date(2024, 8, 31)
    >>> same_day(date(2024, 2, 29), "year", 1)
    datetime.date(2025, 2, 28)
    """
    if period == "week":
        return day + timedelta(weeks=count)
    months = count * PERIOD_MONTHS[period]
    moved_month = shift_period(day.replace(day=1), "month", months)
    if day == last_day_of_month(day):
        return last_day_of_month(moved_month)
    return moved_month.replace(day=min(day.day, last_day_of_month(moved_month).day))


def periods_between(start: date, end: date, period: str) -> list[date]:
    """First days of every period from the one holding ``start`` to ``end``'s."""
    current, last = period_of(start, period), period_of(end, period)
    periods = []
    while current <= last:
        periods.append(current)
        current = shift_period(current, period)
    return periods


def period_label(start: date, period: str) -> str:
    """How a period is named on charts and in tables: 2024-W05, 2024-05, 2024 Q2."""
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{start:%Y-%m}"
    if period == "year":
        return str(start.year)
    return f"{start.year} Q{(start.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class Span:
    """Days ``first`` to ``last``, both included.

    >>> Span(date(2024, 10, 1), date(2024, 11, 30)).days
    61
    """

    first: date
    last: date

    @property
    def days(self) -> int:
        """How many days the span holds."""
        return (self.last - self.first).days + 1

    def words(self) -> str:
        """The span as pages and CSVs write it: "2024-10-01 to 2024-11-30"."""
        return f"{self.first.isoformat()} to {self.last.isoformat()}"

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """The span as UTC instants: ``first``'s midnight to the one after ``last``.

        >>> Span(date(2024, 2, 1), date(2024, 2, 29)).utc_bounds()[1]
        datetime.datetime(2024, 3, 1, 0, 0, tzinfo=datetime.timezone.utc)
        """
        low = datetime.combine(self.first, time(), tzinfo=UTC)
        return low, datetime.combine(self.last + timedelta(days=1), time(), tzinfo=UTC)


def same_span(span: Span, period: str, count: int) -> Span:
    """The same days of the period ``count`` periods away (see :func:`same_day`).

    The dashboard compares a partial period with these days of the one before it,
    and the theme report a running month or quarter, so both compare like with like.

    >>> same_span(Span(date(2024, 10, 1), date(2024, 11, 30)), "quarter", -1).words()
    '2024-07-01 to 2024-08-31'
    """
    return Span(same_day(span.first, period, count), same_day(span.last, period, count))
