"""Signs of ballot stuffing: near-identical texts and bursts from one source.

Pure functions over plain values, so the web app, a job or a notebook can screen
responses the same way. Two texts are near-identical when the sets of their
character shingles (overlapping runs of ``size`` characters of the normalised
text) overlap by at least a threshold (Jaccard similarity). Character shingles
need no tokeniser, so Japanese is screened like English, and a handful of
changed letters ("evil-example dot com" / "evil example.com!") still matches.

>>> normalise("  Claim your REFUND at evil-example dot com!! ")
'claim your refund at evil example dot com'
>>> similarity("Claim your refund now", "claim your refund, now!")
1.0
"""

import re
import unicodedata
from collections.abc import Hashable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)

SHINGLE_SIZE = 4
SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Case-folded NFKC text with punctuation and symbols turned into single spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(
        " " if unicodedata.category(char)[0] in "PSZC" else char for char in folded
    )
    return SPACES.sub(" ", kept).strip()


def shingles(normalised: str, size: int = SHINGLE_SIZE) -> frozenset[str]:
    """The overlapping runs of ``size`` characters of a normalised text."""
    if len(normalised) <= size:
        return frozenset({normalised}) if normalised else frozenset()
    return frozenset(
        normalised[start : start + size] for start in range(len(normalised) - size + 1)
    )


def jaccard(left: frozenset[str], right: frozenset[str]) -> float:
    """Shared shingles over all shingles: 1.0 for the same set, 0.0 for none shared."""
    if not left and not right:
        return 1.0
    return len(left & right) / len(left | right)


def similarity(left: str, right: str, size: int = SHINGLE_SIZE) -> float:
    """How alike two raw texts are, from 0.0 to 1.0, after normalising both."""
    return jaccard(shingles(normalise(left), size), shingles(normalise(right), size))


def near_duplicates(
    text: str,
    candidates: Iterable[tuple[Key, str]],
    *,
    threshold: float = 0.8,
    min_chars: int = 20,
) -> list[Key]:
    """The keys of the candidate texts that are near-identical to ``text``.

    Texts shorter than ``min_chars`` once normalised ("good", "nothing") are never
    duplicates: many customers write them honestly. A length test skips most
    candidates before any shingling, because two sets whose sizes differ by more
    than the threshold allows cannot reach it.
    """
    target = normalise(text)
    if len(target) < min_chars:
        return []
    target_shingles = shingles(target)
    matches = []
    for key, other in candidates:
        candidate = normalise(other)
        if len(candidate) < min_chars:
            continue
        shorter, longer = sorted((len(candidate), len(target)))
        if shorter < threshold * longer:
            continue
        if candidate == target or jaccard(target_shingles, shingles(candidate)) >= (
            threshold
        ):
            matches.append(key)
    return matches


def burst(
    started: Sequence[tuple[Key, datetime]],
    *,
    now: datetime,
    window: timedelta,
    limit: int,
) -> list[Key]:
    """The keys started within ``window`` before ``now``, if more than ``limit``.

    ``started`` holds one source's responses and when each began; an empty list
    means the source stayed within the limit.

    >>> from datetime import UTC
    >>> now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    >>> times = [(n, now - timedelta(minutes=n)) for n in range(4)]
    >>> burst(times, now=now, window=timedelta(minutes=10), limit=3)
    [0, 1, 2, 3]
    >>> burst(times, now=now, window=timedelta(minutes=10), limit=4)
    []
    """
    recent = [key for key, at in started if now - window <= at <= now]
    return recent if len(recent) > limit else []
