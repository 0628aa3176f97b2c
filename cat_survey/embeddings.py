"""Stored sentence embeddings: each answer is embedded once per model, then read back.

Embedding is the slow step of the ``semantic`` theme representation (a few
hundred answers a second on two cores), while reading a stored vector is a row
lookup. So ``flask analyze`` asks :func:`answer_vectors` for the vectors of the
answers in scope: it reads those stored for the configured model and embeds only
the answers that lack one, in chunks, committing each chunk so that an
interrupted first run keeps what it computed. Rows are inserted with "on
conflict do nothing" on the (answer, model) key, so two runs at once store one
vector per answer on SQLite and PostgreSQL alike. An erased answer takes its
vectors with it (:func:`cat_survey.privacy.erase_customer`).

The encoder comes from :mod:`analysis.embeddings`; the setting is the app's
``EMBEDDING_MODEL`` (``CAT_SURVEY_EMBEDDING_MODEL`` in the environment).
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from analysis.embeddings import load_encoder
from cat_survey.db import Model, affected_rows, db
from cat_survey.models import AnswerEmbedding

if TYPE_CHECKING:  # the analysis package is heavy; loading it waits for a run
    from analysis.embeddings import Encoder

#: Answers embedded, and stored, per transaction.
EMBED_CHUNK = 256
#: Answer ids per ``IN (...)`` when reading vectors back.
READ_CHUNK = 500
#: Stored vectors are little-endian float32, whatever the machine.
VECTOR_DTYPE = np.dtype("<f4")


def insert_ignoring_duplicates(model: type[Model]) -> Any:
    """An INSERT into ``model``'s table that skips rows whose key already exists.

    Both databases spell it ``ON CONFLICT DO NOTHING``; SQLAlchemy builds it per
    dialect.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).on_conflict_do_nothing()


def configured_encoder() -> "Encoder":
    """The app's embedding model (``EMBEDDING_MODEL``), loaded once per process.

    Raises ``analysis.embeddings.EmbeddingUnavailable`` when it cannot load.
    """
    return load_encoder(current_app.config.get("EMBEDDING_MODEL") or None)


def stored_vectors(answer_ids: Sequence[int], model: str) -> dict[int, np.ndarray]:
    """The vectors already stored for these answers under ``model``, by answer id."""
    found: dict[int, np.ndarray] = {}
    for start in range(0, len(answer_ids), READ_CHUNK):
        rows = db.session.execute(
            db.select(AnswerEmbedding.answer_id, AnswerEmbedding.vector).where(
                AnswerEmbedding.model == model,
                AnswerEmbedding.answer_id.in_(answer_ids[start : start + READ_CHUNK]),
            )
        )
        for answer_id, vector in rows:
            found[answer_id] = np.frombuffer(vector, dtype=VECTOR_DTYPE)
    return found


def answer_vectors(
    answer_ids: Sequence[int],
    texts: Sequence[str],
    encoder: "Encoder",
    *,
    chunk: int = EMBED_CHUNK,
) -> tuple[np.ndarray, int]:
    """Unit vectors of these answers, in order, embedding only those not stored.

    The encoder remembers the vectors, so later ``encode`` calls in this process
    (the router's, the sentiment model's) reuse them.

    ``texts`` are the answers' texts, in the order of ``answer_ids``. Each chunk
    of new vectors is committed as soon as it is computed. Returns the
    ``(len(answer_ids), encoder.dimension)`` float32 matrix and how many answers
    were embedded now.
    """
    if len(answer_ids) != len(texts):
        raise ValueError("one text per answer id")
    ids = list(answer_ids)
    vectors = stored_vectors(ids, encoder.name)
    # A vector of another length was stored by another model under this name.
    vectors = {k: v for k, v in vectors.items() if v.shape[0] == encoder.dimension}
    missing = [i for i, answer_id in enumerate(ids) if answer_id not in vectors]
    for start in range(0, len(missing), chunk):
        positions = missing[start : start + chunk]
        computed = encoder.encode([texts[i] for i in positions]).astype(VECTOR_DTYPE)
        rows = []
        for position, vector in zip(positions, computed, strict=True):
            vectors[ids[position]] = vector
            rows.append(
                {
                    "answer_id": ids[position],
                    "model": encoder.name,
                    "dimension": encoder.dimension,
                    "vector": vector.tobytes(),
                }
            )
        db.session.execute(insert_ignoring_duplicates(AnswerEmbedding), rows)
        db.session.commit()
    if not ids:
        return np.zeros((0, encoder.dimension), dtype=np.float32), 0
    matrix = np.stack([vectors[answer_id] for answer_id in ids]).astype(np.float32)
    # Routing and sentiment read the same texts through this encoder: hand it the
    # stored vectors so that they never run the model on these answers again.
    encoder.remember(texts, matrix)
    return matrix, len(missing)


def forget_vectors(answer_ids: Sequence[int]) -> int:
    """Delete every stored vector of these answers (all models); return how many."""
    deleted = 0
    ids = list(answer_ids)
    for start in range(0, len(ids), READ_CHUNK):
        deleted += affected_rows(
            db.session.execute(
                db.delete(AnswerEmbedding).where(
                    AnswerEmbedding.answer_id.in_(ids[start : start + READ_CHUNK])
                )
            )
        )
    return deleted
