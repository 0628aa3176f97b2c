"""analysis/ stays usable on its own: no module pulls in Flask or the app.

Each module is imported in a fresh interpreter, because ``sys.modules`` in this test
process already holds whatever other tests imported. Modules are found by globbing
``analysis/`` when the tests are collected, so new modules are checked as they land.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]
SUBMODULES = sorted(
    f"analysis.{path.stem}"
    for path in (REPO / "analysis").glob("*.py")
    if path.stem != "__init__"
)
MODULES = ["analysis", *SUBMODULES]
# scores sits on the web request path: it must stay light.
LIGHT_MODULES = {"analysis.scores"}
HEAVY = ("sklearn", "nltk", "matplotlib")
FORBIDDEN = ("flask", "cat_survey")


def modules_after_import(module: str) -> set[str]:
    """Top-level names in ``sys.modules`` after importing ``module`` afresh."""
    code = textwrap.dedent(
        f"""
        import importlib, json, sys
        importlib.import_module({module!r})
        print(json.dumps(sorted({{name.split(".")[0] for name in sys.modules}})))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout))


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_neither_flask_nor_the_app(module: str) -> None:
    loaded = modules_after_import(module)
    offenders = {name for name in loaded if name.startswith(FORBIDDEN)}
    assert not offenders, f"{module} imports {sorted(offenders)}"


@pytest.mark.parametrize("module", sorted(LIGHT_MODULES))
def test_light_module_imports_no_heavy_library(module: str) -> None:
    if module not in MODULES:
        pytest.skip(f"{module} does not exist yet")
    loaded = modules_after_import(module)
    assert not loaded & set(HEAVY), f"{module} imports {sorted(loaded & set(HEAVY))}"


def test_the_check_can_fail() -> None:
    # Guards against a vacuous pass: the same probe does see a heavy import.
    assert "sklearn" in modules_after_import("sklearn.base")
