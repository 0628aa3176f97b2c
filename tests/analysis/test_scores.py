"""Tests for analysis.scores: worked examples, independent oracles, properties."""

import math
import statistics
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from analysis.scores import (
    Z_95,
    CesResult,
    CsatResult,
    MeanResult,
    NpsComparison,
    NpsResult,
    ces,
    compare_nps,
    compare_nps_results,
    csat,
    csat_from_counts,
    mean_from_moments,
    mean_score,
    nps,
    nps_from_counts,
    sus,
    sus_grade,
    sus_percentile,
    umux_lite,
    umux_lite_sus,
)

REPO = Path(__file__).parents[2]

nps_ratings = st.lists(st.integers(0, 10), min_size=1, max_size=300)
counts = st.integers(0, 5_000)


def recoded(scores: list[int]) -> np.ndarray:
    """NPS answers as +1/0/-1, whose mean is the NPS as a proportion."""
    return np.select([np.array(scores) >= 9, np.array(scores) <= 6], [1, -1], 0)


# ---------------------------------------------------------------- NPS: worked examples


def test_nps_of_two_promoters_a_passive_and_a_detractor_is_25() -> None:
    # Definition (Reichheld 2003, HBR "The one number you need to grow"):
    # %promoters - %detractors = 2/4 - 1/4 = 25.
    result = nps([9, 10, 6, 8])
    assert (result.promoters, result.passives, result.detractors) == (2, 1, 1)
    assert result.score == 25.0
    assert result.n == 4


def test_nps_from_60_30_10_split_is_50() -> None:
    # Definition (Reichheld 2003): 60% promoters - 10% detractors = 50.
    assert nps_from_counts(60, 30, 10).score == pytest.approx(50.0)


def test_nps_worked_example_gives_minus_8_95_with_margin_4_4() -> None:
    # Sauro, MeasuringU worked example (issue #4): 291 promoters, 476 passives,
    # 395 detractors; NPS (291 - 395) / 1162 = -8.95, 95% margin about +-4.4 from
    # the trinomial variance (p + d - (p - d)^2) / n.
    result = nps_from_counts(291, 476, 395)
    assert result.n == 1162
    assert result.score == pytest.approx(-8.95, abs=0.005)
    assert result.margin_of_error == pytest.approx(4.39, abs=0.01)


def test_nps_adjusted_wald_interval_matches_hand_computation() -> None:
    # Sauro & Lewis adjusted-Wald: n' = 1165, p' = 291.75/1165, d' = 395.75/1165.
    p, d, n = 291.75 / 1165, 395.75 / 1165, 1165
    half = 1.959964 * math.sqrt((p + d - (p - d) ** 2) / n)
    result = nps_from_counts(291, 476, 395)
    assert result.ci_low == pytest.approx(100 * (p - d - half))
    assert result.ci_high == pytest.approx(100 * (p - d + half))
    assert result.ci_low == pytest.approx(-13.31, abs=0.01)
    assert result.ci_high == pytest.approx(-4.55, abs=0.01)


@pytest.mark.parametrize(
    ("rating", "group"),
    [(0, "detractors"), (6, "detractors"), (7, "passives"), (8, "passives"),
     (9, "promoters"), (10, "promoters")],
)  # fmt: skip
def test_nps_groups_boundary_ratings(rating: int, group: str) -> None:
    result = nps([rating])
    assert getattr(result, group) == 1
    assert result.promoters + result.passives + result.detractors == 1


def test_nps_of_no_answers_has_no_score_and_says_small_sample() -> None:
    result = nps([])
    assert result == NpsResult(None, 0, 0, 0, 0, None, None, None)
    assert result.small_sample


@pytest.mark.parametrize(("n", "small"), [(1, True), (29, True), (30, False)])
def test_nps_small_sample_below_30_answers(n: int, small: bool) -> None:
    assert nps([9] * n).small_sample is small


def test_nps_interval_is_clipped_to_the_scale() -> None:
    result = nps_from_counts(2000, 0, 0)
    assert result.score == 100.0
    assert result.ci_high == 100.0
    assert result.ci_low < 100.0


def test_nps_accepts_whole_floats_and_decimals_from_databases() -> None:
    assert nps([9.0, Decimal(3), np.int64(10)]) == nps([9, 3, 10])


def test_nps_result_rejects_counts_that_do_not_sum_to_n() -> None:
    with pytest.raises(ValueError, match="sum to n"):
        NpsResult(10.0, 1, 0, 0, 2, None, None, None)


# ---------------------------------------------------------------- NPS: properties


@given(nps_ratings)
def test_nps_margin_equals_normal_margin_of_recoded_answers(scores: list[int]) -> None:
    # Independent path: the NPS is the mean of +1/0/-1 (Displayr's recoding), so
    # its Wald margin is z * population SD / sqrt(n).
    values = recoded(scores)
    result = nps(scores)
    assert result.score == pytest.approx(100 * values.mean(), abs=1e-9)
    expected = 100 * Z_95 * values.std() / math.sqrt(len(values))
    assert result.margin_of_error == pytest.approx(expected, abs=1e-9)


@given(nps_ratings)
def test_nps_score_and_interval_stay_within_scale(scores: list[int]) -> None:
    result = nps(scores)
    assert -100 <= result.score <= 100
    assert -100 <= result.ci_low <= result.ci_high <= 100
    assert result.margin_of_error >= 0


@given(st.lists(st.integers(0, 10), min_size=2, max_size=300))
def test_nps_interval_contains_score_from_two_answers_on(scores: list[int]) -> None:
    result = nps(scores)
    assert result.ci_low <= result.score <= result.ci_high


def test_nps_interval_of_a_single_promoter_is_centred_below_100() -> None:
    # Documented edge: the adjusted-Wald interval shrinks a lone answer towards 0.
    result = nps([10])
    assert result.ci_high < result.score == 100.0


@given(nps_ratings)
def test_nps_from_counts_equals_nps_on_the_same_answers(scores: list[int]) -> None:
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    passives = len(scores) - promoters - detractors
    assert nps_from_counts(promoters, passives, detractors) == nps(scores)


@given(nps_ratings)
def test_nps_does_not_depend_on_answer_order(scores: list[int]) -> None:
    assert nps(scores) == nps(reversed(scores))


# ---------------------------------------------------------------- NPS: comparison


def test_compare_nps_of_a_sample_with_itself_is_zero_and_not_significant() -> None:
    comparison = compare_nps([10, 9, 7, 3, 6, 10], [10, 9, 7, 3, 6, 10])
    assert comparison.difference == 0
    assert comparison.z == 0
    assert comparison.p_value == 1
    assert not comparison.significant
    assert comparison.ci_low < 0 < comparison.ci_high


def test_compare_nps_detects_a_large_shift_in_large_samples() -> None:
    comparison = compare_nps_results(
        nps_from_counts(600, 300, 100), nps_from_counts(300, 400, 300)
    )
    assert comparison.difference == pytest.approx(50.0)
    assert comparison.significant
    assert comparison.p_value < 1e-10
    assert comparison.ci_low > 0
    assert (comparison.n_a, comparison.n_b, comparison.n) == (1000, 1000, 2000)


def test_compare_nps_does_not_call_a_small_sample_shift_significant() -> None:
    # 40 points apart, but five answers each: the interval must straddle 0.
    comparison = compare_nps([10, 9, 9, 8, 3], [10, 9, 6, 7, 2])
    assert comparison.difference == pytest.approx(40.0)
    assert not comparison.significant
    assert comparison.ci_low < 0 < comparison.ci_high


def test_compare_nps_p_value_is_two_sided_normal_of_z() -> None:
    comparison = compare_nps_results(
        nps_from_counts(120, 50, 30), nps_from_counts(100, 60, 40)
    )
    assert comparison.p_value == pytest.approx(2 * stats.norm.sf(abs(comparison.z)))
    assert comparison.margin_of_error == pytest.approx(
        (comparison.ci_high - comparison.ci_low) / 2
    )


def test_compare_nps_adds_adjusted_wald_variances() -> None:
    # Lewis & Sauro's adjusted-Wald comparison, computed by hand for 60/30/10 vs
    # 30/40/30: adjusted NPS 48.54 and 0, variances 44.50 and 57.97 points^2.
    comparison = compare_nps_results(
        nps_from_counts(60, 30, 10), nps_from_counts(30, 40, 30)
    )
    p_a, d_a = 60.75 / 103, 10.75 / 103
    p_b = d_b = 30.75 / 103
    variance = (p_a + d_a - (p_a - d_a) ** 2 + p_b + d_b) / 103
    assert comparison.z == pytest.approx((p_a - d_a) / math.sqrt(variance))
    assert comparison.ci_low == pytest.approx(28.7, abs=0.05)
    assert comparison.ci_high == pytest.approx(68.4, abs=0.05)


@given(nps_ratings, nps_ratings)
def test_compare_nps_swapping_samples_negates_everything(
    a: list[int], b: list[int]
) -> None:
    forward, backward = compare_nps(a, b), compare_nps(b, a)
    assert backward.difference == -forward.difference
    assert backward.z == -forward.z
    assert backward.p_value == forward.p_value
    assert backward.significant == forward.significant
    assert (backward.ci_low, backward.ci_high) == (-forward.ci_high, -forward.ci_low)


@given(nps_ratings, nps_ratings)
def test_compare_nps_is_significant_exactly_when_interval_excludes_zero(
    a: list[int], b: list[int]
) -> None:
    comparison = compare_nps(a, b)
    excludes_zero = comparison.ci_low > 0 or comparison.ci_high < 0
    assert comparison.significant == excludes_zero
    assert 0 <= comparison.p_value <= 1
    assert comparison.difference == pytest.approx(nps(a).score - nps(b).score)


@given(nps_ratings)
def test_compare_nps_of_a_sample_with_itself_is_never_significant(
    scores: list[int],
) -> None:
    comparison = compare_nps(scores, list(scores))
    assert comparison.difference == 0
    assert not comparison.significant


def test_compare_nps_refuses_an_empty_sample() -> None:
    with pytest.raises(ValueError, match="empty sample: b"):
        compare_nps([9, 10], [])


def test_compare_nps_results_refuses_other_objects() -> None:
    with pytest.raises(ValueError, match="NpsResult"):
        compare_nps_results(nps([9]), {"score": 100})  # type: ignore[arg-type]


def test_compare_nps_returns_a_frozen_comparison() -> None:
    comparison = compare_nps([9], [6])
    assert isinstance(comparison, NpsComparison)
    with pytest.raises(AttributeError):
        comparison.difference = 0  # type: ignore[misc]


# ---------------------------------------------------------------- NPS: validation


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (11, "between 0 and 10"),
        (-1, "between 0 and 10"),
        (8.5, "whole number"),
        (True, "must be a number"),
        ("9", "must be a number"),
        (None, "must be a number"),
        (math.nan, "finite"),
        (math.inf, "finite"),
        (Decimal("NaN"), "finite"),
    ],
)
def test_nps_rejects_bad_ratings_naming_them(bad: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        nps([9, bad])


@pytest.mark.parametrize("bad", ["9106", b"91", {9: 1}, 9, None])
def test_nps_rejects_input_that_is_not_a_sequence_of_ratings(bad: object) -> None:
    with pytest.raises(ValueError, match="sequence of numbers"):
        nps(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad_counts", [(-1, 0, 0), (1.5, 0, 0), (True, 0, 0), (0, "2", 0), (0, 0, math.nan)]
)
def test_nps_from_counts_rejects_bad_counts(bad_counts: tuple[object, ...]) -> None:
    with pytest.raises(ValueError, match=r"promoters|passives|detractors"):
        nps_from_counts(*bad_counts)


@given(st.integers().filter(lambda value: not 0 <= value <= 10))
def test_nps_rejects_any_rating_outside_0_to_10(rating: int) -> None:
    with pytest.raises(ValueError, match="NPS rating"):
        nps([rating])


# ---------------------------------------------------------------- CSAT


def test_csat_worked_example_is_60_percent_with_mean_3_5() -> None:
    # Hand computation from the top-2-box definition (design.md): 10x5, 20x4,
    # 10x3, 5x2, 5x1 -> (10 + 20) / 50 = 60%, mean 175 / 50 = 3.5.
    ratings = [5] * 10 + [4] * 20 + [3] * 10 + [2] * 5 + [1] * 5
    result = csat(ratings)
    assert result.score == pytest.approx(60.0)
    assert result.mean == pytest.approx(3.5)
    assert result.n == 50
    # 95% Wald: 1.96 * sqrt(0.6 * 0.4 / 50) = 13.58 points.
    assert result.margin_of_error == pytest.approx(13.58, abs=0.01)


def test_csat_from_counts_matches_worked_example() -> None:
    result = csat_from_counts({5: 10, 4: 20, 3: 10, 2: 5, 1: 5})
    assert result == csat([5] * 10 + [4] * 20 + [3] * 10 + [2] * 5 + [1] * 5)


def test_csat_on_a_7_point_scale_counts_6_and_7_as_satisfied() -> None:
    result = csat([7, 6, 5, 4], scale=7)
    assert result.score == 50.0
    assert result.scale == 7


def test_csat_of_no_answers_has_no_score() -> None:
    assert csat([]) == CsatResult(None, None, 0, None, 5)
    assert csat_from_counts({}).small_sample


@given(st.lists(st.integers(1, 5), max_size=200))
def test_csat_from_counts_equals_csat_on_the_same_answers(ratings: list[int]) -> None:
    assert csat_from_counts(Counter(ratings)) == csat(ratings)


@given(st.integers(3, 11).flatmap(
    lambda scale: st.tuples(st.just(scale), st.lists(st.integers(1, scale), min_size=1))
))  # fmt: skip
def test_csat_score_and_mean_stay_within_scale(case: tuple[int, list[int]]) -> None:
    scale, ratings = case
    result = csat(ratings, scale=scale)
    assert 0 <= result.score <= 100
    assert 1 <= result.mean <= scale
    assert result.mean == pytest.approx(statistics.fmean(ratings))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: csat([6]), "between 1 and 5"),
        (lambda: csat([0]), "between 1 and 5"),
        (lambda: csat([4], scale=2), "scale"),
        (lambda: csat([4], scale=5.5), "scale"),
        (lambda: csat_from_counts({6: 1}), "between 1 and 5"),
        (lambda: csat_from_counts({5: -1}), "count"),
        (lambda: csat_from_counts({5: 1.5}), "count"),
        (lambda: csat_from_counts([5, 4]), "mapping"),  # type: ignore[arg-type]
    ],
)
def test_csat_rejects_bad_input(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


# ---------------------------------------------------------------- CES


def test_ces_reports_mean_agree_share_and_t_margin() -> None:
    ratings = [7, 6, 5, 4, 3, 7, 2]
    result = ces(ratings)
    assert result.mean == pytest.approx(statistics.fmean(ratings))
    assert result.agree_share == pytest.approx(100 * 4 / 7)
    low, high = stats.t.interval(
        0.95, len(ratings) - 1, statistics.fmean(ratings), stats.sem(ratings)
    )
    assert result.margin_of_error == pytest.approx((high - low) / 2, rel=1e-5)


@pytest.mark.parametrize(("rating", "agrees"), [(4, False), (5, True), (7, True)])
def test_ces_counts_5_to_7_as_agreeing(rating: int, agrees: bool) -> None:
    assert ces([rating]).agree_share == (100.0 if agrees else 0.0)


def test_ces_of_one_answer_has_no_margin_and_of_none_has_no_mean() -> None:
    assert ces([5]).margin_of_error is None
    assert ces([]) == CesResult(None, None, 0, None, 7)


def test_ces_rejects_ratings_off_the_scale() -> None:
    with pytest.raises(ValueError, match="between 1 and 7"):
        ces([8])


# ---------------------------------------------------------------- means


@given(st.lists(st.floats(0, 100), min_size=2, max_size=200))
def test_mean_score_matches_scipy_t_interval(values: list[float]) -> None:
    result = mean_score(values)
    assert result.mean == pytest.approx(statistics.fmean(values), abs=1e-9)
    # Sums of squares lose about 1e-10 of variance to rounding on a 0-100 scale.
    assert result.sd**2 == pytest.approx(statistics.variance(values), abs=1e-8)
    t = stats.t.ppf(0.975, len(values) - 1)
    expected = t * statistics.stdev(values) / math.sqrt(len(values))
    assert result.margin_of_error == pytest.approx(expected, rel=1e-6, abs=1e-4)
    assert result.ci_low <= result.mean <= result.ci_high


@pytest.mark.parametrize("value", [74.1, 0.1, 99.9, 1e6 / 3])
def test_mean_of_identical_values_has_zero_spread(value: float) -> None:
    result = mean_score([value] * 7)
    assert (result.sd, result.margin_of_error) == (0.0, 0.0)


@pytest.mark.parametrize("df", [1, 2, 5, 29, 30, 31, 45, 100, 1_000, 100_000])
def test_mean_margin_uses_student_t_quantile(df: int) -> None:
    # Values -1 and +1 alternating (plus a 0 for odd n) give a known SD.
    n = df + 1
    values = [(-1) ** i for i in range(n - n % 2)] + [0] * (n % 2)
    result = mean_score(values)
    expected = stats.t.ppf(0.975, df) * statistics.stdev(values) / math.sqrt(n)
    assert result.margin_of_error == pytest.approx(expected, rel=1e-6)


@given(st.lists(st.integers(0, 100), max_size=200))
def test_mean_from_moments_equals_mean_score(values: list[int]) -> None:
    moments = (len(values), sum(values), sum(v * v for v in values))
    assert mean_from_moments(*moments) == mean_score(values)


def test_mean_from_moments_accepts_decimals_from_postgresql_sums() -> None:
    result = mean_from_moments(4, Decimal(300), Decimal(23_000))
    assert result == mean_from_moments(4, 300, 23_000)
    assert result.mean == 75.0


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, MeanResult(0, None, None, None)), (1, MeanResult(1, 80.0, None, None))],
)
def test_mean_of_fewer_than_two_values_has_no_margin(
    n: int, expected: MeanResult
) -> None:
    assert mean_score([80.0] * n) == expected
    assert expected.ci_low is None
    assert expected.ci_high is None


@pytest.mark.parametrize(
    ("moments", "message"),
    [
        ((2, 10, 1), "too small"),
        ((0, 5, 0), "must be 0"),
        ((-1, 0, 0), "at least 0"),
        ((3, math.nan, 1), "finite"),
        ((3, 1, -1), ">= 0"),
        ((3, "1", 1), "must be a number"),
    ],
)
def test_mean_from_moments_rejects_impossible_moments(
    moments: tuple[object, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        mean_from_moments(*moments)


def test_mean_score_accepts_fractions_and_rejects_bools() -> None:
    assert mean_score([Fraction(1, 2), Fraction(3, 2)]).mean == 1.0
    with pytest.raises(ValueError, match="must be a number"):
        mean_score([1.0, False])


# ---------------------------------------------------------------- SUS and UMUX-Lite


def test_sus_worked_example_scores_85() -> None:
    # Brooke (1996) scoring by hand: odd items 3+4+4+3+2, even items 4+3+4+3+4,
    # (16 + 18) * 2.5 = 85.
    assert sus([4, 1, 5, 2, 5, 1, 4, 2, 3, 1]) == 85.0


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([5, 1] * 5, 100.0),  # best answer to every item
        ([1, 5] * 5, 0.0),  # worst answer to every item
        ([3] * 10, 50.0),  # neutral throughout
    ],
)
def test_sus_extremes(answers: list[int], expected: float) -> None:
    assert sus(answers) == expected


@given(st.lists(st.integers(1, 5), min_size=10, max_size=10))
def test_sus_is_a_multiple_of_2_5_between_0_and_100(answers: list[int]) -> None:
    score = sus(answers)
    assert 0 <= score <= 100
    assert (score / 2.5).is_integer()


@pytest.mark.parametrize(
    ("answers", "message"),
    [([3] * 9, "exactly 10"), ([3] * 11, "exactly 10"), ([3] * 9 + [6], "between 1")],
)
def test_sus_rejects_wrong_length_or_range(answers: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sus(answers)


# Sauro & Lewis (2016), Quantifying the User Experience, curved grading scale:
# both ends of every grade's range.
SUS_GRADES = [
    (100.0, "A+"), (84.1, "A+"), (84.0, "A"), (80.8, "A"), (80.7, "A-"),
    (78.9, "A-"), (78.8, "B+"), (77.2, "B+"), (77.1, "B"), (74.1, "B"),
    (74.0, "B-"), (72.6, "B-"), (72.5, "C+"), (71.1, "C+"), (71.0, "C"),
    (68.0, "C"), (65.0, "C"), (64.9, "C-"), (62.7, "C-"), (62.6, "D"),
    (51.7, "D"), (51.6, "F"), (0.0, "F"),
]  # fmt: skip


@pytest.mark.parametrize(("score", "grade"), SUS_GRADES)
def test_sus_grade_follows_sauro_lewis_curved_scale(score: float, grade: str) -> None:
    assert sus_grade(score) == grade


GRADE_ORDER = ["F", "D", "C-", "C", "C+", "B-", "B", "B+", "A-", "A", "A+"]


@given(st.floats(0, 100), st.floats(0, 100))
def test_sus_grade_never_drops_as_score_rises(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert GRADE_ORDER.index(sus_grade(low)) <= GRADE_ORDER.index(sus_grade(high))


# Sauro & Lewis (2016), curved grading scale: each grade's band of percentile ranks.
SUS_GRADE_PERCENTILES = {
    "A+": (96, 100),
    "A": (90, 95),
    "A-": (85, 89),
    "B+": (80, 84),
    "B": (70, 79),
    "B-": (65, 69),
    "C+": (60, 64),
    "C": (41, 59),
    "C-": (35, 40),
    "D": (15, 34),
    "F": (0, 14),
}


@pytest.mark.parametrize(
    ("score", "percentile"),
    [
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
    ],
)
def test_sus_percentile_passes_through_the_published_points(
    score: float, percentile: float
) -> None:
    assert sus_percentile(score) == pytest.approx(percentile)


@given(st.floats(0, 100))
def test_sus_percentile_falls_in_the_band_of_its_grade(score: float) -> None:
    low, high = SUS_GRADE_PERCENTILES[sus_grade(score)]
    # The bands are published in whole percentiles; a score just below the next
    # grade sits just below that grade's first percentile.
    assert low - 1e-9 <= sus_percentile(score) < high + 1


def test_sus_percentile_agrees_with_grade_where_the_normal_curve_did_not() -> None:
    # 52 is grade D (15th-34th percentile); the normal approximation said 10.
    assert sus_grade(52.0) == "D"
    assert 15 <= sus_percentile(52.0) <= 34


@given(st.floats(0, 100), st.floats(0, 100))
def test_sus_percentile_never_drops_as_score_rises(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert sus_percentile(low) <= sus_percentile(high)


@pytest.mark.parametrize("bad", [-0.1, 100.1, math.nan, True, "80"])
@pytest.mark.parametrize("function", [sus_grade, sus_percentile])
def test_sus_grade_and_percentile_reject_scores_off_the_scale(
    function: object, bad: object
) -> None:
    with pytest.raises(ValueError, match="SUS score"):
        function(bad)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("a", "b", "score", "as_sus"),
    [
        # Lewis et al. (2013): (a + b - 2) / 12 * 100 and 0.65 * score + 22.9.
        (6, 5, 75.0, 71.65),
        (7, 7, 100.0, 87.9),
        (1, 1, 0.0, 22.9),
    ],
)
def test_umux_lite_and_its_sus_regression(
    a: int, b: int, score: float, as_sus: float
) -> None:
    assert umux_lite(a, b) == pytest.approx(score)
    assert umux_lite_sus(a, b) == pytest.approx(as_sus)


@pytest.mark.parametrize(("a", "b"), [(0, 5), (8, 5), (5, 5.5), (5, None)])
def test_umux_lite_rejects_answers_outside_1_to_7(a: object, b: object) -> None:
    with pytest.raises(ValueError, match="UMUX-Lite answer"):
        umux_lite(a, b)  # type: ignore[arg-type]


# ---------------------------------------------------------------- module contract


@pytest.mark.parametrize(
    "result",
    [nps([9, 7]), csat([5, 3]), ces([5, 6]), mean_score([1.0, 2.0])],
    ids=["nps", "csat", "ces", "mean"],
)
def test_every_result_carries_n_and_a_margin_of_error(result: object) -> None:
    assert result.n == 2  # type: ignore[attr-defined]
    assert result.margin_of_error > 0  # type: ignore[attr-defined]
    assert result.small_sample  # type: ignore[attr-defined]


def test_importing_scores_loads_no_heavy_library() -> None:
    code = (
        "import sys, analysis.scores; "
        "print(sorted({'numpy', 'scipy', 'sklearn', 'nltk', 'matplotlib', 'flask'}"
        " & set(sys.modules)))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout
    assert output.strip() == "[]"
