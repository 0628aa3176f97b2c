"""Survey scores with n and a margin of error: NPS, CSAT, CES, SUS, UMUX-Lite.

Every function here turns plain answers (or the counts and sums that a SQL aggregate
returns) into a frozen result that carries ``n`` and a 95% margin of error, because the
product rule is that no score is shown without them. The module sits on the web
request path, so it uses only the standard library (``math``, ``statistics``): no
NumPy, scikit-learn, NLTK or matplotlib.

Each ``*_from_counts`` / ``*_from_moments`` function is the single code path; the
functions that take raw answers count or sum them and call it, so a dashboard fed by
SQL and a notebook fed by a CSV give identical numbers.

Input is validated strictly: booleans, strings, ``None``, NaN, infinities, fractional
ratings and out-of-range values raise ``ValueError`` naming the offending value.

References
----------
.. [1] Reichheld, F. (2003). The one number you need to grow. *Harvard Business
   Review*, 81(12).
.. [2] Sauro, J. & Lewis, J. R. (2016). *Quantifying the User Experience*, 2nd ed.
   Morgan Kaufmann.
.. [3] Brooke, J. (1996). SUS: a "quick and dirty" usability scale. In *Usability
   Evaluation in Industry*, 189-194.
.. [4] Lewis, J. R., Utesch, B. S. & Maher, D. E. (2013). UMUX-LITE: when there's no
   time for the SUS. *CHI 2013*, 2099-2102.
"""

import decimal
import math
import numbers
import sys
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

__all__ = [
    "SMALL_SAMPLE_N",
    "Z_95",
    "CesResult",
    "CsatResult",
    "MeanResult",
    "NpsComparison",
    "NpsResult",
    "ces",
    "ces_from_counts",
    "compare_nps",
    "compare_nps_results",
    "csat",
    "csat_from_counts",
    "mean_from_moments",
    "mean_score",
    "nps",
    "nps_from_counts",
    "sus",
    "sus_grade",
    "sus_percentile",
    "umux_lite",
    "umux_lite_sus",
]

#: Two-sided 95% quantile of the standard normal distribution.
Z_95 = 1.959964

#: Below this many answers a result reports ``small_sample`` so the UI can say so.
SMALL_SAMPLE_N = 30

# Student t 0.975 quantiles for 1..30 degrees of freedom; beyond 30 the Cornish-Fisher
# expansion in _t_975 is accurate to better than 1e-7.
_T_975 = (
    12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
    2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
    2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
    2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
)  # fmt: skip

# Sauro & Lewis (2016) curved grading scale: lowest score of each grade, best first.
_SUS_GRADES = (
    (84.1, "A+"),
    (80.8, "A"),
    (78.9, "A-"),
    (77.2, "B+"),
    (74.1, "B"),
    (72.6, "B-"),
    (71.1, "C+"),
    (65.0, "C"),
    (62.7, "C-"),
    (51.7, "D"),
    (0.0, "F"),
)

# The empirical percentile curve behind the grades (Sauro & Lewis 2016, table of the
# curved grading scale): each grade's lowest score and the percentile rank where
# its band starts, plus the benchmark mean (68 = 50th percentile) and the ends.
_SUS_PERCENTILE_POINTS = (
    (0.0, 0.0),
    (51.7, 15.0),
    (62.7, 35.0),
    (65.0, 41.0),
    (68.0, 50.0),
    (71.1, 60.0),
    (72.6, 65.0),
    (74.1, 70.0),
    (77.2, 80.0),
    (78.9, 85.0),
    (80.8, 90.0),
    (84.1, 96.0),
    (100.0, 100.0),
)


# ---------------------------------------------------------------- result types


class SampleSize:
    """What every result shares: its ``n``, and whether that sample is small."""

    if TYPE_CHECKING:
        # Declared for the type checker only: most results store ``n`` as a field,
        # a comparison computes it from both samples. A real property here would
        # shadow the dataclass fields of the same name.
        @property
        def n(self) -> int: ...

    @property
    def small_sample(self) -> bool:
        """Whether ``n`` is below :data:`SMALL_SAMPLE_N` (30)."""
        return self.n < SMALL_SAMPLE_N


@dataclass(frozen=True)
class NpsResult(SampleSize):
    """Net Promoter Score of one sample, with its counts and 95% intervals.

    Attributes
    ----------
    score : float or None
        %promoters - %detractors, in -100..100; ``None`` when ``n == 0``.
    promoters, passives, detractors : int
        Answers of 9-10, 7-8 and 0-6.
    n : int
        Number of answers.
    margin_of_error : float or None
        Half-width of the 95% Wald interval, in NPS points.
    ci_low, ci_high : float or None
        95% adjusted-Wald interval (Sauro & Lewis), clipped to -100..100. It is
        centred on the adjusted score, so for a single answer it does not contain
        ``score`` itself.
    """

    score: float | None
    promoters: int
    passives: int
    detractors: int
    n: int
    margin_of_error: float | None
    ci_low: float | None
    ci_high: float | None

    def __post_init__(self) -> None:
        counts = (self.promoters, self.passives, self.detractors)
        if min(counts) < 0 or sum(counts) != self.n:
            raise ValueError(
                f"NpsResult counts {counts} must be non-negative and sum to n={self.n}"
            )


@dataclass(frozen=True)
class NpsComparison(SampleSize):
    """Difference between two Net Promoter Scores and its significance.

    Attributes
    ----------
    difference : float
        NPS of ``a`` minus NPS of ``b``, in points.
    z : float
        Test statistic on the adjusted-Wald scores.
    p_value : float
        Two-sided p-value from the normal distribution.
    significant : bool
        Whether the 95% interval of the difference excludes 0 (alpha 0.05).
    ci_low, ci_high : float
        95% adjusted-Wald interval of the difference, clipped to -200..200.
    margin_of_error : float
        Half-width of that interval before clipping, in points.
    n_a, n_b : int
        Sample sizes of ``a`` and ``b``.
    """

    difference: float
    z: float
    p_value: float
    significant: bool
    ci_low: float
    ci_high: float
    margin_of_error: float
    n_a: int
    n_b: int

    @property
    def n(self) -> int:
        """Total number of answers in both samples."""
        return self.n_a + self.n_b


@dataclass(frozen=True)
class CsatResult(SampleSize):
    """Customer satisfaction: top-two-box share with the mean beside it.

    Attributes
    ----------
    score : float or None
        Percent of answers in the two highest boxes; ``None`` when ``n == 0``.
    mean : float or None
        Mean rating; ``None`` when ``n == 0``.
    n : int
        Number of answers.
    margin_of_error : float or None
        Half-width of the 95% Wald interval of ``score``, in percentage points.
    scale : int
        Highest rating of the scale (ratings run 1..scale).
    """

    score: float | None
    mean: float | None
    n: int
    margin_of_error: float | None
    scale: int


@dataclass(frozen=True)
class CesResult(SampleSize):
    """Customer effort score: mean agreement and share of agreeing answers.

    Attributes
    ----------
    mean : float or None
        Mean rating; ``None`` when ``n == 0``.
    agree_share : float or None
        Percent of answers above the scale midpoint (5-7 on the 7-point scale).
    n : int
        Number of answers.
    margin_of_error : float or None
        Half-width of the 95% Student t interval of ``mean`` (sample SD, n - 1
        degrees of freedom); ``None`` when ``n < 2``.
    scale : int
        Highest rating of the scale (ratings run 1..scale).
    """

    mean: float | None
    agree_share: float | None
    n: int
    margin_of_error: float | None
    scale: int


@dataclass(frozen=True)
class MeanResult(SampleSize):
    """Mean of a sample with its 95% Student t interval.

    Attributes
    ----------
    n : int
        Number of values.
    mean : float or None
        Sample mean; ``None`` when ``n == 0``.
    sd : float or None
        Sample standard deviation (n - 1 denominator); ``None`` when ``n < 2``.
    margin_of_error : float or None
        Half-width of the 95% t interval; ``None`` when ``n < 2``.
    """

    n: int
    mean: float | None
    sd: float | None
    margin_of_error: float | None

    @property
    def ci_low(self) -> float | None:
        """Lower end of the 95% interval, or ``None`` without a margin."""
        if self.mean is None or self.margin_of_error is None:
            return None
        return self.mean - self.margin_of_error

    @property
    def ci_high(self) -> float | None:
        """Upper end of the 95% interval, or ``None`` without a margin."""
        if self.mean is None or self.margin_of_error is None:
            return None
        return self.mean + self.margin_of_error


# ---------------------------------------------------------------- validation


def _as_number(value: object, what: str) -> float:
    """Return ``value`` as a finite float, or raise ValueError naming it."""
    # bool is an int subclass, but True as a rating is always a bug upstream.
    if isinstance(value, bool) or not isinstance(value, numbers.Real | decimal.Decimal):
        raise ValueError(f"{what} must be a number, got {value!r}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"{what} is too large, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return number


def _as_whole(value: object, what: str, low: int, high: float = math.inf) -> int:
    """Return ``value`` as an int in ``low..high``, or raise ValueError naming it."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        whole = int(value)
    else:
        number = _as_number(value, what)
        if not number.is_integer():
            raise ValueError(f"{what} must be a whole number, got {value!r}")
        whole = int(number)
    if not low <= whole <= high:
        bounds = f"at least {low}" if high == math.inf else f"between {low} and {high}"
        raise ValueError(f"{what} must be {bounds}, got {value!r}")
    return whole


def _as_list(values: Iterable[object], what: str) -> list[object]:
    """Materialise an iterable of answers, refusing strings and mappings."""
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise ValueError(f"{what} must be a sequence of numbers, got {values!r}")
    return list(values)


def _as_scale(scale: object) -> int:
    """Validate a rating scale's highest value (3..11 points)."""
    return _as_whole(scale, "scale", 3, 11)


# ---------------------------------------------------------------- statistics


def _t_975(df: int) -> float:
    """Two-sided 95% quantile of Student's t with ``df`` degrees of freedom."""
    if df <= len(_T_975):
        return _T_975[df - 1]
    # Cornish-Fisher expansion (Abramowitz & Stegun 26.7.5) around the normal.
    x = 1.959963984540054
    g1 = (x**3 + x) / 4
    g2 = (5 * x**5 + 16 * x**3 + 3 * x) / 96
    g3 = (3 * x**7 + 19 * x**5 + 17 * x**3 - 15 * x) / 384
    g4 = (79 * x**9 + 776 * x**7 + 1482 * x**5 - 1920 * x**3 - 945 * x) / 92160
    return x + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def _trinomial_variance(p: float, d: float) -> float:
    """Per-answer variance of the -1/0/+1 NPS variable (p, d as proportions)."""
    return p + d - (p - d) ** 2


def _adjusted_nps(promoters: int, detractors: int, n: int) -> tuple[float, float]:
    """Return the adjusted-Wald NPS and its variance, both in points (squared)."""
    n_adj = n + 3
    p_adj = (promoters + 0.75) / n_adj
    d_adj = (detractors + 0.75) / n_adj
    variance = _trinomial_variance(p_adj, d_adj) / n_adj
    return 100 * (p_adj - d_adj), 100**2 * variance


def _clip(value: float, bound: float) -> float:
    """Clip ``value`` to ``-bound..bound``."""
    return max(-bound, min(bound, value))


# ---------------------------------------------------------------- NPS


def nps_from_counts(promoters: int, passives: int, detractors: int) -> NpsResult:
    """Net Promoter Score from the counts of promoters, passives and detractors.

    Parameters
    ----------
    promoters, passives, detractors : int
        Non-negative counts of answers 9-10, 7-8 and 0-6.

    Returns
    -------
    NpsResult
        Score in -100..100 with the Wald margin of error (trinomial variance
        ``(p + d - (p - d)**2) / n``) and the adjusted-Wald 95% interval (add 3 to
        n and 3/4 to promoters and detractors). All of them are ``None`` for n = 0.

    Examples
    --------
    >>> result = nps_from_counts(291, 476, 395)  # Sauro, MeasuringU
    >>> round(result.score, 2), round(result.margin_of_error, 1), result.n
    (-8.95, 4.4, 1162)
    >>> nps_from_counts(0, 0, 0).score is None
    True
    """
    promoters = _as_whole(promoters, "promoters", 0)
    passives = _as_whole(passives, "passives", 0)
    detractors = _as_whole(detractors, "detractors", 0)
    n = promoters + passives + detractors
    if n == 0:
        return NpsResult(None, 0, 0, 0, 0, None, None, None)
    p, d = promoters / n, detractors / n
    margin = 100 * Z_95 * math.sqrt(_trinomial_variance(p, d) / n)
    centre, variance = _adjusted_nps(promoters, detractors, n)
    half_width = Z_95 * math.sqrt(variance)
    return NpsResult(
        score=100 * (promoters - detractors) / n,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        n=n,
        margin_of_error=margin,
        ci_low=_clip(centre - half_width, 100),
        ci_high=_clip(centre + half_width, 100),
    )


def nps(scores: Iterable[int]) -> NpsResult:
    """Net Promoter Score of 0-10 likelihood-to-recommend answers.

    Parameters
    ----------
    scores : iterable of int
        Whole numbers 0..10; promoters answer 9-10, detractors 0-6.

    Returns
    -------
    NpsResult
        Same as :func:`nps_from_counts` on the counted answers.

    Examples
    --------
    >>> result = nps([9, 10, 6, 8])
    >>> result.score, result.promoters, result.passives, result.detractors
    (25.0, 2, 1, 1)
    >>> result.small_sample
    True
    """
    ratings = [_as_whole(s, "NPS rating", 0, 10) for s in _as_list(scores, "scores")]
    return nps_from_counts(
        promoters=sum(r >= 9 for r in ratings),
        passives=sum(7 <= r <= 8 for r in ratings),
        detractors=sum(r <= 6 for r in ratings),
    )


def compare_nps_results(a: NpsResult, b: NpsResult) -> NpsComparison:
    """Compare two Net Promoter Scores given as results (e.g. from SQL counts).

    The test is Lewis & Sauro's adjusted-Wald comparison: each sample's score and
    trinomial variance are computed on adjusted counts (n + 3, promoters and
    detractors + 3/4), the variances add, and ``z`` is the adjusted difference over
    its standard error. ``difference`` itself is the plain difference of the scores.

    Parameters
    ----------
    a, b : NpsResult
        Non-empty samples, typically this period (``a``) and the previous one.

    Returns
    -------
    NpsComparison
        ``significant`` is true exactly when the 95% interval excludes 0.

    Examples
    --------
    >>> now, before = nps_from_counts(60, 30, 10), nps_from_counts(30, 40, 30)
    >>> comparison = compare_nps_results(now, before)
    >>> comparison.difference, comparison.significant
    (50.0, True)
    >>> round(comparison.ci_low, 1), round(comparison.ci_high, 1)
    (28.7, 68.4)
    """
    for name, result in (("a", a), ("b", b)):
        if not isinstance(result, NpsResult):
            raise ValueError(f"{name} must be an NpsResult, got {result!r}")
        if result.n == 0 or result.score is None:
            raise ValueError(f"cannot compare an empty sample: {name} has n = 0")
    centre_a, variance_a = _adjusted_nps(a.promoters, a.detractors, a.n)
    centre_b, variance_b = _adjusted_nps(b.promoters, b.detractors, b.n)
    centre = centre_a - centre_b
    # Adjusted proportions are never 0 or 1, so the standard error is positive.
    standard_error = math.sqrt(variance_a + variance_b)
    z = centre / standard_error
    margin = Z_95 * standard_error
    score_a, score_b = a.score, b.score
    if score_a is None or score_b is None:  # unreachable: rejected just above
        raise ValueError("cannot compare an empty sample")
    return NpsComparison(
        difference=score_a - score_b,
        z=z,
        p_value=math.erfc(abs(z) / math.sqrt(2)),
        significant=abs(z) > Z_95,
        ci_low=_clip(centre - margin, 200),
        ci_high=_clip(centre + margin, 200),
        margin_of_error=margin,
        n_a=a.n,
        n_b=b.n,
    )


def compare_nps(a_scores: Iterable[int], b_scores: Iterable[int]) -> NpsComparison:
    """Compare the Net Promoter Scores of two lists of 0-10 answers.

    Parameters
    ----------
    a_scores, b_scores : iterable of int
        Non-empty samples of whole numbers 0..10.

    Returns
    -------
    NpsComparison
        See :func:`compare_nps_results`, which this calls.

    Examples
    --------
    >>> comparison = compare_nps([10, 9, 9, 8, 3], [10, 6, 5, 7, 2])
    >>> comparison.difference, comparison.significant
    (80.0, False)
    """
    return compare_nps_results(nps(a_scores), nps(b_scores))


# ---------------------------------------------------------------- CSAT and CES


def csat_from_counts(counts: Mapping[int, int], *, scale: int = 5) -> CsatResult:
    """Customer satisfaction from a mapping of rating to number of answers.

    Parameters
    ----------
    counts : mapping of int to int
        Rating (1..scale) to non-negative count; missing ratings count 0.
    scale : int, default 5
        Highest rating; the two highest ratings are the "satisfied" boxes.

    Returns
    -------
    CsatResult
        Top-two-box percent with its 95% Wald margin, and the mean rating.

    Examples
    --------
    >>> result = csat_from_counts({5: 10, 4: 20, 3: 10, 2: 5, 1: 5})
    >>> result.score, result.mean, result.n
    (60.0, 3.5, 50)
    >>> round(result.margin_of_error, 1)
    13.6
    """
    scale = _as_scale(scale)
    if not isinstance(counts, Mapping):
        raise ValueError(f"counts must be a mapping of rating to count, got {counts!r}")
    tally = {
        _as_whole(rating, "CSAT rating", 1, scale): _as_whole(count, "count", 0)
        for rating, count in counts.items()
    }
    n = sum(tally.values())
    if n == 0:
        return CsatResult(None, None, 0, None, scale)
    satisfied = sum(count for rating, count in tally.items() if rating >= scale - 1)
    share = satisfied / n
    return CsatResult(
        score=100 * share,
        mean=sum(rating * count for rating, count in tally.items()) / n,
        n=n,
        margin_of_error=100 * Z_95 * math.sqrt(share * (1 - share) / n),
        scale=scale,
    )


def csat(ratings: Iterable[int], *, scale: int = 5) -> CsatResult:
    """Customer satisfaction (top-two-box percent and mean) of 1..scale ratings.

    Parameters
    ----------
    ratings : iterable of int
        Whole numbers 1..scale.
    scale : int, default 5
        Highest rating.

    Returns
    -------
    CsatResult
        Same as :func:`csat_from_counts` on the counted ratings.

    Examples
    --------
    >>> result = csat([5, 4, 4, 3, 1])
    >>> result.score, result.mean
    (60.0, 3.4)
    """
    scale = _as_scale(scale)
    checked = [
        _as_whole(r, "CSAT rating", 1, scale) for r in _as_list(ratings, "ratings")
    ]
    return csat_from_counts(Counter(checked), scale=scale)


def ces(ratings: Iterable[int], *, scale: int = 7) -> CesResult:
    """Customer effort score: mean agreement with "the company made it easy".

    The margin of error of the mean uses the sample standard deviation and
    Student's t with n - 1 degrees of freedom (not the normal), so small samples
    get honestly wider intervals.

    Parameters
    ----------
    ratings : iterable of int
        Whole numbers 1..scale (1 strongly disagree .. 7 strongly agree).
    scale : int, default 7
        Highest rating; answers above the midpoint count as agreeing.

    Returns
    -------
    CesResult
        Mean, percent agreeing (5-7 on the 7-point scale), n and margin of error.

    Examples
    --------
    >>> result = ces([7, 6, 5, 4, 3])
    >>> result.mean, result.agree_share, result.n
    (5.0, 60.0, 5)
    >>> round(result.margin_of_error, 2)
    1.96
    """
    scale = _as_scale(scale)
    checked = [
        _as_whole(r, "CES rating", 1, scale) for r in _as_list(ratings, "ratings")
    ]
    return ces_from_counts(Counter(checked), scale=scale)


def ces_from_counts(counts: Mapping[int, int], *, scale: int = 7) -> CesResult:
    """Customer effort from a rating histogram, as SQL's ``GROUP BY rating`` gives it.

    >>> ces_from_counts({7: 1, 6: 1, 5: 1, 4: 1, 3: 1}).mean
    5.0
    """
    n = sum(counts.values())
    moments = mean_from_moments(
        n,
        sum(rating * count for rating, count in counts.items()),
        sum(rating * rating * count for rating, count in counts.items()),
    )
    midpoint = (scale + 1) / 2
    agreeing = sum(count for rating, count in counts.items() if rating > midpoint)
    return CesResult(
        mean=moments.mean,
        agree_share=100 * agreeing / n if n else None,
        n=n,
        margin_of_error=moments.margin_of_error,
        scale=scale,
    )


# ---------------------------------------------------------------- means


def mean_from_moments(n: int, total: float, total_of_squares: float) -> MeanResult:
    """Mean and 95% Student t interval from a count, a sum and a sum of squares.

    This lets SQL aggregate ``COUNT(x), SUM(x), SUM(x * x)`` and still get the
    interval; :func:`mean_score` calls it too.

    Parameters
    ----------
    n : int
        Number of values (0 or more).
    total : float
        Sum of the values.
    total_of_squares : float
        Sum of the squared values.

    Returns
    -------
    MeanResult
        ``mean`` is ``None`` for n = 0; ``sd`` and the margin are ``None`` for n < 2.

    Examples
    --------
    >>> result = mean_from_moments(4, 300, 23_000)  # 60, 70, 80, 90
    >>> result.mean, round(result.sd, 2), round(result.margin_of_error, 2)
    (75.0, 12.91, 20.54)
    """
    n = _as_whole(n, "n", 0)
    total = _as_number(total, "total")
    total_of_squares = _as_number(total_of_squares, "total_of_squares")
    if total_of_squares < 0:
        raise ValueError(f"total_of_squares must be >= 0, got {total_of_squares!r}")
    if n == 0:
        if total != 0 or total_of_squares != 0:
            raise ValueError("total and total_of_squares must be 0 when n is 0")
        return MeanResult(0, None, None, None)
    mean = total / n
    if n == 1:
        return MeanResult(1, mean, None, None)
    sum_of_squared_deviations = total_of_squares - total * mean
    # Below the rounding noise of the sums the spread is zero (identical values
    # would otherwise get a spurious SD); far below it the moments cannot come
    # from real data (Cauchy-Schwarz).
    rounding_noise = 8 * n * sys.float_info.epsilon * total_of_squares
    if sum_of_squared_deviations < -max(1e3 * rounding_noise, 1e-9):
        raise ValueError(
            f"total_of_squares={total_of_squares!r} is too small for n={n} and "
            f"total={total!r}"
        )
    if sum_of_squared_deviations <= rounding_noise:
        sum_of_squared_deviations = 0.0
    sd = math.sqrt(sum_of_squared_deviations / (n - 1))
    return MeanResult(n, mean, sd, _t_975(n - 1) * sd / math.sqrt(n))


def mean_score(values: Iterable[float]) -> MeanResult:
    """Mean of aggregated scores (SUS, UMUX-Lite, ...) with a 95% t interval.

    Parameters
    ----------
    values : iterable of float
        Finite numbers, e.g. one SUS score per respondent.

    Returns
    -------
    MeanResult
        Same as :func:`mean_from_moments` on the values' count, sum and sum of
        squares.

    Examples
    --------
    >>> result = mean_score([85.0, 72.5, 67.5, 90.0])
    >>> result.n, result.mean, round(result.margin_of_error, 1)
    (4, 78.75, 16.7)
    """
    numbers_ = [_as_number(v, "value") for v in _as_list(values, "values")]
    return mean_from_moments(
        len(numbers_), math.fsum(numbers_), math.fsum(v * v for v in numbers_)
    )


# ---------------------------------------------------------------- usability


def sus(items: Iterable[int]) -> float:
    """System Usability Scale score of one respondent (Brooke 1996).

    Parameters
    ----------
    items : iterable of int
        The ten answers, in questionnaire order, each 1..5.

    Returns
    -------
    float
        0..100: odd items contribute ``answer - 1``, even items ``5 - answer``,
        and the sum is multiplied by 2.5.

    Examples
    --------
    >>> sus([4, 1, 5, 2, 5, 1, 4, 2, 3, 1])
    85.0
    """
    answers = [_as_whole(i, "SUS answer", 1, 5) for i in _as_list(items, "items")]
    if len(answers) != 10:
        raise ValueError(f"SUS needs exactly 10 answers, got {len(answers)}")
    # Items are numbered from 1, so the odd items sit at the even indices.
    contributions = (
        answer - 1 if index % 2 == 0 else 5 - answer
        for index, answer in enumerate(answers)
    )
    return sum(contributions) * 2.5


def sus_grade(score: float) -> str:
    """Letter grade of a SUS score on the Sauro-Lewis curved grading scale.

    The scale comes from Sauro, J. & Lewis, J. R. (2016), *Quantifying the User
    Experience*, 2nd ed.: A+ 84.1-100, A 80.8-84.0, A- 78.9-80.7, B+ 77.2-78.8,
    B 74.1-77.1, B- 72.6-74.0, C+ 71.1-72.5, C 65.0-71.0, C- 62.7-64.9,
    D 51.7-62.6, F 0-51.6. Each grade starts at its lower bound, so a mean that
    falls between two published ranges (84.05) takes the lower grade.

    Parameters
    ----------
    score : float
        A SUS score (or mean of scores), 0..100.

    Returns
    -------
    str
        One of A+, A, A-, B+, B, B-, C+, C, C-, D, F.

    Examples
    --------
    >>> sus_grade(85.0), sus_grade(68.0), sus_grade(50.0)
    ('A+', 'C', 'F')
    """
    score = _as_sus_score(score)
    return next(grade for lowest, grade in _SUS_GRADES if score >= lowest)


def sus_percentile(score: float) -> float:
    """Percentile rank of a SUS score against the benchmark of other products.

    Follows the empirical (slightly skewed) distribution of Sauro, J. & Lewis, J. R.
    (2016), *Quantifying the User Experience*, 2nd ed., the same one that
    :func:`sus_grade`'s curved grading scale comes from: the published points
    (grade boundaries at their percentile ranks, 68 at the 50th) are joined by
    straight lines. A score therefore always falls in its grade's percentile band
    (52 is grade D and about the 15th percentile, not the 10th that a normal
    approximation gives).

    Parameters
    ----------
    score : float
        A SUS score (or mean of scores), 0..100.

    Returns
    -------
    float
        Percentile rank, 0..100.

    Examples
    --------
    >>> sus_percentile(68.0)
    50.0
    >>> sus_percentile(80.8), sus_percentile(51.7)
    (90.0, 15.0)
    >>> round(sus_percentile(52.0), 1)
    15.5
    """
    score = _as_sus_score(score)
    upper = bisect_right([point for point, _ in _SUS_PERCENTILE_POINTS], score)
    if upper == len(_SUS_PERCENTILE_POINTS):
        return 100.0
    (x0, y0), (x1, y1) = (
        _SUS_PERCENTILE_POINTS[upper - 1],
        _SUS_PERCENTILE_POINTS[upper],
    )
    return y0 + (score - x0) / (x1 - x0) * (y1 - y0)


def _as_sus_score(score: object) -> float:
    """Validate a SUS score (0..100)."""
    number = _as_number(score, "SUS score")
    if not 0 <= number <= 100:
        raise ValueError(f"SUS score must be between 0 and 100, got {score!r}")
    return number


def umux_lite(a: int, b: int) -> float:
    """UMUX-Lite score of one respondent (Lewis et al. 2013), 0..100.

    Parameters
    ----------
    a : int
        "This system's capabilities meet my requirements", 1..7.
    b : int
        "This system is easy to use", 1..7.

    Returns
    -------
    float
        ``(a + b - 2) / 12 * 100``.

    Examples
    --------
    >>> umux_lite(6, 5)
    75.0
    """
    a = _as_whole(a, "UMUX-Lite answer a", 1, 7)
    b = _as_whole(b, "UMUX-Lite answer b", 1, 7)
    return (a + b - 2) / 12 * 100


def umux_lite_sus(a: int, b: int) -> float:
    """UMUX-Lite answers mapped to the SUS scale by Lewis et al. (2013).

    Parameters
    ----------
    a, b : int
        The two UMUX-Lite answers, 1..7.

    Returns
    -------
    float
        ``0.65 * umux_lite(a, b) + 22.9``, comparable with SUS scores (22.9..87.9).

    Examples
    --------
    >>> round(umux_lite_sus(6, 5), 2)
    71.65
    """
    return 0.65 * umux_lite(a, b) + 22.9
