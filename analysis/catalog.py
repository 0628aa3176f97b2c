"""The department catalog: which teams a comment can be routed to, and what they own.

The catalog (``surveys/departments.yaml``) is data an organisation edits, so
:func:`load_catalog` validates it and reports every mistake with its file, line,
department and field, all at once. :func:`training_data` turns a catalog, plus the
corrections advocates make in the app, into the labelled phrases the router in
:mod:`analysis.routing` learns from. Nothing here needs scikit-learn.
"""

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.yaml_source import (
    Located,
    YamlSyntaxError,
    describe,
    line_of,
    load_yaml,
    located,
)
from surveys import departments_file

__all__ = [
    "Catalog",
    "CatalogError",
    "Department",
    "default_catalog_path",
    "load_catalog",
    "parse_catalog",
    "training_data",
]


SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
CATALOG_FIELDS = ("slug", "name", "description", "keywords", "examples")


class CatalogError(ValueError):
    """A department catalog that cannot be used, with every mistake found in it.

    Parameters
    ----------
    errors : list of str
        One message per mistake, each naming the file, line, department and field.

    Attributes
    ----------
    errors : list of str
        The same messages, so a command line can print them all at once.
    """

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))

    def __reduce__(self) -> tuple[type, tuple[list[str]]]:
        """Rebuild from the list of mistakes (the default would pass the message)."""
        return (type(self), (self.errors,))


@dataclass(frozen=True)
class Department:
    """One department of the catalog: who it is and what customers say to it."""

    slug: str
    name: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalog:
    """The departments a comment can be routed to, in the order the file lists them."""

    departments: tuple[Department, ...]

    @property
    def slugs(self) -> tuple[str, ...]:
        """Slugs of all departments, in catalog order."""
        return tuple(department.slug for department in self.departments)

    def department(self, slug: str) -> Department:
        """Return the department with this slug; raise ``KeyError`` if none has it."""
        for department in self.departments:
            if department.slug == slug:
                return department
        raise KeyError(slug)


def default_catalog_path() -> Path:
    """Return the catalog to use when none is named.

    ``surveys/departments.yaml`` under the current directory wins, so an
    organisation's own copy is used; otherwise the repository's shipped file.

    Returns
    -------
    pathlib.Path
        An existing file.

    Raises
    ------
    FileNotFoundError
        When neither file exists.

    Examples
    --------
    >>> default_catalog_path().name
    'departments.yaml'
    """
    candidates = (Path.cwd() / "surveys" / "departments.yaml", departments_file())
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = " or ".join(str(candidate) for candidate in candidates)
    raise FileNotFoundError(f"no department catalog found (looked for {tried})")


def load_catalog(path: str | os.PathLike[str]) -> Catalog:
    """Read and validate a department catalog file.

    Parameters
    ----------
    path : str or path-like
        A YAML file with a ``departments`` list (see ``surveys/departments.yaml``).

    Returns
    -------
    Catalog
        The departments in file order.

    Raises
    ------
    CatalogError
        Listing every mistake (unreadable file, bad YAML, missing or mistyped
        field, bad or duplicate slug, no examples), each with file and line.

    Examples
    --------
    >>> catalog = load_catalog(default_catalog_path())
    >>> catalog.slugs[:3]
    ('cx', 'ui-design', 'sales')
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError([f"{path}: file not found"]) from None
    except UnicodeDecodeError as exc:
        message = f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8"
        raise CatalogError([message]) from None
    except OSError as exc:
        raise CatalogError([f"{path}: cannot be read ({exc.strerror})"]) from None
    return parse_catalog(text, source=str(path))


def parse_catalog(text: str, *, source: str = "<catalog>") -> Catalog:
    """Validate catalog YAML given as a string (for example from an admin form).

    Parameters
    ----------
    text : str
        The YAML document.
    source : str, optional
        What to call the document in error messages, usually its file name.

    Returns
    -------
    Catalog
        The departments in document order.

    Raises
    ------
    CatalogError
        Listing every mistake, as :func:`load_catalog` does.

    Examples
    --------
    >>> catalog = parse_catalog('''
    ... departments:
    ...   - slug: tech
    ...     name: Tech
    ...     examples: ["the app crashes"]
    ...   - slug: sales
    ...     name: Sales
    ...     examples: ["too expensive"]
    ... ''')
    >>> catalog.department("tech").examples
    ('the app crashes',)
    >>> try:
    ...     parse_catalog("departments: [{slug: Tech}]", source="d.yaml")
    ... except CatalogError as error:
    ...     for message in error.errors:  # doctest: +NORMALIZE_WHITESPACE
    ...         print(message)
    d.yaml:1: field 'departments': expected at least two departments (routing
        chooses between them), got 1
    d.yaml:1: department 'Tech': field 'slug': expected lower-case letters,
        digits and single hyphens, got 'Tech'
    d.yaml:1: department 'Tech': field 'name': expected text, got nothing
        (missing)
    d.yaml:1: department 'Tech': field 'examples': expected a list of phrases,
        got nothing
    """
    try:
        root = load_yaml(text, source)
    except YamlSyntaxError as error:
        raise CatalogError([str(error)]) from None
    return _CatalogReader(source).catalog(root)


class _CatalogReader:
    """Checks the loaded YAML, so every mistake can be reported with its line.

    ``department`` arguments are how a message names the department: its slug
    once known, its position in the list before that.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[str] = []

    def catalog(self, root: Any) -> Catalog:
        """Return the catalog, or raise CatalogError with all mistakes found."""
        expected = "a mapping with a 'departments' list"
        if root is None:
            self.error(None, None, None, f"{expected}, got an empty file")
        elif not isinstance(root, Located):
            self.error(None, None, None, f"{expected}, got {describe(root)}")
        departments: list[Department] = []
        if isinstance(root, Located):
            self.check_keys(root, None, ("departments",))
            if "departments" in root:
                line = line_of(root, "departments")
                departments = self.departments(root["departments"], line)
            else:
                self.error(root.line, None, "departments", "a list, got nothing")
        if self.errors:
            raise CatalogError(self.errors)
        return Catalog(departments=tuple(departments))

    def departments(self, items: Any, line: int | None) -> list[Department]:
        """Read the ``departments`` list, checking that slugs are unique."""
        if not isinstance(items, list):
            self.error(line, None, "departments", f"a list, got {describe(items)}")
            return []
        if len(items) < 2:
            expected = "at least two departments (routing chooses between them)"
            self.error(line, None, "departments", f"{expected}, got {len(items)}")
        departments = []
        first_line: dict[str, int | None] = {}
        for position, item in enumerate(items, start=1):
            department = self.department(item, position, line)
            if department is None:
                continue
            if department.slug in first_line:
                used = first_line[department.slug]
                expected = f"a unique slug, got one already used on line {used}"
                self.error(line_of(item), repr(department.slug), "slug", expected)
                continue
            first_line[department.slug] = line_of(item)
            departments.append(department)
        return departments

    def department(
        self, item: Any, position: int, list_line: int | None
    ) -> Department | None:
        """Read one department; return None when a field is unusable."""
        label = f"#{position}"
        if not isinstance(item, Located):
            expected = "a mapping with slug, name and examples"
            self.error(list_line, label, None, f"{expected}, got {describe(item)}")
            return None
        slug = self.text(item, label, "slug", required=True)
        if slug is not None:
            label = repr(slug)
            if not SLUG_PATTERN.fullmatch(slug):
                expected = "lower-case letters, digits and single hyphens"
                self.error(
                    line_of(item, "slug"), label, "slug", f"{expected}, got {slug!r}"
                )
                slug = None
        self.check_keys(item, label, CATALOG_FIELDS)
        name = self.text(item, label, "name", required=True)
        description = self.text(item, label, "description", required=False)
        keywords = self.phrases(item, label, "keywords", required=False)
        examples = self.phrases(item, label, "examples", required=True)
        if slug is None or name is None or keywords is None or examples is None:
            return None
        return Department(slug, name, description or "", keywords, examples)

    def check_keys(
        self, mapping: Located, department: str | None, known: tuple[str, ...]
    ) -> None:
        """Report unknown fields, and fields given twice (YAML keeps the last)."""
        for key in mapping:
            if key not in known:
                expected = f"one of {', '.join(known)} (unknown field)"
                if known == ("departments",):
                    expected = "only 'departments' at the top"
                self.error(line_of(mapping, key), department, str(key), expected)
        for key, line in mapping.repeated_keys.items():
            self.error(line, department, str(key), "each field once, got it twice")

    def text(
        self, item: Located, department: str, field: str, *, required: bool
    ) -> str | None:
        """Return a field's text; None (with an error if required) when unusable."""
        if field not in item:
            if required:
                self.error(item.line, department, field, "text, got nothing (missing)")
            return None
        value, line = item[field], line_of(item, field)
        if not isinstance(value, str):
            self.error(line, department, field, f"text, got {describe(value)}")
            return None
        if required and not value.strip():
            self.error(line, department, field, "text, got an empty string")
            return None
        return value.strip()

    def phrases(
        self, item: Located, department: str, field: str, *, required: bool
    ) -> tuple[str, ...] | None:
        """Return a list field's phrases; None (with errors) when unusable."""
        expected = f"a list of {'keywords' if field == 'keywords' else 'phrases'}"
        if field not in item:
            if required:
                self.error(item.line, department, field, f"{expected}, got nothing")
                return None
            return ()
        values, line = item[field], line_of(item, field)
        if not isinstance(values, list):
            self.error(line, department, field, f"{expected}, got {describe(values)}")
            return None
        if required and not values:
            self.error(line, department, field, f"{expected}, got an empty list")
            return None
        phrases = []
        for value in values:
            if not isinstance(value, str):
                hint = "" if isinstance(value, dict | list) else " (quote it)"
                expected_item = f"each entry to be text, got {describe(value)}{hint}"
                self.error(line, department, field, expected_item)
            elif not value.strip():
                self.error(line, department, field, "text, got an empty string")
            else:
                phrases.append(value.strip())
        return tuple(phrases) if len(phrases) == len(values) else None

    def error(
        self,
        line: int | None,
        department: str | None,
        field: str | None,
        expected: str,
    ) -> None:
        """Record 'FILE:LINE: department D: field 'F': expected ...'."""
        self.errors.append(
            located(
                self.source,
                line,
                department and f"department {department}",
                field and f"field {field!r}",
                f"expected {expected}",
            )
        )


def training_data(
    catalog: Catalog, corrections: Iterable[tuple[str, str]] = ()
) -> tuple[list[str], list[str]]:
    """Build the router's training texts and labels from a catalog and corrections.

    Each department contributes its description, each keyword and each example;
    each correction (an answer an advocate moved to another department) adds one
    labelled text.

    Parameters
    ----------
    catalog : Catalog
        The departments to learn.
    corrections : iterable of (str, str)
        ``(text, department slug)`` pairs.

    Returns
    -------
    texts : list of str
    labels : list of str
        Department slugs, one per text.

    Raises
    ------
    ValueError
        When a correction names a department that is not in the catalog.

    Examples
    --------
    >>> catalog = parse_catalog('''
    ... departments:
    ...   - {slug: tech, name: Tech, keywords: [bug], examples: ["it crashes"]}
    ...   - {slug: sales, name: Sales, examples: ["too expensive"]}
    ... ''')
    >>> texts, labels = training_data(catalog, [("the invoice is wrong", "sales")])
    >>> list(zip(texts, labels))  # doctest: +NORMALIZE_WHITESPACE
    [('bug', 'tech'), ('it crashes', 'tech'), ('too expensive', 'sales'),
     ('the invoice is wrong', 'sales')]
    """
    texts: list[str] = []
    labels: list[str] = []
    for department in catalog.departments:
        phrases = [department.description, *department.keywords, *department.examples]
        for phrase in phrases:
            if phrase:
                texts.append(phrase)
                labels.append(department.slug)
    known = set(catalog.slugs)
    for text, slug in corrections:
        if slug not in known:
            raise ValueError(
                f"correction {text!r} names department {slug!r}, which is not in the "
                f"catalog (expected one of {', '.join(catalog.slugs)})"
            )
        texts.append(text)
        labels.append(slug)
    return texts, labels
