"""Reading the YAML files people edit, with line numbers and one message format.

Survey definitions (``surveys/<slug>.yaml``) and the department catalog
(``surveys/departments.yaml``) are written by hand, so a mistake must point at its
line. Both are read by :func:`load_yaml`: PyYAML's safe loader, whose mappings
remember the line of each key (:class:`Located`), whose strings are folded as
their language is written (:func:`analysis.folding.scalar_text`), and whose syntax
errors name the file and line. Every mistake found in them is worded by
:func:`located`, ``file:line: where: what``, the format of compilers and linters
that editors can jump to.
"""

from collections.abc import Iterator
from typing import Any

import yaml

from analysis.folding import scalar_text

__all__ = ["Located", "YamlSyntaxError", "describe", "line_of", "load_yaml", "located"]

_KINDS = {
    bool: "true/false",
    int: "a number",
    float: "a number",
    type(None): "nothing",
    list: "a list",
}


class YamlSyntaxError(ValueError):
    """Text that is not YAML; ``line`` is where the parser gave up, if it knows."""

    def __init__(self, file: str, line: int | None, reason: str) -> None:
        super().__init__(located(file, line, f"this is not valid YAML: {reason}"))
        self.file, self.line, self.reason = file, line, reason


class Located(dict):
    """A YAML mapping that remembers its line, the line of each key, and repeats.

    PyYAML keeps the last of two equal keys without a word; ``repeated_keys``
    remembers the line of each repeat, so a reader can say so.
    """

    line: int = 0
    key_lines: dict[Any, int]
    repeated_keys: dict[Any, int]


class _LineLoader(yaml.SafeLoader):
    """PyYAML's safe loader, building :class:`Located` mappings and folded text."""


def _construct_located_map(loader: _LineLoader, node: yaml.MappingNode) -> Iterator:
    """Build a ``Located`` mapping from a YAML node (a PyYAML two-step constructor)."""
    mapping = Located()
    yield mapping
    mapping.line = node.start_mark.line + 1
    mapping.key_lines, mapping.repeated_keys = {}, {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in mapping.key_lines:
            mapping.repeated_keys[key] = line
        else:
            mapping.key_lines[key] = line
    mapping.update(loader.construct_mapping(node, deep=True))


def _construct_text(loader: _LineLoader, node: yaml.ScalarNode) -> str:
    """A YAML string, with Japanese lines folded as Japanese is written."""
    return scalar_text(node)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_located_map)
_LineLoader.add_constructor("tag:yaml.org,2002:str", _construct_text)


def load_yaml(text: str, file: str) -> Any:
    """Parse YAML text safely into plain values with :class:`Located` mappings.

    Raises
    ------
    YamlSyntaxError
        When the text is not YAML, with the line where parsing stopped.

    Examples
    --------
    >>> document = load_yaml("title: Hello\\nquestions:\\n  - id: nps\\n", "s.yaml")
    >>> line_of(document, "questions"), line_of(document["questions"][0])
    (2, 3)
    >>> load_yaml("title: [unclosed\\n", "s.yaml")
    Traceback (most recent call last):
    ...
    analysis.yaml_source.YamlSyntaxError: s.yaml:2: this is not valid YAML: ...
    """
    try:
        return yaml.load(text, Loader=_LineLoader)  # nosec B506 - a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(
            error, "context_mark", None
        )
        reason = getattr(error, "problem", None) or str(error)
        raise YamlSyntaxError(file, mark.line + 1 if mark else None, reason) from None


def line_of(mapping: Any, key: Any = None) -> int | None:
    """The line of ``key`` in a located mapping, or of the mapping itself."""
    if not isinstance(mapping, Located):
        return None
    if key is not None and key in mapping.key_lines:
        return mapping.key_lines[key]
    return mapping.line


def located(file: str, line: int | None, *parts: str | None) -> str:
    """One mistake as ``file:line: part: part``; empty parts are left out.

    >>> located("d.yaml", 4, "department 'tech'", None, "expected text")
    "d.yaml:4: department 'tech': expected text"
    >>> located("d.yaml", None, "the file is empty")
    'd.yaml: the file is empty'
    """
    where = f"{file}:{line}" if line else file
    return ": ".join([where, *(part for part in parts if part)])


def describe(value: Any) -> str:
    """What a YAML value holds, in the words of a person editing the file.

    >>> describe(3), describe(None), describe("tech"), describe({"a": 1})
    ('a number (3)', 'nothing', "text 'tech'", 'a mapping')
    """
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return f"text {value!r}"
    kind = _KINDS.get(type(value), "a date" if hasattr(value, "year") else "a value")
    return kind if kind in ("nothing", "a list") else f"{kind} ({value!r})"
