"""Department routing: which team of the customer advocacy team owns a comment.

:class:`DepartmentRouter` is a logistic regression over three blocks of features:
TF-IDF word 1-2 grams (the words that explain a decision), TF-IDF character 2-5
grams (robust to typos, and the way Japanese is read, since it has no spaces), and,
with the ``semantic`` representation, a sentence embedding
(:mod:`analysis.embeddings`) that knows "the bill" and "an invoice" mean the same
although they share no word. The embedding model reads English only, so a Japanese
text gets no embedding and is routed by its characters and words alone; its
Japanese training examples teach those blocks.

The router learns from the department catalog (:mod:`analysis.catalog`) and from
every correction an advocate makes (:func:`build_router` does both). Every decision
carries a confidence and the words that decided it, and a decision that is too
uncertain, or too close between two departments, goes to the CX lead's triage queue
instead of being guessed. A theme is routed by its answers' evidence
(:meth:`DepartmentRouter.route_theme` averages their probabilities), not by its
label. :func:`keyword_departments` is the keyword-matching baseline the benchmark
and tests compare the router against. The command line is
:mod:`analysis.cli.route`.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypedDict, Unpack

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import (
    ENGLISH_STOP_WORDS,
    TfidfVectorizer,
    strip_accents_unicode,
)
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

# The catalog lived here before it had its own module; the app and notebooks still
# import it from here, so these names stay part of this module's API.
from analysis.catalog import (
    Catalog,
    CatalogError,
    Department,
    default_catalog_path,
    load_catalog,
    parse_catalog,
    training_data,
)
from analysis.embeddings import configured_model, load_encoder, resolve_representation
from analysis.text import language_of, tokenise

__all__ = [
    "DEFAULT_MIN_CONFIDENCE",
    "DEFAULT_MIN_MARGIN",
    "Catalog",
    "CatalogError",
    "Decision",
    "Department",
    "DepartmentRouter",
    "RouterParams",
    "build_router",
    "default_catalog_path",
    "keyword_departments",
    "load_catalog",
    "parse_catalog",
    "training_data",
]

# Explanations drop stop words, but a few of scikit-learn's say a lot here
# ("call back", "bill", "system down", "name change").
_KEPT_WORDS = {"bill", "call", "down", "name", "system", "amount", "detail", "find"}
EXPLANATION_STOP_WORDS: frozenset[str] = frozenset(
    (ENGLISH_STOP_WORDS - _KEPT_WORDS)
    | {"don", "didn", "doesn", "isn", "wasn", "aren", "won", "couldn", "wouldn"}
    | {"shouldn", "haven", "hasn", "ve", "ll", "im", "ive", "dont", "cant", "didnt"}
    | {"just", "really", "like", "got", "use", "used"}
)

#: The default triage thresholds (see :class:`DepartmentRouter` for why).
DEFAULT_MIN_CONFIDENCE = 0.40
DEFAULT_MIN_MARGIN = 0.10

# Kana or kanji (also half-width katakana): the scripts only Japanese uses among the
# languages customers write in here.
_JAPANESE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
# scikit-learn's default word pattern, used for text without Japanese in it.
_WORD = re.compile(r"(?u)\b\w\w+\b")


class RouterParams(TypedDict, total=False):
    """The :class:`DepartmentRouter` parameters :func:`build_router` passes through.

    Each key is optional and means what the router's parameter of that name does;
    typing them lets a type checker catch ``min_margin="0.2"`` at the call.
    """

    min_confidence: float
    min_margin: float
    C: float
    class_weight: str | None
    char_ngrams: bool
    embedding_weight: float
    require_terms: bool
    random_state: int


@dataclass(frozen=True)
class Decision:
    """Where one answer or theme goes, how sure the router is, and why.

    ``department`` is ``None`` when the decision needs triage; ``best_guess`` is then
    still the most likely department, and ``terms`` are the words that pushed
    toward it.
    """

    department: str | None
    confidence: float
    runner_up: str | None
    terms: tuple[str, ...]
    needs_triage: bool
    best_guess: str
    runner_up_confidence: float


def _has_japanese_script(text: str) -> bool:
    """Whether ``text`` holds any kana or kanji, which spaces do not segment."""
    return bool(_JAPANESE_SCRIPT.search(text))


def _normalised(text: str) -> str:
    """Lower-case ``text``; strip accents from Latin text only.

    Stripping accents decomposes a kana with its voicing mark and drops the mark, so
    "が" would become "か": Japanese text is only NFKC-normalised (full-width
    letters become ASCII, half-width katakana full-width).
    """
    if _has_japanese_script(text):
        return unicodedata.normalize("NFKC", text).lower()
    return strip_accents_unicode(text.lower())


def _words(text: str) -> list[str]:
    """Word tokens for the word features: spaces split English, not Japanese.

    English keeps scikit-learn's default tokens (lower-cased, two letters or more),
    which the explanations and the tuned thresholds were built on. Japanese text
    becomes its kanji and katakana words (:func:`analysis.text.tokenise`), so
    "請求書が間違っています" explains itself with "請求書" rather than the whole
    sentence as one token.
    """
    if _has_japanese_script(text):
        return tokenise(text)
    return _WORD.findall(text)


def build_router(
    catalog: Catalog,
    corrections: Iterable[tuple[str, str]] = (),
    *,
    representation: str = "auto",
    model: str | None = None,
    **params: Unpack[RouterParams],
) -> "DepartmentRouter":
    """Fit a router on a catalog and the corrections advocates made.

    Parameters
    ----------
    catalog : Catalog
        The departments, with their descriptions, keywords and examples.
    corrections : iterable of (str, str), optional
        ``(answer text, department slug)`` pairs: every reassignment made in the app.
    representation : {"auto", "tfidf", "semantic"}, default="auto"
        ``"auto"`` uses sentence embeddings when the model is installed.
    model : str, optional
        Embedding model name or folder (default: the configured model, see
        :func:`analysis.embeddings.configured_model`).
    **params
        Other :class:`DepartmentRouter` parameters, such as ``min_confidence``.

    Returns
    -------
    DepartmentRouter
        Fitted.

    Raises
    ------
    ValueError
        When a correction names a department that is not in the catalog.
    analysis.embeddings.EmbeddingUnavailable
        When ``representation="semantic"`` and the model cannot be loaded.

    Examples
    --------
    >>> router = build_router(
    ...     load_catalog(default_catalog_path()),
    ...     [("the monthly digest is too long", "outreach")],
    ...     representation="tfidf",
    ... )
    >>> router.route(["the monthly digest is too long"])[0].department
    'outreach'
    """
    router = DepartmentRouter(representation=representation, model=model, **params)
    return router.fit(*training_data(catalog, corrections))


class DepartmentRouter(ClassifierMixin, BaseEstimator):
    """Route free-text answers to departments, with a confidence and a reason.

    Word 1-2 grams and character 2-5 grams, both TF-IDF weighted, and (with the
    semantic representation) a sentence embedding of each English text feed one
    multinomial logistic regression.

    Parameters
    ----------
    representation : {"auto", "tfidf", "semantic"}, default="auto"
        ``"semantic"`` adds sentence embeddings to the TF-IDF features; ``"auto"``
        does so when the embedding model is installed, else falls back to TF-IDF.
    model : str, optional
        Embedding model name or folder; default the configured model. The fitted
        router stores the name, never the model, so it pickles small.
    min_confidence : float, default=0.40
        Below this top probability a decision goes to triage.
    min_margin : float, default=0.10
        When the top two probabilities are closer than this, triage.
    C : float, default=30.0
        Inverse regularisation strength of the logistic regression; the training
        phrases are few and short, so weak regularisation gives usable confidences.
    class_weight : "balanced" or None, default="balanced"
        Weigh departments equally however many examples each has.
    char_ngrams : bool, default=True
        Add character n-grams to the word n-grams.
    embedding_weight : float, default=2.0
        Scale of the (unit-length) embedding block against the TF-IDF blocks. At
        1.0 the embedding gave 0.67 on few-shot review sentences, at 2.0 0.71
        (as much as the embedding alone) while keeping the catalog's words in the
        decision; 3.0 only triaged less at lower precision.
    require_terms : bool, default=True
        Triage a decision that no word of the text supports. An embedding finds a
        department for "ok" or "zzz" too, with a confidence above 0.5; a routed
        answer must show the words that sent it (on the held-out comments such
        answers were right only 64% of the time).
    random_state : int, default=0
        Seed of the logistic regression.

    Attributes
    ----------
    classes_ : ndarray of str
        Department slugs, sorted.
    representation_ : str
        ``"tfidf"`` or ``"semantic"``: what was used.
    model_ : str or None
        The embedding model name or folder used, None with TF-IDF.
    word_vectorizer_, char_vectorizer_ : TfidfVectorizer
        The fitted features (``char_vectorizer_`` is None without ``char_ngrams``).
    classifier_ : LogisticRegression
        The fitted classifier.

    Examples
    --------
    >>> router = DepartmentRouter(representation="tfidf").fit(
    ...     ["the app crashes", "error on login", "price too high", "wrong invoice"],
    ...     ["tech", "tech", "sales", "sales"],
    ... )
    >>> router.predict(["the app crashes again", "the invoice price"]).tolist()
    ['tech', 'sales']
    >>> router.explain("the app crashes again", "tech", top=2)
    ['app', 'app crashes']
    """

    def __init__(
        self,
        *,
        representation: str = "auto",
        model: str | None = None,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        min_margin: float = DEFAULT_MIN_MARGIN,
        C: float = 30.0,
        class_weight: str | None = "balanced",
        char_ngrams: bool = True,
        embedding_weight: float = 2.0,
        require_terms: bool = True,
        random_state: int = 0,
    ) -> None:
        self.representation = representation
        self.model = model
        self.min_confidence = min_confidence
        self.min_margin = min_margin
        self.C = C
        self.class_weight = class_weight
        self.char_ngrams = char_ngrams
        self.embedding_weight = embedding_weight
        self.require_terms = require_terms
        self.random_state = random_state

    def fit(
        self,
        texts: Sequence[str],
        departments: Sequence[str],
        sample_weight: Sequence[float] | None = None,
    ) -> "DepartmentRouter":
        """Learn departments from labelled texts.

        Parameters
        ----------
        texts : sequence of str
            Training phrases, for example from :func:`training_data`.
        departments : sequence of str
            The department slug of each text; at least two different ones.
        sample_weight : sequence of float, optional
            Weight of each text.

        Returns
        -------
        DepartmentRouter
            ``self``, fitted.

        Raises
        ------
        analysis.embeddings.EmbeddingUnavailable
            When ``representation="semantic"`` and the model cannot be loaded.
        """
        texts = _as_texts(texts)
        labels = [str(label) for label in departments]
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} departments")
        if len(set(labels)) < 2:
            raise ValueError("routing needs examples of at least two departments")
        self.representation_ = resolve_representation(self.representation, self.model)
        self.model_ = (
            configured_model(self.model) if self.representation_ == "semantic" else None
        )
        self.word_vectorizer_ = TfidfVectorizer(
            preprocessor=_normalised,
            tokenizer=_words,
            token_pattern=None,
            ngram_range=(1, 2),
            sublinear_tf=True,
        )
        self.char_vectorizer_ = (
            TfidfVectorizer(
                analyzer="char_wb",
                preprocessor=_normalised,
                ngram_range=(2, 5),
                sublinear_tf=True,
            )
            if self.char_ngrams
            else None
        )
        blocks = [self.word_vectorizer_.fit_transform(texts)]
        if self.char_vectorizer_ is not None:
            blocks.append(self.char_vectorizer_.fit_transform(texts))
        if self.model_ is not None:
            blocks.append(self._embeddings(texts, fitting=True))
        features = sparse.hstack(blocks, format="csr")
        self.classifier_ = LogisticRegression(
            C=self.C,
            class_weight=self.class_weight,
            max_iter=5000,
            random_state=self.random_state,
        )
        # The problem is tiny: threaded BLAS only adds overhead, and on a busy
        # two-core machine it made fitting ten times slower.
        with threadpool_limits(limits=1, user_api="blas"):
            self.classifier_.fit(features, labels, sample_weight=sample_weight)
        self.classes_ = self.classifier_.classes_
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return each text's probability for each department (columns: ``classes_``).

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        ndarray of shape (n_texts, n_departments)
        """
        check_is_fitted(self, "classifier_")
        texts = _as_texts(texts)
        if not texts:
            return np.empty((0, len(self.classes_)))
        return self.classifier_.predict_proba(self._features(texts))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Return each text's most likely department, never triaging.

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        ndarray of str
        """
        probabilities = self.predict_proba(texts)
        return self.classes_[probabilities.argmax(axis=1)]

    def explain(self, text: str, department: str, *, top: int = 5) -> list[str]:
        """Return the words and word pairs of ``text`` that pushed it to ``department``.

        Each term's push is its TF-IDF weight times the department's coefficient
        relative to the other departments. Terms with a stop word are never shown,
        nor a term whose words all appear in stronger terms already shown. The
        embedding has no words to show, so it never appears here, although it
        weighs in the decision.

        Parameters
        ----------
        text : str
        department : str
            One of ``classes_``.
        top : int, default=5
            At most this many terms.

        Returns
        -------
        list of str
            Strongest first; empty when nothing in the text points there.

        Examples
        --------
        >>> router = DepartmentRouter(representation="tfidf").fit(
        ...     ["slow pages", "server outage", "pricing plan", "quote request"],
        ...     ["tech", "tech", "sales", "sales"],
        ... )
        >>> router.explain("an outage and slow pages", "tech")
        ['pages', 'slow', 'outage']
        """
        check_is_fitted(self, "classifier_")
        index = self._class_index(department)
        words = self.word_vectorizer_.transform(_as_texts([text]))
        return self._terms(words, index, top=top)

    def route(self, texts: Sequence[str]) -> list[Decision]:
        """Decide each answer's department, sending uncertain ones to triage.

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        list of Decision
            One per text, in order.

        Examples
        --------
        >>> router = DepartmentRouter(representation="tfidf").fit(
        ...     ["the app crashes", "error on login", "price too high", "bad invoice"],
        ...     ["tech", "tech", "sales", "sales"],
        ... )
        >>> [d.department for d in router.route(["crashes on login", "hello"])]
        ['tech', None]
        """
        check_is_fitted(self, "classifier_")
        texts = _as_texts(texts)
        if not texts:
            return []
        probabilities = self.predict_proba(texts)
        words = self.word_vectorizer_.transform(texts)
        return [
            self._decision(probabilities[row], words[row]) for row in range(len(texts))
        ]

    def route_theme(self, texts: Sequence[str]) -> Decision:
        """Decide one department for a theme from all of its answers.

        The answers' probabilities are averaged, so the theme goes where its
        evidence points; it goes to triage when the mean top probability is below
        ``min_confidence`` or the top two are within ``min_margin``. The terms
        are those that pushed the answers, taken together, toward the decision.

        Parameters
        ----------
        texts : sequence of str
            The theme's answers; at least one.

        Returns
        -------
        Decision

        Examples
        --------
        >>> router = DepartmentRouter(representation="tfidf").fit(
        ...     ["the app crashes", "error on login", "price too high", "bad invoice"],
        ...     ["tech", "tech", "sales", "sales"],
        ... )
        >>> router.route_theme(["it crashes", "login error", "the price"]).department
        'tech'
        """
        check_is_fitted(self, "classifier_")
        texts = _as_texts(texts)
        if not texts:
            raise ValueError("a theme needs at least one answer to be routed")
        probabilities = self.predict_proba(texts).mean(axis=0)
        words = sparse.csr_matrix(self.word_vectorizer_.transform(texts).mean(axis=0))
        return self._decision(probabilities, words)

    def _embeddings(
        self, texts: list[str], *, fitting: bool = False
    ) -> sparse.csr_matrix:
        """The weighted, centred embedding block; Japanese rows stay zero.

        Sentence embeddings share a large common direction, so even "ok" lies close
        to every department's examples and would be routed with confidence.
        Centring on the training examples' mean removes that direction: a text
        without content lands near the centre and its probabilities stay flat.
        """
        encoder = load_encoder(self.model_)
        block = np.zeros((len(texts), encoder.dimension))
        english = [row for row, text in enumerate(texts) if language_of(text) == "en"]
        if english:
            vectors = encoder.encode([texts[row] for row in english])
            if fitting:
                self.embedding_centre_ = vectors.mean(axis=0)
            block[english] = self.embedding_weight * (vectors - self.embedding_centre_)
        elif fitting:
            self.embedding_centre_ = np.zeros(encoder.dimension)
        return sparse.csr_matrix(block)

    def _features(self, texts: list[str]) -> sparse.csr_matrix:
        """Transform texts into the fitted word, character and embedding blocks."""
        blocks = [self.word_vectorizer_.transform(texts)]
        if self.char_vectorizer_ is not None:
            blocks.append(self.char_vectorizer_.transform(texts))
        if getattr(self, "model_", None) is not None:
            blocks.append(self._embeddings(texts))
        return sparse.hstack(blocks, format="csr")

    def _class_index(self, department: str) -> int:
        """Return the column of ``department``; raise ValueError if it is unknown."""
        matches = np.flatnonzero(self.classes_ == department)
        if not matches.size:
            known = ", ".join(map(str, self.classes_))
            raise ValueError(
                f"unknown department {department!r} (expected one of {known})"
            )
        return int(matches[0])

    def _relative_word_coefficients(self) -> np.ndarray:
        """Word coefficients per department, relative to the mean over departments."""
        n_words = len(self.word_vectorizer_.vocabulary_)
        coefficients = self.classifier_.coef_[:, :n_words]
        if coefficients.shape[0] == 1:
            # A binary model stores one row; softmax-equivalent rows are -w/2 and w/2.
            coefficients = np.vstack([-coefficients / 2, coefficients / 2])
        return coefficients - coefficients.mean(axis=0)

    def __getstate__(self) -> dict:
        """Pickle the fitted router without the explanation cache (rebuilt on use)."""
        state = super().__getstate__()
        state.pop("_explanation_cache", None)
        return state

    def _explanation_tables(self) -> tuple[np.ndarray, np.ndarray]:
        """The relative word coefficients and the word vocabulary, built once.

        Both are fixed once the router is fitted, and building them for every
        answer made routing 1,000 answers take seconds; the cache is keyed by the
        fitted classifier, so a refit rebuilds it.
        """
        cached = self.__dict__.get("_explanation_cache")
        if cached is None or cached[0] is not self.classifier_:
            cached = (
                self.classifier_,
                self._relative_word_coefficients(),
                self.word_vectorizer_.get_feature_names_out(),
            )
            self.__dict__["_explanation_cache"] = cached
        return cached[1], cached[2]

    def _terms(self, words: sparse.spmatrix, index: int, *, top: int) -> list[str]:
        """Return the strongest terms of one TF-IDF row toward class ``index``."""
        row = sparse.csr_matrix(words)
        relative_coefficients, vocabulary = self._explanation_tables()
        coefficients = relative_coefficients[index]
        pushes = row.data * coefficients[row.indices]
        terms: list[str] = []
        covered: set[str] = set()
        for position in np.argsort(-pushes, kind="stable"):
            if len(terms) >= top or pushes[position] <= 0:
                break
            term = str(vocabulary[row.indices[position]])
            tokens = term.split()
            if any(token in EXPLANATION_STOP_WORDS for token in tokens):
                continue
            if set(tokens) <= covered:
                continue
            terms.append(term)
            covered.update(tokens)
        return terms

    def _decision(self, probabilities: np.ndarray, words: sparse.spmatrix) -> Decision:
        """Turn one probability vector (and its TF-IDF row) into a Decision."""
        order = np.argsort(-probabilities, kind="stable")
        best = int(order[0])
        confidence = float(probabilities[best])
        second = int(order[1]) if len(order) > 1 else None
        runner_up_confidence = (
            float(probabilities[second]) if second is not None else 0.0
        )
        terms = tuple(self._terms(words, best, top=5))
        needs_triage = (
            confidence < self.min_confidence
            or confidence - runner_up_confidence < self.min_margin
            or (self.require_terms and not terms)
        )
        best_guess = str(self.classes_[best])
        return Decision(
            department=None if needs_triage else best_guess,
            confidence=confidence,
            runner_up=str(self.classes_[second]) if second is not None else None,
            terms=terms,
            needs_triage=needs_triage,
            best_guess=best_guess,
            runner_up_confidence=runner_up_confidence,
        )


def _as_texts(texts: Iterable[str]) -> list[str]:
    """Return texts as a list of strings, refusing a bare string (a common slip)."""
    if isinstance(texts, str):
        raise TypeError("expected a sequence of texts, got a single string")
    return ["" if text is None else str(text) for text in texts]


def keyword_departments(texts: Iterable[str], catalog: Catalog) -> list[str | None]:
    """Route by counting catalog keywords: the baseline the router must beat.

    A keyword matches as a whole word or phrase, also with a plural ``s``/``es``;
    the department with most matches wins, ties go to the first in the catalog,
    and a text without any keyword gets ``None``.

    Parameters
    ----------
    texts : iterable of str
    catalog : Catalog

    Returns
    -------
    list of str or None

    Examples
    --------
    >>> catalog = parse_catalog('''
    ... departments:
    ...   - {slug: tech, name: Tech, keywords: [bug, crash], examples: [x]}
    ...   - {slug: sales, name: Sales, keywords: [invoice], examples: [x]}
    ... ''')
    >>> keyword_departments(["two bugs and a crash", "my invoices", "hello"], catalog)
    ['tech', 'sales', None]
    """
    patterns = [
        (
            department.slug,
            [
                re.compile(rf"\b{re.escape(keyword.lower())}(?:s|es)?\b")
                for keyword in department.keywords
            ],
        )
        for department in catalog.departments
    ]
    routed: list[str | None] = []
    for text in texts:
        lowered = text.lower()
        counts = [
            sum(len(pattern.findall(lowered)) for pattern in keywords)
            for _, keywords in patterns
        ]
        best = max(range(len(counts)), key=lambda i: (counts[i], -i)) if counts else 0
        routed.append(patterns[best][0] if counts and counts[best] > 0 else None)
    return routed
