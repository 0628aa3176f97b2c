"""The Japanese interface: every message extracted, translated and compiled."""

from pathlib import Path

from babel.messages.catalog import Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

PACKAGE = Path(__file__).parents[2] / "cat_survey"
LOCALE_DIR = PACKAGE / "translations" / "ja"


def test_every_message_in_the_code_is_in_the_catalog():
    # As `pybabel extract -F cat_survey/babel.cfg` finds them, gettext_noop included.
    with open(PACKAGE / "babel.cfg") as file:
        method_map, options_map = parse_mapping_cfg(file)
    found = {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(PACKAGE, method_map, options_map)
    }
    assert "Please choose one of the options." in found  # a gettext_noop message
    with open(LOCALE_DIR / "LC_MESSAGES" / "messages.po", "rb") as file:
        # A plural message (ngettext) is known by its singular, as extracted.
        catalog = {
            m.id if isinstance(m.id, str) else m.id[0] for m in read_po(file) if m.id
        }
    assert sorted(found - catalog) == []


def test_every_message_has_a_japanese_translation():
    with open(LOCALE_DIR / "LC_MESSAGES" / "messages.po", "rb") as file:
        catalog = read_po(file)
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


def test_compiled_catalog_matches_the_source():
    with open(LOCALE_DIR / "LC_MESSAGES" / "messages.po", "rb") as file:
        source = dict(map(entry, (m for m in read_po(file) if m.id)))
    with open(LOCALE_DIR / "LC_MESSAGES" / "messages.mo", "rb") as file:
        compiled = dict(map(entry, (m for m in read_mo(file) if m.id)))
    assert compiled == source


def entry(message: Message) -> tuple[tuple, tuple]:
    """A message as (context, ids) -> translations, alike from .po and .mo.

    A plural message holds its ids and translations as sequences (a tuple from
    the .po, a list from the .mo); the same id may recur under another context.
    """
    ids, strings = message.id, message.string or ""
    return (
        (message.context, *([ids] if isinstance(ids, str) else ids)),
        tuple([strings] if isinstance(strings, str) else strings),
    )
