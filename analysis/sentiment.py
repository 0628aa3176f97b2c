"""Sentiment of survey answers that reads complaints as complaints (English, Japanese).

VADER (:func:`analysis.text.sentiment`) is a lexicon of words, so "still waiting for
my refund" and "thanks for nothing" come out neutral or positive, and Japanese text
always scores 0. :class:`SentimentModel` is a logistic regression over four kinds of
evidence about each answer, learned from the labelled examples the project ships
(``analysis/data/sentiment_examples.csv``, about 1,500 sentences written for this
project, in English and Japanese: customer-service answers and complaint tweets,
sarcasm that uses praise words ("great, another outage"), review sentences about
restaurants, hotels and products with mixed aspects, plain narrative and
assistant-style requests as neutral, and improvement asks that imply a shortfall
("faster replies from billing") as negative):

* **words and characters** (TF-IDF): word unigrams and bigrams, with the words after
  a negation marked ("not_helpful"), and character n-grams, which read Japanese
  (no spaces) and misspellings alike;
* **lexicon and patterns**: VADER's scores for English, plus counts of complaint
  patterns that no word lexicon sees ("still waiting", "hasn't arrived", "no reply",
  "thanks for nothing", "まだ届きません"), Japanese praise and complaint words
  with their negations ("使いやすくない"), and whether the answer is a question
  (:mod:`analysis.sentiment_cues`);
* **sentence embeddings** (the ``semantic`` representation of
  :mod:`analysis.embeddings`, when installed) for English answers; the encoder is
  English-only, so Japanese answers get a zero vector there and rely on the rest.

Why this mix: measured on data none of them trained on (macro-F1 on held-out CX
comments / SemEval restaurant sentences / Japanese comments), VADER scores
0.51 / 0.56 / 0.12, a classifier over the lexicon features alone 0.57 / 0.57 /
0.42, TF-IDF alone 0.76 / 0.53 / 0.70, embeddings alone 0.79 / 0.63 / (English
only); as ``bench/bench_sentiment.py`` prints them, TF-IDF with the lexicon (the
fallback) 0.72 / 0.57 / 0.76 and all together (the default) 0.82 / 0.65 / 0.77
(0.79 / 0.64 / 0.77 before the review sentences, sarcasm and asks were added to
the examples), with negative recall 0.93 / 0.77 / 0.84; since the classifier
keeps the examples' own class mix (see ``class_weight``), 0.82 / 0.64 / 0.77
with negative recall 0.96 / 0.83 / 0.88. Measured and not kept: a heavier
embedding block (weights 2 and 3 lost 0.01-0.02 on SemEval and CX), VADER on
the clause after "but" and a sarcasm cue (-0.005). No pretrained sentiment
model was found whose weights ship inside a PyPI package for offline use.

The frozen embeddings are what holds SemEval back (0.653 macro-F1 with balanced
classes): a logistic regression over them, cross-validated on SemEval itself,
reaches only 0.669 (0.682 with the lexicon features; mean-pooling other layers
of the encoder did no better). Measured on the three sets and not kept, each
within 0.01 of 0.653 on SemEval (macro-F1 / negative recall): stacking the
embedding and TF-IDF models' out-of-fold probabilities with the lexicon in a
meta-model (0.640 / 0.643), a neutral-or-not model followed by a
negative-or-positive one (0.652 / 0.710), the last clause after "but" or
"however" embedded beside the whole sentence (0.647 to 0.664), C from 0.5 to 8,
re-estimating the class priors of each input by EM (0.630, CX 0.746), and 240
more review and complaint sentences from hotels, shops, apps and delivery
(0.652 / 0.744, CX 0.837). Fine-tuning the encoder itself on the examples was
the only option that moved SemEval: averaged with this model, 0.672 / 0.818 on
SemEval and 0.912 / 0.97 on CX (``bench/bench_sentiment.py --fine-tune``); it
costs about 6 minutes of CPU per machine and a copy of the encoder on disk, so
it is not the default yet.

The Japanese analysers on PyPI did worse on the Japanese comments: asari
0.54 at best (and it needs an ``en_US.UTF-8`` locale, onnxruntime and an old
``packaging``), oseti 0.49 (MeCab, a dictionary and bunkai).

The score of an answer is ``P(positive) - P(negative)``, from -1 to 1, and its
label the most probable class, except that a likely complaint is labelled negative
(see ``negative_threshold``). :func:`default_model` fits the model on the shipped
examples the first time it is asked for and keeps it for the process: about a
second of CPU with TF-IDF; the semantic representation also embeds the English
examples (about 13 s of CPU), so :func:`cache_example_embeddings` keeps those
vectors on disk and later processes only fit. Nothing is downloaded.

In the app, answers come with ratings: a detractor's "what should we fix first?" is
rarely praise. :func:`with_weak_labels` turns NPS ratings into weak labels,
:func:`adapt` refits the model with them (each weighing less than a shipped example),
and :func:`disagreements` shows where an answer's text and its rating disagree.
``python -m analysis sentiment`` (:mod:`analysis.cli.sentiment`) runs it on a CSV.
"""

import csv
import functools
import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from analysis.embeddings import configured_model, load_encoder, resolve_representation
from analysis.sentiment_cues import lexicon_features, negation_marked
from analysis.text import language_of, normalise

__all__ = [
    "CACHE_SETTING",
    "EXAMPLES_PATH",
    "LABELS",
    "WEAK_LABEL_WEIGHT",
    "Disagreement",
    "SentimentModel",
    "adapt",
    "cache_example_embeddings",
    "default_model",
    "disagreements",
    "lexicon_features",
    "load_examples",
    "sentiment_labels",
    "sentiment_scores",
    "weak_labels",
    "with_weak_labels",
]

#: The three classes, in the column order of :meth:`SentimentModel.predict_proba`.
LABELS: tuple[str, str, str] = ("negative", "neutral", "positive")

#: The labelled examples the default model learns from (text, language, sentiment).
EXAMPLES_PATH = Path(__file__).parent / "data" / "sentiment_examples.csv"


class SentimentModel(ClassifierMixin, BaseEstimator):
    """Three-class sentiment (negative, neutral, positive) for short answers.

    A logistic regression over TF-IDF words (negation-marked) and character
    n-grams, :func:`lexicon_features` and, with the ``semantic`` representation,
    sentence embeddings of English answers. Each block is scaled by its weight
    before the blocks are joined, which sets how much the regularised classifier
    leans on it.

    Parameters
    ----------
    representation : {"auto", "tfidf", "semantic"}, default="auto"
        ``"auto"`` adds sentence embeddings when :mod:`analysis.embeddings` can
        load the model, and otherwise runs on TF-IDF and the lexicon alone.
    model : str, optional
        Embedding model name or folder (default: the configured one).
    C : float, default=2.0
        Inverse regularisation strength of the logistic regression.
    word_weight, char_weight, lexicon_weight, embedding_weight : float
        Scale of each feature block.
    negative_threshold : float, default=1/3
        A text is labelled negative when negative is at least this likely (and
        not less likely than positive), even if neutral is more likely: a
        complaint read as neutral never reaches its owner, while a neutral
        answer read as a complaint costs a glance. 1/3 is "likelier than a
        guess among three"; on each held-out set it raised negative recall by
        3 to 5 points, macro-F1 moving by less than 0.015.
    class_weight : {None, "balanced"}, default=None
        ``None`` keeps the shipped examples' own mix (nearly half of them
        complaints, as in customer feedback), so the classifier leans towards
        negative when unsure. Against ``"balanced"`` it raised negative recall on
        every held-out set (SemEval 0.773 to 0.826, CX 0.93 to 0.96, Japanese
        0.836 to 0.879) with macro-F1 within 0.011 (SemEval 0.653 to 0.642, CX
        0.819 to 0.821, Japanese 0.773 both); cross-validated on the examples
        themselves, 0.870 to 0.913 and 0.832 to 0.826.
    random_state : int, default=0
        Seed of the solver, for reproducible fits.

    Attributes
    ----------
    classes_ : ndarray of str
        :data:`LABELS`, the column order of :meth:`predict_proba`.
    representation_ : str
        The representation the fit used (``"tfidf"`` or ``"semantic"``).

    Examples
    --------
    >>> model = SentimentModel(representation="tfidf").fit(
    ...     ["love it", "great help", "still waiting", "no reply at all",
    ...      "what are your hours?", "where is the office?"],
    ...     ["positive", "positive", "negative", "negative", "neutral", "neutral"])
    >>> model.predict(["still waiting for a reply"]).tolist()
    ['negative']
    """

    def __init__(
        self,
        *,
        representation: str = "auto",
        model: str | None = None,
        C: float = 2.0,
        word_weight: float = 1.0,
        char_weight: float = 1.0,
        lexicon_weight: float = 2.0,
        embedding_weight: float = 1.0,
        negative_threshold: float = 1 / 3,
        class_weight: str | None = None,
        random_state: int = 0,
    ) -> None:
        self.representation = representation
        self.model = model
        self.C = C
        self.word_weight = word_weight
        self.char_weight = char_weight
        self.lexicon_weight = lexicon_weight
        self.embedding_weight = embedding_weight
        self.negative_threshold = negative_threshold
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        sample_weight: Sequence[float] | None = None,
    ) -> "SentimentModel":
        """Learn sentiment from labelled answers.

        Parameters
        ----------
        texts : sequence of str
            Answers, English or Japanese.
        labels : sequence of str
            ``"negative"``, ``"neutral"`` or ``"positive"`` for each text.
        sample_weight : sequence of float, optional
            How much each example counts (weak labels count less).

        Returns
        -------
        SentimentModel
            ``self``, fitted.

        Raises
        ------
        ValueError
            If a label is not one of :data:`LABELS`, lengths differ, or fewer than
            two classes are given.
        """
        texts = [str(text) for text in texts]
        labels = [str(label) for label in labels]
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        unknown = sorted(set(labels) - set(LABELS))
        if unknown:
            raise ValueError(
                f"unknown sentiment labels {unknown}; use {', '.join(LABELS)}"
            )
        if len(set(labels)) < 2:
            raise ValueError("sentiment needs examples of at least two labels")
        self.representation_ = _resolve(self.representation, self.model)
        self.words_ = TfidfVectorizer(
            preprocessor=negation_marked,
            tokenizer=str.split,
            token_pattern=None,
            lowercase=False,
            ngram_range=(1, 2),
            sublinear_tf=True,
        )
        self.characters_ = TfidfVectorizer(
            analyzer="char_wb",
            preprocessor=_character_text,
            ngram_range=(2, 4),
            min_df=2,
            sublinear_tf=True,
        )
        self.words_.fit(texts)
        self.characters_.fit(texts)
        self.classifier_ = LogisticRegression(
            C=self.C,
            class_weight=self.class_weight,
            # Newton steps converge in a handful of iterations here; L-BFGS took
            # five times as long on the same fit.
            solver="newton-cg",
            max_iter=1000,
            random_state=self.random_state,
        )
        weights = None if sample_weight is None else np.asarray(sample_weight, float)
        self.classifier_.fit(self._features(texts), labels, sample_weight=weights)
        self.classes_ = np.array(LABELS)
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return the probability of each label, columns in :data:`LABELS` order.

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        ndarray of shape (len(texts), 3)
            Rows sum to 1; a label unseen in training has probability 0.
        """
        check_is_fitted(self, "classifier_")
        texts = [str(text) for text in texts]
        probabilities = np.zeros((len(texts), len(LABELS)))
        if texts:
            learned = self.classifier_.predict_proba(self._features(texts))
            for column, label in enumerate(self.classifier_.classes_):
                probabilities[:, LABELS.index(label)] = learned[:, column]
        return probabilities

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Return each text's label: negative, neutral or positive.

        The most probable label, except that a text is negative as soon as
        negative is at least ``negative_threshold`` likely and at least as likely
        as positive (so the label never contradicts the score's sign).

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        ndarray of str, shape (len(texts),)
        """
        return _labels(self.predict_proba(texts), self.negative_threshold)

    def polarity(self, texts: Sequence[str]) -> np.ndarray:
        """Return each text's sentiment score, ``P(positive) - P(negative)``.

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        ndarray of shape (len(texts),)
            Scores from -1 (surely negative) to 1 (surely positive).
        """
        probabilities = self.predict_proba(texts)
        return probabilities[:, 2] - probabilities[:, 0]

    def _features(self, texts: list[str]) -> sparse.csr_matrix:
        """The weighted feature blocks of ``texts``, side by side."""
        blocks = [
            self.word_weight * self.words_.transform(texts),
            self.char_weight * self.characters_.transform(texts),
            sparse.csr_matrix(self.lexicon_weight * lexicon_features(texts)),
        ]
        if self.representation_ == "semantic":
            blocks.append(sparse.csr_matrix(self.embedding_weight * self._embed(texts)))
        return sparse.hstack(blocks, format="csr")

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Sentence embeddings of English texts; zero rows for Japanese ones."""
        encoder = load_encoder(self.model)
        vectors = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
        known = _example_vectors.get(encoder.name, {})
        english = [i for i, text in enumerate(texts) if language_of(text) == "en"]
        for i in english:
            if texts[i] in known:
                vectors[i] = known[texts[i]]
        missing = [i for i in english if texts[i] not in known]
        if missing:
            vectors[missing] = encoder.encode([texts[i] for i in missing])
        return vectors


#: Environment variable naming the folder that keeps the shipped examples'
#: embeddings between processes (default ``$XDG_CACHE_HOME/cat-survey``, else
#: ``~/.cache/cat-survey``).
CACHE_SETTING = "CAT_SURVEY_CACHE_DIR"

# The shipped examples' embeddings, per model, once loaded or computed in this
# process: embedding them costs about 13 s of CPU, fitting the classifier 1 s.
_example_vectors: dict[str, dict[str, np.ndarray]] = {}


def cache_example_embeddings(model: str | None = None) -> Path | None:
    """Embed the shipped English examples once and keep them on disk.

    :func:`default_model` calls this for the semantic representation, so only
    the first process on a machine pays for embedding the examples; a deployment
    can also call it when it installs. The file's name is a hash of the model
    name and the examples, so a new model or new examples get a new file (delete
    the folder to refresh a model that changed in place).

    Parameters
    ----------
    model : str, optional
        Embedding model name or folder (default: the configured one).

    Returns
    -------
    Path or None
        The cache file, or None when the folder cannot be written (the
        embeddings are then kept for this process only).

    Raises
    ------
    EmbeddingUnavailable
        If the embedding model cannot be loaded.
    """
    encoder = load_encoder(model)
    texts, _ = load_examples()
    english = sorted({text for text in texts if language_of(text) == "en"})
    digest = hashlib.sha256(
        json.dumps([encoder.name, encoder.dimension, english]).encode()
    ).hexdigest()[:20]
    cache_file = _cache_folder() / f"sentiment-examples-{digest}.npy"
    try:
        vectors = np.load(cache_file)
        if vectors.shape != (len(english), encoder.dimension):
            raise ValueError(f"{cache_file} holds vectors of another shape")
    except (OSError, ValueError):
        vectors = encoder.encode(english)
        saved = _saved(vectors, cache_file)
    else:
        saved = cache_file
    _example_vectors[encoder.name] = dict(zip(english, vectors, strict=True))
    return saved


def _cache_folder() -> Path:
    """The folder named by :data:`CACHE_SETTING`, or the user's cache folder."""
    if os.environ.get(CACHE_SETTING):
        return Path(os.environ[CACHE_SETTING])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cat-survey"


def _saved(vectors: np.ndarray, path: Path) -> Path | None:
    """Write ``vectors`` to ``path`` atomically; None if the folder is read-only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Another process may write the same file: each writes its own temporary
        # file and the rename is atomic, so a reader never sees half a file.
        temporary = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(temporary, vectors)
        os.replace(temporary, path)
    except OSError:
        return None
    return path


def _labels(probabilities: np.ndarray, negative_threshold: float) -> np.ndarray:
    """Labels from probabilities (see :meth:`SentimentModel.predict`)."""
    labels = np.array(LABELS)[probabilities.argmax(axis=1)]
    negative = (probabilities[:, 0] >= negative_threshold) & (
        probabilities[:, 0] >= probabilities[:, 2]
    )
    labels[negative] = "negative"
    return labels


def _character_text(text: str) -> str:
    """Normalised text for character n-grams, URLs and handles removed."""
    return _NOISE.sub(" ", normalise(text))


_NOISE = re.compile(r"(?:https?://|www\.)\S+|@\w+")


def _resolve(representation: str, model: str | None) -> str:
    """The representation that will run (see :func:`resolve_representation`)."""
    return resolve_representation(representation, model)


def load_examples(path: str | Path = EXAMPLES_PATH) -> tuple[list[str], list[str]]:
    """Return the texts and labels of a labelled CSV (``text``, ``sentiment``).

    Parameters
    ----------
    path : str or Path, default :data:`EXAMPLES_PATH`
        A UTF-8 CSV with ``text`` and ``sentiment`` columns.

    Returns
    -------
    (list of str, list of str)
        Texts and their labels, rows with an empty text or label skipped.

    Examples
    --------
    >>> texts, labels = load_examples()
    >>> sorted(set(labels))
    ['negative', 'neutral', 'positive']
    """
    with open(path, encoding="utf-8-sig", newline="") as file:
        rows = [
            (row["text"].strip(), row["sentiment"].strip())
            for row in csv.DictReader(file)
        ]
    rows = [(text, label) for text, label in rows if text and label]
    return [text for text, _ in rows], [label for _, label in rows]


def default_model(
    *, representation: str = "auto", model: str | None = None
) -> SentimentModel:
    """Return the model fitted on the shipped examples, fitted once per process.

    Parameters
    ----------
    representation : {"auto", "tfidf", "semantic"}, default="auto"
        See :class:`SentimentModel`.
    model : str, optional
        Embedding model name or folder (default: the configured one).

    Returns
    -------
    SentimentModel
        Shared: do not refit it; :func:`adapt` returns a new model instead.

    Examples
    --------
    >>> default_model(representation="tfidf").predict(["thanks for nothing"]).tolist()
    ['negative']
    """
    resolved = _resolve(representation, model)
    name = configured_model(model) if resolved == "semantic" else None
    return _fitted_default(resolved, name)


@functools.cache
def _fitted_default(representation: str, model: str | None) -> SentimentModel:
    """Fit :class:`SentimentModel` on the shipped examples (cached per setting)."""
    texts, labels = load_examples()
    if representation == "semantic":
        cache_example_embeddings(model)
    return SentimentModel(representation=representation, model=model).fit(texts, labels)


def sentiment_scores(
    texts: Sequence[str], *, model: SentimentModel | None = None
) -> np.ndarray:
    """Return each answer's sentiment from -1 (negative) to 1 (positive).

    Parameters
    ----------
    texts : sequence of str
        Answers, English or Japanese.
    model : SentimentModel, optional
        A fitted model (e.g. from :func:`adapt`); default :func:`default_model`.

    Returns
    -------
    ndarray of shape (len(texts),)
        ``P(positive) - P(negative)`` for each text.

    Examples
    --------
    >>> scores = sentiment_scores(
    ...     ["still waiting for my refund", "注文した商品がまだ届きません",
    ...      "Thank you, the support team was wonderful"],
    ...     model=default_model(representation="tfidf"))
    >>> [bool(s < 0) for s in scores]
    [True, True, False]
    """
    return (model or default_model()).polarity(list(texts))


def sentiment_labels(
    texts: Sequence[str], *, model: SentimentModel | None = None
) -> list[str]:
    """Return each answer's most probable label: negative, neutral or positive.

    Parameters
    ----------
    texts : sequence of str
    model : SentimentModel, optional
        A fitted model; default :func:`default_model`.

    Returns
    -------
    list of str

    Examples
    --------
    >>> sentiment_labels(["not helpful at all", "what are your opening hours?"],
    ...                  model=default_model(representation="tfidf"))
    ['negative', 'neutral']
    """
    return (model or default_model()).predict(list(texts)).tolist()


#: How much one weak label (an answer labelled by its rating) counts against one
#: shipped example: ratings say how a customer feels about the company, not what
#: this answer says, so many weak labels are needed to move the model.
WEAK_LABEL_WEIGHT = 0.3


def adapt(
    model: SentimentModel,
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    weight: float = 1.0,
) -> SentimentModel:
    """Return a new model fitted on the shipped examples plus ``texts``.

    The deployment's own answers teach the model its vocabulary (product names,
    the way its customers complain) while the shipped examples keep it general.

    Parameters
    ----------
    model : SentimentModel
        The model whose settings to keep (usually :func:`default_model`); it is
        not changed.
    texts : sequence of str
        Labelled answers from the deployment.
    labels : sequence of str
        Their labels (:data:`LABELS`).
    weight : float, default=1.0
        How much each of these examples counts against a shipped one; use
        :data:`WEAK_LABEL_WEIGHT` for labels taken from ratings.

    Returns
    -------
    SentimentModel
        A new fitted model.

    Examples
    --------
    >>> base = default_model(representation="tfidf")
    >>> adapted = adapt(base, ["the widget wobbles"] * 5, ["negative"] * 5)
    >>> bool(sentiment_scores(["the widget wobbles"], model=adapted)[0]
    ...      < sentiment_scores(["the widget wobbles"], model=base)[0])
    True
    """
    texts = [str(text) for text in texts]
    labels = [str(label) for label in labels]
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    shipped_texts, shipped_labels = load_examples()
    weights = [1.0] * len(shipped_texts) + [weight] * len(texts)
    fresh = clone(model)
    if isinstance(fresh, SentimentModel) and hasattr(model, "representation_"):
        # Keep the representation the base model actually ran with.
        fresh.set_params(representation=model.representation_)
    return fresh.fit(shipped_texts + texts, shipped_labels + labels, weights)


def weak_labels(
    ratings: Sequence[float | None], *, scale: str = "nps"
) -> list[str | None]:
    """Return the sentiment a rating suggests for its answer, or None if unclear.

    Parameters
    ----------
    ratings : sequence of float or None
        One rating per answer; None where the customer gave none.
    scale : {"nps", "csat"}, default="nps"
        ``"nps"``: 0-6 (detractor) is negative, 9-10 (promoter) positive, 7-8
        (passive) unclear. ``"csat"``: 1-2 negative, 4-5 positive, 3 unclear.

    Returns
    -------
    list of str or None

    Examples
    --------
    >>> weak_labels([0, 6, 7, 9, None])
    ['negative', 'negative', None, 'positive', None]
    >>> weak_labels([1, 3, 5], scale="csat")
    ['negative', None, 'positive']
    """
    if scale not in _SCALES:
        raise ValueError(f"scale must be one of {', '.join(_SCALES)}, got {scale!r}")
    highest_negative, lowest_positive = _SCALES[scale]
    labels: list[str | None] = []
    for rating in ratings:
        if rating is None or rating != rating:  # None or NaN: no rating given
            labels.append(None)
        elif rating <= highest_negative:
            labels.append("negative")
        elif rating >= lowest_positive:
            labels.append("positive")
        else:
            labels.append(None)
    return labels


# The highest rating read as negative and the lowest read as positive.
_SCALES = {"nps": (6, 9), "csat": (2, 4)}


def with_weak_labels(
    texts: Sequence[str],
    ratings: Sequence[float | None],
    *,
    model: SentimentModel | None = None,
    scale: str = "nps",
    weight: float = WEAK_LABEL_WEIGHT,
) -> SentimentModel:
    """Return the model adapted to a deployment, its answers labelled by ratings.

    A detractor's "what should we fix first?" is rarely praise, and a promoter's
    "what did you like?" rarely a complaint. Such labels are noisy, so each counts
    ``weight`` of a shipped example; answers with a passive or no rating are left
    out.

    Parameters
    ----------
    texts : sequence of str
        The deployment's answers.
    ratings : sequence of float or None
        The rating given with each answer.
    model : SentimentModel, optional
        Model whose settings to keep; default :func:`default_model`.
    scale : {"nps", "csat"}, default="nps"
        See :func:`weak_labels`.
    weight : float, default :data:`WEAK_LABEL_WEIGHT`

    Returns
    -------
    SentimentModel
        A new fitted model (the base model is unchanged).

    Examples
    --------
    >>> adapted = with_weak_labels(["the widget wobbles"] * 10, [2] * 10,
    ...                            model=default_model(representation="tfidf"))
    >>> sentiment_labels(["the widget wobbles"], model=adapted)
    ['negative']
    """
    if len(texts) != len(ratings):
        raise ValueError(f"{len(texts)} texts but {len(ratings)} ratings")
    pairs = [
        (str(text), label)
        for text, label in zip(texts, weak_labels(ratings, scale=scale), strict=True)
        if label is not None and str(text).strip()
    ]
    return adapt(
        model or default_model(),
        [text for text, _ in pairs],
        [label for _, label in pairs],
        weight=weight,
    )


@dataclass(frozen=True)
class Disagreement:
    """An answer whose text and rating point in opposite directions.

    Attributes
    ----------
    index : int
        Position of the answer in the input.
    text : str
    rating : float
    rating_label : str
        What the rating suggests (:func:`weak_labels`).
    text_label : str
        What the text says (the model's label).
    score : float
        The text's sentiment score, -1..1.
    """

    index: int
    text: str
    rating: float
    rating_label: str
    text_label: str
    score: float


def disagreements(
    texts: Sequence[str],
    ratings: Sequence[float | None],
    *,
    model: SentimentModel | None = None,
    scale: str = "nps",
) -> list[Disagreement]:
    """Return the answers whose text contradicts their rating, strongest first.

    A detractor who writes praise, or a promoter who writes a complaint, is worth
    a look: the rating may be a slip, or the praise polite and the problem real.
    Passive and missing ratings never disagree.

    Parameters
    ----------
    texts : sequence of str
    ratings : sequence of float or None
    model : SentimentModel, optional
        Default :func:`default_model` (not one adapted to these ratings, which
        would have learned to agree with them).
    scale : {"nps", "csat"}, default="nps"

    Returns
    -------
    list of Disagreement
        Sorted by how far the text's score is from the rating's side.

    Examples
    --------
    >>> found = disagreements(["Still waiting for my refund", "Lovely staff"],
    ...                       [10, 10], model=default_model(representation="tfidf"))
    >>> [(d.index, d.rating_label, d.text_label) for d in found]
    [(0, 'positive', 'negative')]
    """
    if len(texts) != len(ratings):
        raise ValueError(f"{len(texts)} texts but {len(ratings)} ratings")
    expected = weak_labels(ratings, scale=scale)
    model = model or default_model()
    probabilities = model.predict_proba(list(texts))
    text_labels = _labels(probabilities, model.negative_threshold)
    found = []
    for index, (text, rating, rating_label) in enumerate(
        zip(texts, ratings, expected, strict=True)
    ):
        text_label = str(text_labels[index])
        opposite = {"negative": "positive", "positive": "negative"}.get(
            rating_label or ""
        )
        if rating is not None and text_label == opposite:
            score = float(probabilities[index, 2] - probabilities[index, 0])
            found.append(
                Disagreement(
                    index,
                    str(text),
                    float(rating),
                    rating_label or "",
                    text_label,
                    score,
                )
            )
    return sorted(found, key=lambda d: -abs(d.score))
