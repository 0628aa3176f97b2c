"""Japanese text that YAML folded: join its lines as Japanese is written.

YAML folds a line break inside a plain, quoted or ``>`` scalar into a space. That
is right between English words and wrong in Japanese, which puts no spaces
between words ("届け、 何が" instead of "届け、何が"). Survey definitions and the
department catalog are YAML that people wrap at any width, so both read their
texts through :func:`scalar_text`.
"""

from itertools import pairwise

import yaml

__all__ = ["is_cjk", "scalar_text"]

#: Code points of Chinese characters, kana and full-width punctuation, which are
#: written without spaces between them. Hangul is not here: Korean uses spaces.
CJK_RANGES = (
    (0x3000, 0x30FF),  # CJK punctuation (、。「」), hiragana, katakana
    (0x31F0, 0x31FF),  # small katakana
    (0x3400, 0x4DBF),  # CJK ideographs, extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF00, 0xFFEF),  # full-width forms (！？（）) and half-width katakana
    (0x20000, 0x3FFFF),  # CJK ideographs, extensions B and later
)


def is_cjk(char: str) -> bool:
    """True for a character of Japanese (or Chinese) text, which takes no spaces.

    Examples
    --------
    >>> is_cjk("届"), is_cjk("、"), is_cjk("A"), is_cjk(" ")
    (True, True, False, False)
    """
    code = ord(char)
    return any(low <= code <= high for low, high in CJK_RANGES)


def scalar_text(node: yaml.ScalarNode) -> str:
    """The node's text, without the spaces YAML put where it folded CJK lines.

    Each source line is found again in the folded value; where two consecutive
    lines were joined by a single space between two CJK characters, that space
    goes. Spaces typed inside a line stay, a fold next to a Latin letter stays a
    space, a literal block (``|``) keeps its line breaks, and lines that cannot
    be found as written (escapes in a quoted scalar) are left alone.

    Parameters
    ----------
    node : yaml.ScalarNode
        A scalar composed from YAML text (a string, so that its marks hold the
        source).

    Returns
    -------
    str
        The scalar's value, folded as its language is written.

    Examples
    --------
    >>> node = yaml.compose("text: >-\\n  届け、\\n  何が ABC\\n  です\\n")
    >>> node.value[0][1].value
    '届け、 何が ABC です'
    >>> scalar_text(node.value[0][1])
    '届け、何が ABC です'
    """
    value, mark, end = node.value, node.start_mark, node.end_mark
    if node.style == "|" or mark.line == end.line or mark.buffer is None:
        return value
    lines = mark.buffer[mark.pointer : end.pointer].splitlines()
    if node.style == ">":
        lines = lines[1:]  # the header line: ">" or ">-"
    contents = [line.strip().strip("'\"") if node.style else line.strip()
                for line in lines]  # fmt: skip
    spans: list[tuple[int, int] | None] = []
    cursor = 0
    for content in contents:
        at = value.find(content, cursor) if content else -1
        if at < 0:
            spans.append(None)
            continue
        spans.append((at, at + len(content)))
        cursor = at + len(content)
    folds = {
        before[1]
        for before, after in pairwise(spans)
        if before
        and after
        and value[before[1] : after[0]] == " "
        and is_cjk(value[before[1] - 1])
        and is_cjk(value[after[0]])
    }
    return "".join(char for index, char in enumerate(value) if index not in folds)
