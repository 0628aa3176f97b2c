"""SQL that counts NPS answers, shared by the dashboard and the theme pages.

The database tallies promoters, passives and detractors in one pass; Python only
hands the three counts to :func:`analysis.scores.nps_from_counts`, which adds the
interval. Both pages count the same way because both use these two functions.
"""

from typing import Any

from sqlalchemy import ColumnElement, case, func

from analysis.scores import NpsResult, nps_from_counts


def nps_tallies(value: Any) -> list[ColumnElement[int]]:
    """SUMs counting promoters (9-10), passives (7-8) and detractors (0-6)."""
    return [
        func.sum(case((value >= 9, 1), else_=0)).label("promoters"),
        func.sum(case((value >= 9, 0), (value >= 7, 1), else_=0)).label("passives"),
        func.sum(case((value < 7, 1), else_=0)).label("detractors"),
    ]


def nps_of(row: Any) -> NpsResult:
    """The NPS of a row holding promoter, passive and detractor tallies."""
    return nps_from_counts(
        int(row.promoters or 0), int(row.passives or 0), int(row.detractors or 0)
    )
