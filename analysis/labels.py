"""Theme evidence in words: top terms, quotes and a label read at a glance.

A label names the topic and, where the answers say it, the problem: "card has not
arrived", "refund still pending", "返信が遅い". It is always a phrase that the
theme's own answers wrote, so it is never a fragment cut mid-phrase and never a
hedge, and it holds two to six words wherever the answers allow:

* **Candidates** are runs of consecutive words inside one clause of a member answer
  (never across a comma or a full stop) that begin and end on a content word, hold
  at most three content words and do not begin with a negation ("not arrived"
  leaves out what has not arrived). A candidate must read as a whole noun or verb
  phrase (:func:`well_formed`): without a part-of-speech tagger (NLTK's needs data
  that no installed package ships), closed word classes decide, so no phrase
  begins or ends on a particle, an adverb or a light verb ("up has not gone",
  "cash withdrawal still", "international transfers take"), none holds a question
  cut from its wh-word ("long does it take") or a conjunction ("money but the
  balance", "message that my transfer"), none ends inside a hyphenated word
  ("find the auto-top") or a phrasal verb ("card to top" of "card to top up"),
  and words of time alone are no topic ("couple days ago"). Japanese clauses
  are runs of morphemes (:func:`analysis.text.morphemes`) joined as written,
  ending on a base form or a negation (商品が届かない), so never a broken bigram.
* **Score**: the squared share of the theme's answers that contain the phrase (a
  label must speak for most of its theme) times the class-based TF-IDF weight of its
  stems and stem pairs (it must be specific to the theme). A phrase of one content
  word ranks after every phrase of two or more: "funds" or "screen" alone does not
  say what is wrong.
* **Names its own theme**: of the best forty, a phrase whose words, read as a
  query against every theme's unit c-TF-IDF profile (:class:`ThemeProfiles`),
  match this theme twice as well as any other ranks first (:func:`names_theme`).
  "card payment" may fill a theme about reverted payments and still describe its
  neighbour better; "card payment reverted" does not. The others follow, those
  that come closest to naming it first (:func:`naming_ratio`): a theme whose
  every phrase is shared still gets its most telling one.
* **Fallback**: when no phrase of two content words occurs twice, the theme's best
  two or three stems in their usual order ("exchange rate wrong").
* **Unique within a run** (:func:`unique_labels`): the largest theme takes its best
  candidate, the next takes its best one still free, and a theme whose candidates
  are all taken adds its most specific term ("top up: cash").

:mod:`analysis.themes` calls :func:`terms_and_labels` for each theme.
"""

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize

from analysis.text import (
    NEGATIONS,
    content_words,
    is_content_word,
    language_of,
    morphemes,
    normalise,
    stem,
    tokenise,
)

__all__ = [
    "ThemeProfiles",
    "class_tfidf",
    "distinct_quotes",
    "names_theme",
    "naming_ratio",
    "terms_and_labels",
    "unique_labels",
    "well_formed",
]

_NEGATION_STEMS = frozenset(stem(word) for word in NEGATIONS)
# A label holds at most this many content words, over at most this many words.
_LABEL_STEMS = 3
_LABEL_SPAN = 6
# Japanese: at most this many morphemes, particles included (請求書 の 金額 が 違う).
_JAPANESE_SPAN = 8
# Labels never run across these: "afternoon, paperwork included" is two thoughts.
_CLAUSE_BREAK = re.compile(r"[,.;:!?()\u3001\u3002\uff01\uff1f\uff08\uff09]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Candidates kept per theme, for :func:`unique_labels` to choose from.
_CANDIDATES = 8
# A label must speak for much of its theme: its share of answers counts squared.
_SHARE_POWER = 1.5
# Candidates checked for naming their own theme, as a multiple of _CANDIDATES.
_SHORTLIST = 5
# Closed word classes that :func:`well_formed` reads in place of a tagger.
# Prepositions and particles that scikit-learn's stop list holds but a phrase
# keeps (:data:`analysis.text.CONTENT_WORDS`): fine after a verb or noun ("top up",
# "cash out"), never first ("up has not gone") nor after a pronoun ("put it back").
_PARTICLES = frozenset(
    {"up", "down", "out", "off", "back", "over", "away", "around", "due", "about"}
)
# Adverbs of time, degree and manner: they modify a phrase and never close one.
_ADVERBS = frozenset(
    {
        *("still", "again", "already", "yet", "also", "even", "ever", "now", "soon"),
        *("today", "yesterday", "tomorrow", "tonight", "recently", "currently"),
        *("suddenly", "urgently", "immediately", "finally", "usually", "always"),
        *("often", "sometimes", "instead", "anyway", "long", "quickly", "later"),
        *("asap", "right", "twice", "once", "very", "too", "quite", "pretty"),
        *("anywhere", "everywhere", "somewhere"),
        *("first", "more", "less", "whole", "last", "anymore", "apparently"),
    }
)
# Verbs that need a complement to say anything: "they took", "can i use".
_LIGHT_VERBS = frozenset(
    {
        *("take", "takes", "took", "taken", "taking", "use", "uses", "used", "using"),
        *("make", "makes", "made", "making", "put", "puts", "putting", "go", "goes"),
        *("went", "gone", "going", "give", "gives", "gave", "given", "giving"),
        *("find", "found", "try", "tries", "tried", "trying", "see", "saw", "seen"),
        *("come", "came", "coming", "let", "keep", "kept", "feel", "feeling", "felt"),
        *("seem", "seems", "think", "thought", "help", "helps", "wonder", "wondering"),
        *("wondered", "hope", "hoping", "wish", "mean", "means", "meant", "say"),
        *("says", "said", "start", "started", "begin", "show", "call", "called"),
    }
)
# Verbs of thinking and asking that frame what follows: never a label's first word.
_FRAMING_VERBS = frozenset(
    {"think", "thought", "wonder", "wondering", "wondered", "hope", "hoping", "wish"}
    | {"help", "seem", "seems", "feel", "try", "tried", "trying", "mean", "guess"}
)
# Adjectives that only point at a noun: "training material for new".
_POINTING_ADJECTIVES = frozenset(
    {
        *("new", "old", "other", "same", "different", "extra", "additional"),
        *("several", "certain", "entire", "own", "next", "previous", "various"),
        *("multiple", "single", "specific", "particular", "usual", "following"),
        # Quantities that need their "of": "stuck since a couple".
        *("couple", "few", "kind", "sort", "bunch"),
    }
)
# An auxiliary or modal followed by a subject pronoun is a question that lost its
# wh-word ("long does it take", "countries can i use").
_AUXILIARIES = frozenset(
    {
        *("can", "could", "will", "would", "shall", "should", "may", "might", "must"),
        *("do", "does", "did", "is", "are", "was", "were", "am", "have", "has", "had"),
    }
)
_SUBJECTS = frozenset({"i", "you", "he", "she", "it", "we", "they", "there", "this"})
# Conjunctions that join two thoughts ("money but the balance" is two halves) or
# open a clause that a phrase would cut ("message that my transfer", "card if i
# live"): a label never holds one.
_CONJUNCTIONS = frozenset(
    {"but", "because", "although", "though", "however", "unless", "whereas"}
    | {"that", "which", "who", "whom", "whose", "if", "whether", "when", "while"}
)
# Particles that finish a phrasal verb: a phrase ending just before one cuts the
# verb in two ("card to top" of "card to top up", "send it" of "send it back").
_VERB_PARTICLES = frozenset({"up", "down", "out", "off", "back", "away"})
# Words of time say when, not what: "couple days ago" or "weeks" is no topic.
_TIME_STEMS = frozenset(
    stem(word)
    for word in (
        *("ago", "second", "minute", "hour", "day", "week", "month", "year"),
        *("time", "times", "couple", "morning", "afternoon", "evening", "night"),
        *("weekend", "today", "yesterday", "tomorrow", "tonight", "date"),
    )
)
_PRONOUNS = _SUBJECTS | frozenset({"me", "him", "her", "us", "them", "that", "my"})
# A label names its theme when it matches it this many times better than any other
# (1 would let near-ties through: on banking77, label quality 0.635 with 1, 0.687
# with 2, scanning 1.5-3 gave 0.65-0.69).
_NAMING_MARGIN = 2.0


def terms_and_labels(
    scores: sparse.csr_matrix,
    row: int,
    features: np.ndarray,
    member_texts: list[str],
    *,
    n_terms: int,
    profiles: "ThemeProfiles | None" = None,
) -> tuple[tuple[str, ...], list[str]]:
    """Readable top terms of one theme and its label candidates, best first.

    Parameters
    ----------
    scores : sparse matrix
        Class-based TF-IDF, one row per theme, one column per feature.
    row : int
        The theme's row.
    features : ndarray of str
        Feature names (stems and ``"a b"`` stem pairs) by column.
    member_texts : list of str
        The theme's answers, closest to its centre first.
    n_terms : int
        Number of terms to return.
    profiles : ThemeProfiles, optional
        Every theme's profile (``ThemeProfiles.of(scores, vocabulary)``, built once
        per run): candidates whose words point to this theme rather than to
        another one rank first. Without it, every candidate counts as specific.

    Returns
    -------
    terms : tuple of str
        Top features in the answers' usual surface form, best first.
    labels : list of str
        Label candidates, best first; never empty.
    """
    start, end = scores.indptr[row], scores.indptr[row + 1]
    columns, weights = scores.indices[start:end], scores.data[start:end]
    ranked = [str(features[columns[i]]) for i in np.argsort(-weights, kind="stable")]
    # "not" alone says nothing; it stays inside pairs such as "not arrived".
    ranked = [f for f in ranked if not set(f.split()) <= _NEGATION_STEMS]
    tokens = [tokenise(text) for text in member_texts]
    surface, order = _usage(tokens)
    terms: list[str] = []
    shown: set[str] = set()
    for feature in ranked:
        stems = feature.split()
        if (
            len(stems) == 2
            and order[(stems[1], stems[0])] > order[(stems[0], stems[1])]
        ):
            stems.reverse()
        if len(stems) == 1 and stems[0] in shown:
            continue  # "rate" adds nothing after "exchange rate"
        rendered = _join(surface.get(s, s) for s in stems)
        if rendered not in terms:
            terms.append(rendered)
            shown.update(stems)
        if len(terms) == n_terms:
            break
    weight_of = {
        str(features[c]): float(w) for c, w in zip(columns, weights, strict=True)
    }
    candidates = _phrase_candidates(
        member_texts, weight_of, lambda span: naming_ratio(profiles, row, span)
    )
    if not candidates or len(_content_of(candidates[0])) < 2:
        key: list[str] = []
        for feature in ranked[:n_terms]:
            new = [s for s in feature.split() if s not in key]
            if len(key) + len(new) <= _LABEL_STEMS:
                key.extend(new)
            if len(key) == _LABEL_STEMS:
                break
        fallback = _ordered_stems(key, surface, order)
        if len(fallback.split()) > 1 or not candidates:
            candidates.insert(0, fallback)
    return tuple(terms), candidates


def unique_labels(
    candidates: Sequence[Sequence[str]], terms: Sequence[Sequence[str]]
) -> list[str]:
    """One label per theme, unique within the run, in the themes' order.

    Parameters
    ----------
    candidates : sequence of sequence of str
        Each theme's label candidates, best first (largest theme first).
    terms : sequence of sequence of str
        Each theme's top terms, to tell apart themes whose candidates are all taken.

    Returns
    -------
    list of str

    Examples
    --------
    >>> unique_labels([["top up failed", "top up"], ["top-up failed", "top up"]],
    ...               [["top up"], ["cash", "top up"]])
    ['top up failed', 'top up']
    """
    taken: set[str] = set()
    labels: list[str] = []
    for options, theme_terms in zip(candidates, terms, strict=True):
        # "top-up" and "top up" are the same label to a reader.
        label = next((c for c in options if _key(c) not in taken), None)
        if label is None:
            best = options[0] if options else "other answers"
            # A term that is a phrase of its own: "top up: cash", never a
            # dangling "faster app: make".
            extra = [
                t
                for t in theme_terms
                if t not in best
                and well_formed(tokenise(t))
                and _key(f"{best}: {t}") not in taken
            ]
            label = f"{best}: {extra[0]}" if extra else f"{best} ({len(labels) + 1})"
        taken.add(_key(label))
        labels.append(label)
    return labels


def _key(label: str) -> str:
    """What two labels must differ in: their words, not spelling or punctuation."""
    return " ".join(tokenise(label)) or label


def _join(words: Iterable[str]) -> str:
    """Words joined as their language writes them: spaces, none between Japanese."""
    listed = list(words)
    if listed and all(_CJK.search(word) for word in listed):
        return "".join(listed)
    return " ".join(listed)


def _content_of(label: str) -> list[str]:
    """The content words of a label, in English or Japanese."""
    return [t for t in tokenise(label) if is_content_word(t)]


@dataclass(frozen=True)
class ThemeProfiles:
    """Each theme's class-based TF-IDF at unit length: which theme a phrase names.

    Attributes
    ----------
    matrix : sparse.csc_matrix
        One row per theme, one column per feature, each row of unit length.
    vocabulary : mapping of str to int
        Column of each feature (stem or ``"a b"`` stem pair).
    """

    matrix: sparse.csc_matrix
    vocabulary: Mapping[str, int]

    @classmethod
    def of(
        cls, scores: sparse.spmatrix, vocabulary: Mapping[str, int]
    ) -> "ThemeProfiles":
        """Profiles from :func:`class_tfidf` scores and the features' columns."""
        return cls(sparse.csc_matrix(normalize(scores)), vocabulary)


def naming_ratio(
    profiles: ThemeProfiles | None, row: int, stems: Sequence[str]
) -> float:
    """How many times better a phrase of these stems matches theme ``row`` than
    any other theme (see :func:`names_theme`); infinite when ``profiles`` is None.

    Examples
    --------
    >>> from scipy import sparse
    >>> profiles = ThemeProfiles.of(
    ...     sparse.csr_matrix([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0]]),
    ...     {"card": 0, "arriv": 1, "declin": 2},
    ... )
    >>> naming_ratio(profiles, 0, ["card"]), naming_ratio(profiles, 1, ["arriv"])
    (1.0, 0.0)
    """
    if profiles is None:
        return float("inf")
    features = list(stems) + [
        f"{min(a, b)} {max(a, b)}" for n, a in enumerate(stems) for b in stems[n + 1 :]
    ]
    columns = [profiles.vocabulary[f] for f in features if f in profiles.vocabulary]
    if not columns:
        return 0.0
    totals = np.asarray(profiles.matrix[:, columns].sum(axis=1)).ravel()
    others = np.delete(totals, row)
    closest_other = others.max() if others.size else 0.0
    if totals[row] <= 0:
        return 0.0
    return float(totals[row] / closest_other) if closest_other > 0 else float("inf")


def names_theme(profiles: ThemeProfiles | None, row: int, stems: Sequence[str]) -> bool:
    """Whether a phrase of these stems clearly matches theme ``row`` best.

    The phrase reads as a query: its stems and stem pairs, summed over each theme's
    unit profile. It names the theme when it matches it more than twice as well as
    any other theme: "card payment" may be common in a theme about reverted
    payments and yet match the theme about pending ones as well; a reader could
    take it for either. True when ``profiles`` is None (nothing to compare with).

    Examples
    --------
    >>> from scipy import sparse
    >>> profiles = ThemeProfiles.of(
    ...     sparse.csr_matrix([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0]]),
    ...     {"card": 0, "arriv": 1, "declin": 2},
    ... )
    >>> names_theme(profiles, 0, ["arriv"]), names_theme(profiles, 1, ["declin"])
    (True, True)
    >>> names_theme(profiles, 0, ["card"]), names_theme(profiles, 0, ["declin"])
    (False, False)
    """
    return naming_ratio(profiles, row, stems) > _NAMING_MARGIN


def _phrase_candidates(
    member_texts: list[str],
    weights: Mapping[str, float],
    naming: Callable[[list[str]], float] = lambda stems: float("inf"),
) -> list[str]:
    """The theme's best label phrases as written (see the module docstring)."""
    if not weights:
        return []
    top = max(weights.values())
    found: Counter = Counter()
    # Answers in which a phrase ends where it ends: "receive a virtual" never does.
    whole: Counter = Counter()
    written: dict[tuple[str, ...], str] = {}
    for text in member_texts:
        spans: dict[tuple[str, ...], str] = {}
        endings: set[tuple[str, ...]] = set()
        for clause in _CLAUSE_BREAK.split(normalise(text)):
            if language_of(clause) == "ja":
                japanese = _japanese_spans(clause)
                spans.update(japanese)
                endings.update(japanese)
            else:
                english = _spans(*_clause_words(clause))
                spans.update({span: " ".join(span) for span in english})
                endings.update(span for span, ends in english.items() if ends)
        found.update(list(spans))
        whole.update(endings)
        for span, phrase in spans.items():
            written.setdefault(span, phrase)
    scored: list[tuple[int, float, tuple[str, ...]]] = []
    for span, count in found.items():
        if count < 2 or not whole[span]:
            continue  # never said on its own, it cuts a longer phrase
        span_stems = list(dict.fromkeys(stem(w) for w in span if is_content_word(w)))
        topical = [s for s in span_stems if s not in _NEGATION_STEMS | _TIME_STEMS]
        if not topical:
            continue
        weight = sum(weights.get(s, 0.0) for s in span_stems)
        weight += sum(
            weights.get(f"{min(a, b)} {max(a, b)}", 0.0)
            for n, a in enumerate(span_stems)
            for b in span_stems[n + 1 :]
        )
        share = count / len(member_texts)
        # Two content words first: one word alone rarely says what is wrong.
        rank = 0 if len(span_stems) >= 2 else 1
        scored.append((rank, -round(share**_SHARE_POWER * weight / top, 9), span))
    # Ties go to the shorter phrase, then alphabetically: sets have no stable order.
    scored.sort(key=lambda item: (item[0], item[1], len(item[2]), item[2]))
    # Of the best few, those that name this theme rather than another come first
    # (checked on a shortlist only: a theme has thousands of spans). When none
    # does, the one that comes closest goes first ("top up with cash" rather
    # than "top up", which half the themes could claim).
    shortlist = [(rank, span) for rank, _, span in scored[: _CANDIDATES * _SHORTLIST]]
    ratio = {
        span: naming(list(dict.fromkeys(stem(w) for w in span if is_content_word(w))))
        for _, span in shortlist
    }
    shortlist.sort(
        key=lambda item: (
            (0, 0, 0.0)
            if ratio[item[1]] > _NAMING_MARGIN
            else (1, item[0], -ratio[item[1]])
        )
    )
    phrases = []
    for _, span in shortlist[:_CANDIDATES]:
        phrase = written[span]
        if not _CJK.search(phrase):
            phrase = _as_written(phrase, member_texts)
        phrases.append(phrase)
    return list(dict.fromkeys(phrases))


def _clause_words(clause: str) -> tuple[list[str], list[bool]]:
    """Tokens of an English clause, and whether each is hyphened to the next.

    "auto-top-up" gives three tokens that belong together: a phrase may hold all
    of them, never cut between them ("find the auto-top").
    """
    words: list[str] = []
    hyphened: list[bool] = []
    for piece in clause.split():
        tokens = tokenise(piece)
        words.extend(tokens)
        joined = "-" in piece.strip("-")
        hyphened.extend([joined] * (len(tokens) - 1) + [False] * bool(tokens))
    return words, hyphened


def _spans(words: list[str], hyphened: list[bool]) -> dict[tuple[str, ...], bool]:
    """Candidate label phrases of one English clause (see the module docstring).

    Each maps to whether the clause's phrase may end there: what follows is no
    content word, or an adverb ("receive a virtual" of "receive a virtual card"
    may not end there; "auto-top-up" of "auto-top-up anywhere" may).
    """
    stems = [stem(w) if is_content_word(w) else None for w in words]
    spans: dict[tuple[str, ...], bool] = {}
    for i, first in enumerate(stems):
        if first is None or words[i] in NEGATIONS:
            continue  # "not arrived" leaves out what has not arrived
        if i and hyphened[i - 1]:
            continue  # "top" of "auto-top-up" does not start a phrase
        content = 0
        for j in range(i, min(len(words), i + _LABEL_SPAN)):
            if stems[j] is None or hyphened[j]:
                continue
            content += 1
            if content > _LABEL_STEMS:
                break
            span = words[i : j + 1]
            if j + 1 < len(words) and words[j + 1] in _VERB_PARTICLES:
                continue  # "card to top" of "card to top up"
            if words[j] not in NEGATIONS and well_formed(span):
                ends = (
                    j + 1 == len(words)
                    or stems[j + 1] is None
                    or words[j + 1] in _ADVERBS
                )
                spans[tuple(span)] = spans.get(tuple(span), False) or ends
    return spans


def well_formed(words: Sequence[str]) -> bool:
    """Whether tokens read as a whole phrase, not one cut mid-phrase.

    Closed word classes stand in for a part-of-speech tagger: a phrase holds a
    content word; it neither begins nor ends on a stop word, a negation, an adverb
    ("still", "today"), a light verb ("take", "using") or a pointing adjective
    ("new"); it does not begin on a particle ("up has not gone") or a verb that
    frames what follows ("think someone is using"); it ends on a particle only
    right after a content word ("top up", not "put it back"); it holds no
    conjunction, which would join two thoughts or cut a clause ("money but the
    balance", "message that my transfer"); and it holds no auxiliary before a
    subject pronoun, a question cut from its wh-word ("long does it take").

    Examples
    --------
    >>> well_formed("card has not arrived".split())
    True
    >>> well_formed("refund still pending".split()), well_formed(["top", "up"])
    (True, True)
    >>> [well_formed(p.split()) for p in ("cash withdrawal still", "up has not gone",
    ...  "international transfers take", "countries can i use", "training for new",
    ...  "put it back", "the card", "card for", "money but the balance")]
    [False, False, False, False, False, False, False, False, False]
    """
    if not words or not any(is_content_word(w) for w in words):
        return False
    first, last = words[0], words[-1]
    edges_closed = _ADVERBS | _LIGHT_VERBS | NEGATIONS
    if first in edges_closed | _PARTICLES | _FRAMING_VERBS:
        return False
    if last in edges_closed | _POINTING_ADJECTIVES:
        return False
    if not is_content_word(first) or not is_content_word(last):
        return False
    if last in _PARTICLES and (len(words) < 2 or not is_content_word(words[-2])):
        return False
    if _CONJUNCTIONS.intersection(words):
        return False
    return not any(a in _AUXILIARIES and b in _SUBJECTS for a, b in pairwise(words))


def _japanese_spans(clause: str) -> dict[tuple[str, ...], str]:
    """Candidate label phrases of one Japanese clause, keyed by their base forms.

    A phrase starts on a content morpheme and ends on one, written as the answer
    wrote it except that a final verb or adjective takes its dictionary form
    (返信が遅い, not 返信が遅く); a negation right after it is kept as written
    when it is whole (届きません, 届かない) and takes its dictionary form when the
    answer went on conjugating it (届かなかった and 届かず give 届かない).
    """
    pieces = list(morphemes(clause))
    spans: dict[tuple[str, ...], str] = {}
    for i, (_, first) in enumerate(pieces):
        if first is None or first == "ない":
            continue
        content: list[str] = []
        for j in range(i, min(len(pieces), i + _JAPANESE_SPAN)):
            base = pieces[j][1]
            if base is None:
                continue
            if base == "ない":
                if content:
                    key = (*content, "ない")
                    # A negation cut before its ending (教えてくれなかっ, 直らず)
                    # takes its dictionary form: 教えてくれない, 直らない.
                    negation = pieces[j][0]
                    if negation not in ("ない", "ん"):
                        negation = "ない"
                    written = "".join(s for s, _ in pieces[i:j]) + negation
                    spans[key] = written
                break
            content.append(base)
            if len(content) > _LABEL_STEMS:
                break
            written = "".join(s for s, _ in pieces[i:j]) + base
            spans[tuple(content)] = written
    return spans


def _as_written(phrase: str, texts: list[str]) -> str:
    """``phrase`` (tokens joined by spaces) as the first answer holding it wrote it.

    Tokenising drops clitics and punctuation ("it's" is "it"); the answer's own
    words, lower-cased, read better. The tokens themselves when no answer matches.
    """
    words = phrase.split()
    if len(words) < 2:
        return phrase
    # Between two tokens: a clitic ("'s"), then punctuation or spaces; "not" may
    # have been "n't" ("can't", "dont").
    gap = r"(?:'\w+)?[\W_]+"
    pattern = re.escape(words[0])
    for word in words[1:]:
        pattern += rf"(?:n?'?t|{gap}not)" if word == "not" else gap + re.escape(word)
    compiled = re.compile(rf"(?<!\w){pattern}(?!\w)")
    for text in texts:
        match = compiled.search(normalise(text))
        if match:
            return match.group(0)
    return phrase


def _usage(tokens: list[list[str]]) -> tuple[dict[str, str], Counter]:
    """How a theme's answers write its stems: commonest surface form, pair order."""
    forms: dict[str, Counter] = {}
    order: Counter = Counter()
    for words in tokens:
        first: dict[str, int] = {}
        for index, word in enumerate(words):
            if not is_content_word(word):
                continue
            s = stem(word)
            forms.setdefault(s, Counter())[word] += 1
            first.setdefault(s, index)
        for a, i in first.items():
            for b, j in first.items():
                if i < j:
                    order[(a, b)] += 1
    surface = {s: c.most_common(1)[0][0] for s, c in forms.items()}
    return surface, order


def _ordered_stems(key: list[str], surface: dict[str, str], order: Counter) -> str:
    """The key stems in the order the answers usually write them, as words."""
    wins = {a: sum(order[(a, b)] > order[(b, a)] for b in key) for a in key}
    ordered = sorted(key, key=lambda s: -wins[s])
    if len(ordered) > 1 and ordered[-1] in _NEGATION_STEMS:
        ordered.pop()  # "exchange rate not" reads as nonsense; the terms keep it
    words = [surface.get(s, s) for s in ordered]
    if not all(_CJK.search(word) for word in words):
        words = _trimmed_to_phrase(words)
    return _join(words)


def _trimmed_to_phrase(words: list[str]) -> list[str]:
    """Drop edge words until the rest is :func:`well_formed` (unchanged if never).

    >>> _trimmed_to_phrase(["think", "card", "stolen"])
    ['card', 'stolen']
    >>> _trimmed_to_phrase(["not", "top", "up"])
    ['top', 'up']
    """
    trimmed = list(words)
    while trimmed and not well_formed(trimmed):
        if well_formed(trimmed[:-1]) and not well_formed(trimmed[1:]):
            trimmed.pop()
        else:
            trimmed.pop(0)
    return trimmed or words


def class_tfidf(class_counts: sparse.spmatrix) -> sparse.csr_matrix:
    """Class-based TF-IDF (Grootendorst 2022), one row per theme.

    A term's share of the theme's words times ``log(1 + A / f)``, where ``A`` is the
    mean number of words per theme and ``f`` the term's count over all themes.
    """
    class_counts = sparse.csr_matrix(class_counts)
    if class_counts.shape[0] == 0:  # a language or department with no theme
        return class_counts.astype(float)
    term_totals = np.asarray(class_counts.sum(axis=0)).ravel()
    average = class_counts.sum() / class_counts.shape[0]
    idf = np.log1p(average / np.maximum(term_totals, 1e-12))
    return sparse.csr_matrix(normalize(class_counts, norm="l1") @ sparse.diags(idf))


def distinct_quotes(
    texts: list[str], closest: np.ndarray, n_quotes: int
) -> tuple[str, ...]:
    """The first ``n_quotes`` answers, nearest first, whose stems differ as a set."""
    quotes: list[str] = []
    seen: set[frozenset[str]] = set()
    for index in closest:
        key = frozenset(stem(w) for w in content_words(texts[index]))
        if key in seen:
            continue
        seen.add(key)
        quotes.append(" ".join(texts[index].split()))
        if len(quotes) == n_quotes:
            break
    return tuple(quotes)
