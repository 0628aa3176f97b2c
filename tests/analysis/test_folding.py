"""Japanese lines folded by YAML join without a space, in any scalar style."""

import pytest
import yaml

from analysis.catalog import parse_catalog
from analysis.folding import scalar_text

STYLES = {
    "folded": "text: >-\n  届け、\n  何が変わったか\n",
    "folded, final break kept": "text: >\n  届け、\n  何が変わったか\n",
    "plain": "text: 届け、\n  何が変わったか\n",
    "double-quoted": 'text: "届け、\n  何が変わったか"\n',
    "single-quoted": "text: '届け、\n  何が変わったか'\n",
    "in a flow list": "text: [届け、\n  何が変わったか]\n",
}


def text_node(source: str) -> yaml.ScalarNode:
    """The scalar under ``text`` (or the first item of its list)."""
    node = yaml.compose(source, Loader=yaml.SafeLoader).value[0][1]
    return node.value[0] if isinstance(node, yaml.SequenceNode) else node


@pytest.mark.parametrize("source", STYLES.values(), ids=STYLES)
def test_a_fold_between_japanese_characters_leaves_no_space(source):
    node = text_node(source)
    assert " " in node.value  # what YAML itself makes of it
    assert scalar_text(node).rstrip("\n") == "届け、何が変わったか"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("text: >-\n  Sent,\n  and what changed\n", "Sent, and what changed"),
        (
            "text: >-\n  NPS の\n  調査 は\n  ABC\n  社向け\n",
            "NPS の調査 は ABC 社向け",
        ),
        ("text: |\n  一行目\n  二行目\n", "一行目\n二行目\n"),
        ("text: >-\n  段落一。\n\n  段落二。\n", "段落一。\n段落二。"),
        ('text: "改行\\n  あり"\n', "改行\n  あり"),
        ("text: 一行 だけ\n", "一行 だけ"),
    ],
)
def test_other_spaces_and_breaks_stay(source, expected):
    assert scalar_text(text_node(source)) == expected


def test_catalog_texts_are_folded_as_japanese():
    catalog = parse_catalog(
        "departments:\n"
        "  - slug: cx\n    name: サポート\n"
        "    description: >-\n      問い合わせへの対応、\n      待ち時間\n"
        "    examples: [電話が\n      つながらない]\n"
        "  - {slug: tech, name: 技術, examples: [落ちる]}\n"
    )
    cx = catalog.department("cx")
    assert cx.description == "問い合わせへの対応、待ち時間"
    assert cx.examples == ("電話がつながらない",)
