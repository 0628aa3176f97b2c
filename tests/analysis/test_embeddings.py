"""Tests for analysis.embeddings: offline loading, the memo, the representation."""

import numpy as np
import pytest

from analysis.embeddings import (
    DEFAULT_MODEL,
    MODEL_SETTING,
    EmbeddingUnavailable,
    Encoder,
    configured_model,
    load_encoder,
    resolve_representation,
    semantic_available,
)


def test_the_setting_names_the_model_unless_one_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(MODEL_SETTING, raising=False)
    assert configured_model() == DEFAULT_MODEL == "all-MiniLM-L6-v2"
    monkeypatch.setenv(MODEL_SETTING, "/models/mine")
    assert configured_model() == "/models/mine"
    assert configured_model("explicit") == "explicit"


def test_encoder_gives_unit_float32_rows(encoder: Encoder) -> None:
    vectors = encoder.encode(["my card has not arrived", "the app keeps crashing"])
    assert vectors.shape == (2, encoder.dimension) == (2, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


def test_similar_meaning_is_closer_than_shared_words(encoder: Encoder) -> None:
    card, late, crash = encoder.encode(
        [
            "my card has not arrived",
            "still waiting for the card to be delivered",
            "the card screen crashes the app",
        ]
    )
    assert card @ late > card @ crash


def test_each_text_is_embedded_once_per_process(encoder: Encoder) -> None:
    texts = ["a question asked once about refunds", "another about fees"]
    first = encoder.encode(texts)
    calls = []
    original = encoder._model.encode

    def counting(batch: list[str], **options: object) -> np.ndarray:
        calls.append(list(batch))
        return original(batch, **options)

    encoder._model.encode = counting  # type: ignore[method-assign]
    try:
        again = encoder.encode([texts[1], "something new entirely", texts[0]])
    finally:
        encoder._model.encode = original  # type: ignore[method-assign]
    assert calls == [["something new entirely"]]
    np.testing.assert_array_equal(again[[2, 0]], first)


def test_load_encoder_is_cached_per_model(
    encoder: Encoder, embedding_model_path: str
) -> None:
    assert load_encoder(embedding_model_path) is encoder
    assert semantic_available(embedding_model_path)


@pytest.mark.parametrize("missing", ["/no/such/model/folder", "no-such-org/no-model"])
def test_a_missing_model_is_unavailable_never_downloaded(missing: str) -> None:
    with pytest.raises(EmbeddingUnavailable, match=MODEL_SETTING) as raised:
        load_encoder(missing)
    assert "--model" in str(raised.value)
    assert not semantic_available(missing)


def test_resolve_representation(embedding_model_path: str) -> None:
    assert resolve_representation("tfidf", "/no/such/model") == "tfidf"
    assert resolve_representation("auto", "/no/such/model") == "tfidf"
    assert resolve_representation("auto", embedding_model_path) == "semantic"
    assert resolve_representation("semantic", embedding_model_path) == "semantic"
    with pytest.raises(EmbeddingUnavailable, match=MODEL_SETTING):
        resolve_representation("semantic", "/no/such/model")
    with pytest.raises(ValueError, match="representation must be one of"):
        resolve_representation("bert")


def test_remembered_vectors_are_returned_without_running_the_model(encoder):
    stored = np.full((1, encoder.dimension), 1 / np.sqrt(encoder.dimension))
    encoder.remember(["a text the app embedded in an earlier run"], stored)
    again = encoder.encode(["a text the app embedded in an earlier run"])
    np.testing.assert_allclose(again, stored.astype(np.float32))
