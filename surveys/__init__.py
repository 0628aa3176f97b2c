"""The survey definitions and the department catalog that ship with cat-survey.

This folder is a package so that an installed copy finds its files the same way a
checkout does: through :func:`importlib.resources`, never through a path computed
from wherever the code happens to live.
"""

from importlib.resources import files
from pathlib import Path

__all__ = ["departments_file", "surveys_dir"]


def surveys_dir() -> Path:
    """The folder of shipped ``<slug>.yaml`` survey definitions."""
    return Path(str(files(__name__)))


def departments_file() -> Path:
    """The shipped department catalog, ``departments.yaml``."""
    return surveys_dir() / "departments.yaml"
