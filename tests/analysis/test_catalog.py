"""Tests for analysis.catalog: reading, validating and learning from the catalog."""

import re
from pathlib import Path

import pytest

import analysis.routing
from analysis.catalog import (
    Catalog,
    CatalogError,
    default_catalog_path,
    load_catalog,
    parse_catalog,
    training_data,
)

REPO = Path(__file__).resolve().parents[2]
SHIPPED_CATALOG = REPO / "surveys" / "departments.yaml"
# Kana or kanji (also half-width katakana) marks an example written in Japanese.
JAPANESE_SCRIPT = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uff66-\uff9f]")
SLUGS = (
    "cx",
    "ui-design",
    "sales",
    "marketing",
    "outreach",
    "branding",
    "tech",
    "product",
    "client-success",
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The shipped department catalog."""
    return load_catalog(SHIPPED_CATALOG)


# --- catalog ---------------------------------------------------------------------

CATALOG_MISTAKES = [
    pytest.param(
        """\
        departments:
          - name: Tech
            examples: [crash]
          - {slug: sales, name: Sales, examples: [price]}
        """,
        [":2: ", "department #1", "field 'slug'", "expected text, got nothing"],
        id="missing-slug",
    ),
    pytest.param(
        """\
        departments:
          - slug: tech
            examples: [crash]
          - {slug: sales, name: Sales, examples: [price]}
        """,
        [":2: ", "department 'tech'", "field 'name'", "expected text, got nothing"],
        id="missing-name",
    ),
    pytest.param(
        """\
        departments:
          - {slug: tech, name: Tech, examples: [crash]}
          - {slug: sales, name: Sales, examples: [price]}
          - {slug: tech, name: Tech again, examples: [bug]}
        """,
        [":4: ", "department 'tech'", "field 'slug'", "unique slug", "line 2"],
        id="duplicate-slug",
    ),
    pytest.param(
        """\
        departments:
          - {slug: tech, name: Tech, examples: [crash]}
          - slug: Client Success
            name: Client success
            examples: [onboarding]
        """,
        [":3: ", "department 'Client Success'", "field 'slug'", "lower-case"],
        id="bad-slug-format",
    ),
    pytest.param(
        """\
        departments:
          - {slug: tech, name: Tech, examples: [crash]}
          - slug: sales
            name: Sales
            examples: []
        """,
        [":5: ", "department 'sales'", "field 'examples'", "got an empty list"],
        id="empty-examples",
    ),
    pytest.param(
        """\
        departments:
          - {slug: tech, name: Tech, examples: [crash]}
          - slug: sales
            name: Sales
            examples: too expensive
        """,
        [":5: ", "department 'sales'", "field 'examples'", "a list of phrases"],
        id="examples-not-a-list",
    ),
    pytest.param(
        """\
        departments:
          - {slug: tech, name: Tech, examples: [crash]}
          - slug: sales
            name: Sales
            keywords: [price, 404]
            examples: [too expensive]
        """,
        [":5: ", "department 'sales'", "field 'keywords'", "got a number"],
        id="keyword-not-text",
    ),
    pytest.param(
        """\
        departments:
          - {slug: tech, name: 42, examples: [crash]}
          - {slug: sales, name: Sales, examples: [price]}
        """,
        [":2: ", "department 'tech'", "field 'name'", "expected text, got a number"],
        id="name-not-text",
    ),
    pytest.param(
        """\
        departments:
          - {slug: tech, name: Tech, examples: [crash]}
          - slug: sales
            name: Sales
            exmaples: [too expensive]
        """,
        [":5: ", "department 'sales'", "field 'exmaples'", "unknown field"],
        id="unknown-field",
    ),
    pytest.param(
        """\
        departments:
          slug: tech
        """,
        [":1: ", "field 'departments'", "expected a list, got a mapping"],
        id="departments-not-a-list",
    ),
    pytest.param(
        """\
        departments:
          - {slug: tech, name: Tech, examples: [crash]}
        """,
        [":1: ", "field 'departments'", "at least two departments"],
        id="one-department",
    ),
    pytest.param("", ["departments", "empty file"], id="empty-file"),
]


@pytest.mark.parametrize(("content", "fragments"), CATALOG_MISTAKES)
def test_catalog_mistake_names_file_line_department_and_field(
    write_file, content: str, fragments: list[str]
) -> None:
    path = write_file("departments.yaml", content)
    with pytest.raises(CatalogError) as raised:
        load_catalog(path)
    message = next(
        (m for m in raised.value.errors if all(f in m for f in fragments)), None
    )
    assert message is not None, raised.value.errors
    assert message.startswith(str(path))


def test_bad_yaml_is_reported_with_its_line(write_file) -> None:
    path = write_file(
        "departments.yaml",
        """\
        departments:
          - slug: tech
            name: Tech
            examples: ["crash", "bug"
          - slug: sales
        """,
    )
    with pytest.raises(CatalogError, match=r":[45]: this is not valid YAML") as raised:
        load_catalog(path)
    assert str(path) in str(raised.value)


def test_every_mistake_is_reported_at_once(write_file) -> None:
    path = write_file(
        "departments.yaml",
        """\
        departments:
          - {slug: Tech, name: Tech, examples: [crash]}
          - {slug: sales, examples: []}
        """,
    )
    with pytest.raises(CatalogError) as raised:
        load_catalog(path)
    fields = {re.search(r"field '(\w+)'", m)[1] for m in raised.value.errors}
    assert fields == {"slug", "name", "examples"}
    assert str(raised.value) == "\n".join(raised.value.errors)
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "file not found"),
        (b"departments:\n  - slug: caf\xe9\n", "not UTF-8"),
    ],
)
def test_unreadable_catalog_file_is_a_catalog_error(
    tmp_path: Path, write_file, content: bytes | None, expected: str
) -> None:
    path = tmp_path / "missing.yaml"
    if content is not None:
        path = write_file("latin1.yaml", content)
    with pytest.raises(CatalogError, match=expected) as raised:
        load_catalog(path)
    assert str(path) in raised.value.errors[0]


def test_valid_catalog_keeps_order_and_defaults_optional_fields(
    two_departments: str,
) -> None:
    catalog = parse_catalog(two_departments)
    assert catalog.slugs == ("tech", "sales")
    tech = catalog.department("tech")
    assert (tech.description, tech.keywords) == ("", ())
    assert tech.examples == ("the app crashes", "error on login")
    with pytest.raises(KeyError):
        catalog.department("legal")


def test_shipped_catalog_has_the_nine_departments(catalog: Catalog) -> None:
    assert catalog.slugs == SLUGS
    for department in catalog.departments:
        assert department.name
        assert department.description
        assert department.keywords
        japanese = [e for e in department.examples if JAPANESE_SCRIPT.search(e)]
        english_count = len(department.examples) - len(japanese)
        assert 25 <= english_count <= 40, department.slug
        assert 25 <= len(japanese) <= 40, department.slug


def test_default_catalog_is_found_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert default_catalog_path() == SHIPPED_CATALOG


# --- training data ---------------------------------------------------------------


def test_training_data_uses_description_keywords_examples_and_corrections() -> None:
    catalog = parse_catalog(
        """\
        departments:
          - slug: tech
            name: Tech
            description: Bugs and outages.
            keywords: [bug]
            examples: [it crashes]
          - {slug: sales, name: Sales, examples: [too expensive]}
        """
    )
    texts, labels = training_data(catalog, [("wrong invoice", "sales")])
    assert list(zip(texts, labels, strict=True)) == [
        ("Bugs and outages.", "tech"),
        ("bug", "tech"),
        ("it crashes", "tech"),
        ("too expensive", "sales"),
        ("wrong invoice", "sales"),
    ]


def test_correction_to_unknown_department_is_refused(two_departments: str) -> None:
    with pytest.raises(ValueError, match=r"'legal'.*not in the catalog"):
        training_data(parse_catalog(two_departments), [("the terms", "legal")])


def test_routing_still_exports_the_catalog_api() -> None:
    # The app imports these from analysis.routing, where they used to live.
    for name in ("Catalog", "CatalogError", "Department", "load_catalog"):
        assert getattr(analysis.routing, name) is getattr(analysis.catalog, name)
    assert analysis.routing.training_data is training_data


def test_a_field_given_twice_is_reported_not_silently_overwritten(write_file) -> None:
    path = write_file(
        "departments.yaml",
        """\
        departments:
          - slug: tech
            name: Tech
            name: Engineering
            examples: [crash]
          - {slug: sales, name: Sales, examples: [price]}
        """,
    )
    with pytest.raises(CatalogError) as raised:
        load_catalog(path)
    assert raised.value.errors == [
        f"{path}:4: department 'tech': field 'name': expected each field once, "
        "got it twice"
    ]
