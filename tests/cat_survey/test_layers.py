"""The import rules of the layers: customer code never loads staff code.

Each check imports one module in a fresh interpreter, because the test process
has long since imported the whole app, and lists the ``cat_survey`` modules that
came with it.
"""

import json
import subprocess
import sys

import pytest

#: Modules only staff pages need: administration, sign-in, the dashboard, themes.
STAFF_MODULES = (
    "cat_survey.admin",
    "cat_survey.auth",
    "cat_survey.reports",
    "cat_survey.themes.views",
)
#: Modules that serve requests: a domain module must not need any of them.
VIEW_MODULES = (
    "cat_survey.admin.views",
    "cat_survey.survey.views",
    "cat_survey.api.views",
    "cat_survey.auth.views",
    "cat_survey.reports.views",
    "cat_survey.themes.views",
)


def modules_loaded_by(module: str) -> list[str]:
    """The ``cat_survey`` modules a fresh interpreter holds after importing one."""
    script = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        "names = [n for n in sys.modules if n.startswith('cat_survey')]\n"
        "print(json.dumps(sorted(names)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(result.stdout)


def loaded_among(loaded: list[str], packages: tuple[str, ...]) -> list[str]:
    """The loaded modules that are one of ``packages`` or inside one of them."""
    return [
        name
        for name in loaded
        if any(name == prefix or name.startswith(prefix + ".") for prefix in packages)
    ]


def test_flow_engine_loads_no_staff_code_views_or_database():
    loaded = modules_loaded_by("cat_survey.domain.flow")
    assert "cat_survey.domain.flow" in loaded
    assert loaded_among(loaded, STAFF_MODULES) == []
    assert loaded_among(loaded, VIEW_MODULES) == []
    # The engine is pure: the database comes in with the response writer only.
    assert "cat_survey.db" not in loaded


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("cat_survey.domain.responses", STAFF_MODULES + VIEW_MODULES),
        ("cat_survey.survey.views", STAFF_MODULES),
        ("cat_survey.survey.forms", STAFF_MODULES),
        ("cat_survey.api.views", STAFF_MODULES),
        ("cat_survey.extensions", STAFF_MODULES),
    ],
)
def test_customer_code_loads_no_staff_code(module, forbidden):
    loaded = modules_loaded_by(module)
    assert module in loaded
    assert loaded_among(loaded, forbidden) == []
