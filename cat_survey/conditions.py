"""The ``when:`` language of survey definitions: a small, safe expression parser.

A question shows only when its condition holds over earlier answers and hidden
fields, e.g. ``nps <= 6``, ``segment in ['enterprise', 'mid-market'] and not churned``
or ``'price' in reasons``. Conditions are parsed once into a tree of frozen nodes
and evaluated against a mapping of names to values; nothing is ever ``eval``-ed.

Grammar (lowest precedence first)::

    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := operand [("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in")
                           operand]
    operand    := NUMBER | STRING | NAME | "true" | "false" | "null"
                  | "[" [operand ("," operand)*] "]" | "(" expr ")"

A name with no value (an unanswered or skipped question) makes every comparison
false, so a follow-up never shows on missing evidence.
"""

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class ConditionError(ValueError):
    """A condition that does not parse; ``column`` is where it went wrong (1-based)."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"{message} (at column {column})")
        self.column = column


@dataclass(frozen=True)
class Literal:
    """A number, string, boolean or null written in the condition."""

    value: Any


@dataclass(frozen=True)
class Name:
    """An earlier question's id or a hidden field's name."""

    name: str


@dataclass(frozen=True)
class ListOf:
    """A bracketed list, the right-hand side of ``in``."""

    items: tuple["Node", ...]


@dataclass(frozen=True)
class Compare:
    """A comparison of two operands."""

    op: str
    left: "Node"
    right: "Node"


@dataclass(frozen=True)
class Not:
    """Negation of a condition."""

    operand: "Node"


@dataclass(frozen=True)
class BoolOp:
    """``and`` / ``or`` over two or more conditions."""

    op: str
    operands: tuple["Node", ...]


Node = Literal | Name | ListOf | Compare | Not | BoolOp

TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>-?\d+(?:\.\d+)?)
      | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
      | (?P<word>[A-Za-z_][A-Za-z0-9_.\-]*)
    )""",
    re.VERBOSE,
)
KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True)
class Token:
    """One lexical token and where it starts."""

    kind: str
    text: str
    column: int


def tokenize(source: str) -> list[Token]:
    """Split a condition into tokens, refusing any character the language lacks."""
    tokens, position = [], 0
    source = source.rstrip()
    while position < len(source):
        match = TOKEN.match(source, position)
        if not match or match.end() == position:
            offset = len(source) - len(source[position:].lstrip())
            raise ConditionError(f"unexpected character {source[offset]!r}", offset + 1)
        kind = match.lastgroup or ""
        text = match.group(kind)
        column = match.start(kind) + 1
        if kind == "word" and text in KEYWORDS:
            kind = "keyword"
        tokens.append(Token(kind, text, column))
        position = match.end()
    tokens.append(Token("end", "", len(source) + 1))
    return tokens


class Parser:
    """Recursive-descent parser producing a tree of frozen nodes."""

    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def take(self, text: str | None = None, kind: str | None = None) -> Token | None:
        token = self.current
        if (text is None or token.text == text) and (
            kind is None or token.kind == kind
        ):
            self.index += 1
            return token
        return None

    def expect(self, text: str) -> Token:
        token = self.take(text)
        if token is None:
            found = self.current.text or "end of condition"
            raise ConditionError(
                f"expected {text!r} but found {found!r}", self.current.column
            )
        return token

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise ConditionError("empty condition", 1)
        node = self.expression()
        if self.current.kind != "end":
            raise ConditionError(
                f"unexpected {self.current.text!r}", self.current.column
            )
        return node

    def expression(self) -> Node:
        return self.bool_op("or", self.and_expression)

    def and_expression(self) -> Node:
        return self.bool_op("and", self.not_expression)

    def bool_op(self, word: str, operand: Callable[[], Node]) -> Node:
        operands = [operand()]
        while self.take(word, "keyword"):
            operands.append(operand())
        return operands[0] if len(operands) == 1 else BoolOp(word, tuple(operands))

    def not_expression(self) -> Node:
        if self.take("not", "keyword"):
            return Not(self.not_expression())
        return self.comparison()

    def comparison(self) -> Node:
        left = self.operand()
        if self.current.text in COMPARISONS:
            op = self.current.text
            self.index += 1
            return Compare(op, left, self.operand())
        if self.take("in", "keyword"):
            return Compare("in", left, self.operand())
        if self.current.text == "not" and self.tokens[self.index + 1].text == "in":
            self.index += 2
            return Compare("not in", left, self.operand())
        return left

    def operand(self) -> Node:
        token = self.current
        if self.take(kind="number"):
            number = float(token.text)
            return Literal(int(number) if number.is_integer() else number)
        if self.take(kind="string"):
            return Literal(re.sub(r"\\(.)", r"\1", token.text[1:-1]))
        if self.take(kind="word"):
            return Name(token.text)
        if token.text in {"true", "false", "null"} and self.take(kind="keyword"):
            return Literal({"true": True, "false": False, "null": None}[token.text])
        if self.take("["):
            items = []
            if not self.take("]"):
                items.append(self.operand())
                while self.take(","):
                    items.append(self.operand())
                self.expect("]")
            return ListOf(tuple(items))
        if self.take("("):
            node = self.expression()
            self.expect(")")
            return node
        found = token.text or "end of condition"
        raise ConditionError(
            f"expected a value or a name, found {found!r}", token.column
        )


def parse_condition(source: str) -> Node:
    """Parse a ``when:`` condition into a tree; raise ConditionError if malformed."""
    return Parser(source).parse()


def names_in(node: Node) -> set[str]:
    """Every name a condition reads, to check that each one is known."""
    match node:
        case Name(name):
            return {name}
        case Compare(_, left, right):
            return names_in(left) | names_in(right)
        case Not(operand):
            return names_in(operand)
        case BoolOp(_, operands) | ListOf(operands):
            return set().union(*(names_in(operand) for operand in operands))
    return set()


def holds(node: Node, values: Mapping[str, Any]) -> bool:
    """Whether a condition is true for these answers and hidden fields."""
    return truthy(evaluate(node, values))


def evaluate(node: Node, values: Mapping[str, Any]) -> Any:
    """Evaluate a condition (or operand) against answers and hidden fields."""
    match node:
        case Literal(value):
            return value
        case Name(name):
            return values.get(name)
        case ListOf(items):
            return [evaluate(item, values) for item in items]
        case Not(operand):
            return not truthy(evaluate(operand, values))
        case BoolOp("and", operands):
            return all(truthy(evaluate(operand, values)) for operand in operands)
        case BoolOp(_, operands):
            return any(truthy(evaluate(operand, values)) for operand in operands)
        case Compare(op, left, right):
            return compare(op, evaluate(left, values), evaluate(right, values))
    raise TypeError(f"not a condition node: {node!r}")


def truthy(value: Any) -> bool:
    """Truth of a bare operand: unanswered, empty and "no"-like values are false."""
    if isinstance(value, str):
        return value.strip().lower() not in {"", "no", "false", "0"}
    return bool(value)


def compare(op: str, left: Any, right: Any) -> bool:
    """Compare two values, coercing numeric strings; missing values never match."""
    if left is None or right is None:
        return False
    if op in {"in", "not in"}:
        found = contains(right, left)
        return found if op == "in" else not found
    left, right = coerce_pair(left, right)
    try:
        return COMPARISONS[op](left, right)
    except TypeError:
        # "5" < "abc" style mismatches are simply not true.
        return False


def contains(container: Any, item: Any) -> bool:
    """``item in container`` for lists (of answers or literals) and strings."""
    if isinstance(container, str):
        return isinstance(item, str) and item in container
    if isinstance(container, list | tuple):
        return any(
            coerce_pair(item, element)[0] == coerce_pair(item, element)[1]
            for element in container
        )
    return False


def coerce_pair(left: Any, right: Any) -> tuple[Any, Any]:
    """Make a number and a numeric string comparable (hidden fields are strings)."""
    if isinstance(left, int | float) and isinstance(right, str):
        return left, as_number(right)
    if isinstance(left, str) and isinstance(right, int | float):
        return as_number(left), right
    return left, right


def as_number(text: str) -> float | str:
    """The number a string spells, or the string itself if it spells none."""
    try:
        return float(text)
    except ValueError:
        return text
