"""The Japanese interface: every message translated and compiled."""

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parents[2] / "cat_survey" / "translations" / "ja"


def test_every_message_has_a_japanese_translation():
    with open(LOCALE_DIR / "LC_MESSAGES" / "messages.po", "rb") as file:
        catalog = read_po(file)
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


def test_compiled_catalog_matches_the_source():
    with open(LOCALE_DIR / "LC_MESSAGES" / "messages.po", "rb") as file:
        source = {m.id: m.string for m in read_po(file) if m.id}
    with open(LOCALE_DIR / "LC_MESSAGES" / "messages.mo", "rb") as file:
        compiled = {m.id: m.string for m in read_mo(file) if m.id}
    assert compiled == source
