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
from typing import TypeGuard

import yaml

from analysis.folding import scalar_text
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

_YAML_KINDS = {
    "str": "text",
    "int": "a number",
    "float": "a number",
    "bool": "true/false",
    "null": "nothing",
    "timestamp": "a date",
    "binary": "binary data",
}


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
    d.yaml, line 1, field 'departments': expected at least two departments
        (routing chooses between them), got 1
    d.yaml, line 1, department 'Tech', field 'slug': expected lower-case letters,
        digits and single hyphens, got 'Tech'
    d.yaml, line 1, department 'Tech', field 'name': expected text, got nothing
        (missing)
    d.yaml, line 1, department 'Tech', field 'examples': expected a list of
        phrases, got nothing
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "unreadable"
        message = f"{source}, line {line}: not valid YAML ({problem})"
        raise CatalogError([message]) from None
    except yaml.YAMLError as exc:
        raise CatalogError([f"{source}: not valid YAML ({exc})"]) from None
    return _CatalogReader(source).catalog(root)


class _CatalogReader:
    """Walks the YAML node tree, so every mistake can be reported with its line.

    ``department`` arguments are how a message names the department: its slug
    once known, its position in the list before that.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[str] = []

    def catalog(self, root: yaml.Node | None) -> Catalog:
        """Return the catalog, or raise CatalogError with all mistakes found."""
        expected = "a mapping with a 'departments' list"
        if root is None:
            self.error(None, None, None, f"{expected}, got an empty file")
            raise CatalogError(self.errors)
        fields = self.fields(root, None, expected)
        departments: list[Department] = []
        if fields is not None:
            for key, (key_node, _) in fields.items():
                if key != "departments":
                    self.error(key_node, None, key, "only 'departments' at the top")
            if "departments" in fields:
                departments = self.departments(fields["departments"][1])
            else:
                self.error(root, None, "departments", "a list, got nothing")
        if self.errors:
            raise CatalogError(self.errors)
        return Catalog(departments=tuple(departments))

    def departments(self, node: yaml.Node) -> list[Department]:
        """Read the ``departments`` list, checking that slugs are unique."""
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, None, "departments", f"a list, got {_kind(node)}")
            return []
        if len(node.value) < 2:
            expected = "at least two departments (routing chooses between them)"
            self.error(node, None, "departments", f"{expected}, got {len(node.value)}")
        departments = []
        first_line: dict[str, int] = {}
        for position, item in enumerate(node.value, start=1):
            department = self.department(item, position)
            if department is None:
                continue
            if department.slug in first_line:
                used = first_line[department.slug]
                expected = f"a unique slug, got one already used on line {used}"
                self.error(item, repr(department.slug), "slug", expected)
                continue
            first_line[department.slug] = item.start_mark.line + 1
            departments.append(department)
        return departments

    def department(self, node: yaml.Node, position: int) -> Department | None:
        """Read one department; return None when a field is unusable."""
        label = f"#{position}"
        fields = self.fields(node, label, "a mapping with slug, name and examples")
        if fields is None:
            return None
        slug = self.text(node, fields, label, "slug", required=True)
        if slug is not None:
            label = repr(slug)
            if not SLUG_PATTERN.fullmatch(slug):
                expected = "lower-case letters, digits and single hyphens"
                slug_node = fields["slug"][1]
                self.error(slug_node, label, "slug", f"{expected}, got {slug!r}")
                slug = None
        for key, (key_node, _) in fields.items():
            if key not in CATALOG_FIELDS:
                known = ", ".join(CATALOG_FIELDS)
                self.error(key_node, label, key, f"one of {known} (unknown field)")
        name = self.text(node, fields, label, "name", required=True)
        description = self.text(node, fields, label, "description", required=False)
        keywords = self.phrases(node, fields, label, "keywords", required=False)
        examples = self.phrases(node, fields, label, "examples", required=True)
        if slug is None or name is None or keywords is None or examples is None:
            return None
        return Department(slug, name, description or "", keywords, examples)

    def fields(
        self, node: yaml.Node, department: str | None, expected: str
    ) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        """Return a mapping's (key node, value node) by key; None if not a mapping."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, department, None, f"{expected}, got {_kind(node)}")
            return None
        fields: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in fields:
                self.error(key_node, department, key, "each field once, got it twice")
            fields[key] = (key_node, value_node)
        return fields

    def text(
        self,
        parent: yaml.Node,
        fields: dict[str, tuple[yaml.Node, yaml.Node]],
        department: str,
        field: str,
        *,
        required: bool,
    ) -> str | None:
        """Return a field's text; None (with an error if required) when unusable."""
        if field not in fields:
            if required:
                self.error(parent, department, field, "text, got nothing (missing)")
            return None
        node = fields[field][1]
        if not _is_text(node):
            self.error(node, department, field, f"text, got {_kind(node)}")
            return None
        if required and not node.value.strip():
            self.error(node, department, field, "text, got an empty string")
            return None
        return scalar_text(node).strip()

    def phrases(
        self,
        parent: yaml.Node,
        fields: dict[str, tuple[yaml.Node, yaml.Node]],
        department: str,
        field: str,
        *,
        required: bool,
    ) -> tuple[str, ...] | None:
        """Return a list field's phrases; None (with errors) when unusable."""
        expected = f"a list of {'keywords' if field == 'keywords' else 'phrases'}"
        if field not in fields:
            if required:
                self.error(parent, department, field, f"{expected}, got nothing")
                return None
            return ()
        node = fields[field][1]
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, department, field, f"{expected}, got {_kind(node)}")
            return None
        if required and not node.value:
            self.error(node, department, field, f"{expected}, got an empty list")
            return None
        phrases = []
        for item in node.value:
            if not _is_text(item):
                hint = " (quote it)" if isinstance(item, yaml.ScalarNode) else ""
                expected_item = f"each entry to be text, got {_kind(item)}{hint}"
                self.error(item, department, field, expected_item)
            elif not item.value.strip():
                self.error(item, department, field, "text, got an empty string")
            else:
                phrases.append(scalar_text(item).strip())
        return tuple(phrases) if len(phrases) == len(node.value) else None

    def error(
        self,
        node: yaml.Node | None,
        department: str | None,
        field: str | None,
        expected: str,
    ) -> None:
        """Record 'FILE, line N, department D, field F: expected ...'."""
        where = [self.source]
        if node is not None:
            where.append(f"line {node.start_mark.line + 1}")
        if department is not None:
            where.append(f"department {department}")
        if field is not None:
            where.append(f"field {field!r}")
        self.errors.append(f"{', '.join(where)}: expected {expected}")


def _is_text(node: yaml.Node) -> TypeGuard[yaml.ScalarNode]:
    """Whether a node is a YAML string (not a number, boolean, null or collection)."""
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str"


def _kind(node: yaml.Node) -> str:
    """Describe what a node holds, in the words an editor of the file would use."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    kind = _YAML_KINDS.get(node.tag.rsplit(":", 1)[-1], node.tag)
    if kind == "text":
        return f"text {node.value!r}"
    return f"{kind} ({node.value!r})" if kind != "nothing" else kind


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
