"""The stored run: the latest finished run and the model it keeps, sealed.

``--assign-new`` places answers with the model of the latest run, so that model
is stored in the database between runs. Three rules keep that copy safe:

* **No answer text.** :func:`without_answer_texts` keeps only what placing new
  answers needs (the router and each department's language spaces): a theme's
  quotes, the fitted labels and term centroids stay out. Quotes are answer ids
  on the ``theme`` row, looked up when shown. The vocabularies still hold
  single words of the answers the model was fitted on, so erasing a customer
  drops every stored model (:func:`forget_stored_models`), and the next
  ``--assign-new`` fits anew.
* **One copy.** After each run, the models of older runs are dropped
  (:func:`prune_stored_models`): identity between runs is decided from theme
  memberships and centroids, and ``--assign-new`` reads only the latest run.
  The older runs' rows stay as the record of what each run did.
* **Trusted or refused.** The model is pickled, so it is sealed with an HMAC
  keyed by the app's secret key, together with the versions of the libraries
  that wrote it (:func:`seal_model`). :func:`open_model` refuses a model whose
  seal does not match or that another version of Python, NumPy, SciPy,
  scikit-learn or sentence-transformers wrote, with a message that says which;
  a refused model is fitted anew, never loaded.
"""

import copy
import hashlib
import hmac
import json
import pickle  # nosec B403 - loaded only after its HMAC seal is verified
import sys
import zlib
from importlib import metadata
from typing import Any

from flask import current_app

from cat_survey.analyze.fitting import RoutedPlacer
from cat_survey.analyze.scope import AnalysisError
from cat_survey.db import affected_rows, db
from cat_survey.models import AnalysisRun

#: What every sealed model starts with; a new layout gets a new number.
MODEL_FORMAT = b"cat-survey theme model 2\n"
#: Bytes of the HMAC-SHA256 seal after the format line.
SEAL_SIZE = hashlib.sha256().digest_size
#: The libraries whose version must match for a pickled model to be trusted.
LIBRARIES = ("numpy", "scipy", "scikit-learn")
SEMANTIC_LIBRARIES = ("sentence-transformers",)
#: Attributes of a fitted ThemeModel that placing new answers needs.
PLACING_ATTRIBUTES = ("spaces_", "representations_", "representation_", "n_themes_")


class ModelRefused(AnalysisError):
    """A stored model that this code cannot trust, or that is gone: fit anew."""


def library_versions(*, semantic: bool) -> dict[str, str]:
    """The versions a pickled model depends on: Python (major.minor) and libraries."""
    names = LIBRARIES + (SEMANTIC_LIBRARIES if semantic else ())
    versions = {"python": f"{sys.version_info.major}.{sys.version_info.minor}"}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def seal_model(model: RoutedPlacer, *, semantic: bool) -> bytes:
    """The model without answer texts, compressed and signed with its versions."""
    header = json.dumps(library_versions(semantic=semantic), sort_keys=True).encode()
    payload = zlib.compress(
        pickle.dumps(without_answer_texts(model), protocol=pickle.HIGHEST_PROTOCOL)
    )
    body = len(header).to_bytes(4, "big") + header + payload
    return MODEL_FORMAT + signature(body) + body


def open_model(run: AnalysisRun) -> RoutedPlacer:
    """The run's model, if its seal holds and its libraries match; else refuse."""
    data = run.model
    if data is None:
        raise ModelRefused(f"analysis run {run.id} keeps no model (pruned or erased)")
    if not data.startswith(MODEL_FORMAT):
        raise ModelRefused(f"analysis run {run.id} stored its model in an old format")
    rest = data[len(MODEL_FORMAT) :]
    seal, body = rest[:SEAL_SIZE], rest[SEAL_SIZE:]
    if not hmac.compare_digest(seal, signature(body)):
        raise ModelRefused(
            f"the model of analysis run {run.id} is not signed with this app's "
            "secret key (changed key, or altered data)"
        )
    length = int.from_bytes(body[:4], "big")
    written_with = json.loads(body[4 : 4 + length])
    now = library_versions(semantic="sentence-transformers" in written_with)
    changed = [
        f"{name} {written_with.get(name)} (now {version})"
        for name, version in now.items()
        if written_with.get(name) != version
    ]
    if changed:
        raise ModelRefused(
            f"the model of analysis run {run.id} was written with {', '.join(changed)}"
        )
    # Signed by this app with its secret key, by the same library versions.
    return pickle.loads(zlib.decompress(body[4 + length :]))  # nosec B301


def signature(body: bytes) -> bytes:
    """HMAC-SHA256 of a sealed model's body, keyed from the app's secret key."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else bytes(secret)
    # A key of its own, so that no other signature of the app can stand in.
    key = hmac.new(secret, b"cat-survey stored theme model", hashlib.sha256).digest()
    return hmac.new(key, MODEL_FORMAT + body, hashlib.sha256).digest()


def without_answer_texts(model: RoutedPlacer) -> RoutedPlacer:
    """A copy of the model with only what placing new answers needs.

    Each department's theme model keeps its parameters and its language spaces
    (vocabulary, weights, centres); its themes (with their quotes), fitted
    labels and term centroids are left out. The router keeps its vectorizers
    and classifier.
    """
    models = {}
    for group, fitted in model.models.items():
        bare = type(fitted)(**fitted.get_params())
        for name in PLACING_ATTRIBUTES:
            if hasattr(fitted, name):
                setattr(bare, name, getattr(fitted, name))
        models[group] = bare
    return RoutedPlacer(without_stop_words(model.router), models, model.themes_of)


def without_stop_words(router: Any) -> Any:
    """The router, minus the words its vectorizers dropped (kept for introspection)."""
    router = copy.copy(router)
    for name in ("word_vectorizer_", "char_vectorizer_"):
        vectorizer = getattr(router, name, None)
        if vectorizer is not None and hasattr(vectorizer, "stop_words_"):
            vectorizer = copy.copy(vectorizer)
            del vectorizer.stop_words_
            setattr(router, name, vectorizer)
    return router


def latest_run() -> AnalysisRun | None:
    """The most recent finished run (its model may have been erased since)."""
    return db.session.scalar(
        db.select(AnalysisRun)
        .where(AnalysisRun.finished_at.is_not(None))
        .order_by(AnalysisRun.id.desc())
        .limit(1)
    )


def prune_stored_models(keep: AnalysisRun) -> int:
    """Drop the models of every run before ``keep``; return how many."""
    return affected_rows(
        db.session.execute(
            db.update(AnalysisRun)
            .where(AnalysisRun.id < keep.id, AnalysisRun.model.is_not(None))
            .values(model=None)
        )
    )


def forget_stored_models() -> int:
    """Drop every stored model (their vocabularies hold answers' words)."""
    return affected_rows(
        db.session.execute(
            db.update(AnalysisRun)
            .where(AnalysisRun.model.is_not(None))
            .values(model=None)
        )
    )
