"""Text preparation for survey answers: normalise, tokenise, stem, sentiment.

Everything here works offline from installed packages: NLTK's ``RegexpTokenizer`` and
Snowball stemmer need no NLTK data (no downloader is ever called), the stop-word
list is scikit-learn's, and VADER's lexicon is read from the ``vaderSentiment``
package folder. Negations are *not* stop words ("not working" is not "working"), and
contractions are split so that "hasn't" and "has not" give the same tokens. Hedges
("honestly", "small thing", "otherwise") and bare praise or blame ("great",
"frustrating") are stop words too: they say how a customer feels, which sentiment
measures, not what the answer is about. Chinese and Japanese have no spaces and no
segmenter ships offline, so a run of CJK text becomes its kanji and katakana chunks
(hiragana is mostly grammar), and a long chunk becomes overlapping character
bigrams: "請求書の金額が間違っています" gives "請求書", "金額", "間違". The
theme model (:mod:`analysis.themes`) builds on these functions; keeping them here
lets the app and notebooks prepare text exactly the same way.
"""

import functools
import os
import re
import unicodedata
from collections.abc import Iterable
from typing import Protocol

from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize import RegexpTokenizer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

__all__ = [
    "CONTENT_WORDS",
    "HEDGES",
    "NEGATIONS",
    "STOP_WORDS",
    "content_words",
    "is_content_word",
    "normalise",
    "sentiment",
    "sentiments",
    "stem",
    "tokenise",
]

#: Words that reverse meaning; kept in every token list although scikit-learn's
#: stop-word list contains most of them.
NEGATIONS: frozenset[str] = frozenset(
    {
        "not",
        "no",
        "never",
        "nor",
        "none",
        "nobody",
        "nothing",
        "nowhere",
        "neither",
        "noone",
        "without",
    }
)

#: Words in scikit-learn's stop-word list that name things customers complain about
#: ("top up", "bill", "amount", "system", "still waiting"); its own documentation warns
#: that the list has such known issues.
CONTENT_WORDS: frozenset[str] = frozenset(
    {
        *("amount", "back", "bill", "bottom", "call", "describe", "detail", "empty"),
        *("fill", "find", "fire", "found", "front", "full", "interest", "keep"),
        *("last", "move", "name", "part", "put", "serious", "show", "side"),
        *("system", "take", "top", "up", "down", "off", "out", "still", "again"),
        *("first", "less", "more", "whole", "due"),
    }
)

#: Words that frame or grade an answer without naming its topic: hedges
#: ("honestly", "mostly", "small thing", "the rest"), bare praise and blame
#: ("great", "frustrating"), and their Japanese counterparts ("正直", "率直").
#: Survey answers open and close with them across every topic, so as features they
#: pull unrelated answers together and as labels they read "thing out practical".
HEDGES: frozenset[str] = frozenset(
    {
        *("honestly", "frankly", "basically", "actually", "mostly", "mainly"),
        *("generally", "overall", "otherwise", "rest", "thing", "things", "stuff"),
        *("bit", "lot", "lots", "maybe", "perhaps", "probably", "simply", "truly"),
        *("literally", "definitely", "absolutely", "totally", "certainly", "far"),
        *("main", "biggest", "small", "minor", "gripe", "blunt", "bad", "terrible"),
        *("great", "good", "nice", "fine", "happy", "love", "loved", "lovely"),
        *("excellent", "awesome", "amazing", "fantastic", "wonderful", "perfect"),
        *("awful", "horrible", "frustrating", "frustrated", "annoying", "annoyed"),
        *("disappointing", "disappointed", "pleased", "glad", "sorry", "guess"),
        *("正直", "率直", "一点", "特"),
    }
)

#: scikit-learn's English stop words minus :data:`NEGATIONS` and :data:`CONTENT_WORDS`,
#: plus filler that survey answers are full of and that the list lacks ("does",
#: "just", "thanks"), apostrophe-less pronoun contractions ("im", "youre") and
#: :data:`HEDGES`.
STOP_WORDS: frozenset[str] = (
    (frozenset(ENGLISH_STOP_WORDS) - NEGATIONS - CONTENT_WORDS)
    | {
        *("does", "did", "doing", "just", "really", "got", "gets", "getting", "tell"),
        *("know", "want", "need", "like", "hi", "hello", "hey", "thanks", "thank"),
        *("ok", "okay", "yes", "yeah", "oh", "able", "possible", "way"),
        *("im", "ive", "id", "ill", "youre", "theyre", "thats", "whats", "lets"),
    }
    | HEDGES
)

# Apostrophe-less spellings customers type ("dont", "cant"); the base is dropped later
# as a stop word, what matters is that "not" survives.
_BARE_NEGATED = {
    "dont": "do",
    "doesnt": "does",
    "didnt": "did",
    "isnt": "is",
    "wasnt": "was",
    "arent": "are",
    "werent": "were",
    "cant": "can",
    "cannot": "can",
    "couldnt": "could",
    "wont": "will",
    "wouldnt": "would",
    "shouldnt": "should",
    "havent": "have",
    "hasnt": "has",
    "hadnt": "had",
    "aint": "is",
}
# Bases that "n't" leaves irregular: "can't" -> "ca", "won't" -> "wo".
_IRREGULAR_NEGATED = {"ca": "can", "wo": "will", "sha": "shall", "ai": "is"}
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_WHITESPACE = re.compile(r"\s+")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_EDGE_PUNCTUATION = "-_'"
# URLs, e-mail addresses and @handles name no theme; they go before tokenising.
_NOISE = re.compile(r"(?:https?://|www\.)\S+|\S*@\S+")
_LONG_RUNS = re.compile(r"(\w)\1{3,}")  # "soooooo" -> "sooo", as TweetTokenizer does
# Words with inner apostrophes and hyphens: one C-level regex, 20x faster than
# TweetTokenizer, whose emoticon and HTML handling VADER does on the raw text.
_TOKENIZER = RegexpTokenizer(r"[\w'-]+")
# Kanji (with the repeat mark) and katakana (with the long-vowel mark) runs; all
# else in a CJK token, hiragana above all, only separates them.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005]")
_CJK_CHUNKS = re.compile(
    r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005]+|[\u30a1-\u30fa\u30fc]+)"
)
# Chunks up to this long are usually one word ("請求書"); longer ones are compounds or
# unsegmented Chinese, and become character bigrams.
_CJK_WORD = 3
_STEMMER = SnowballStemmer("english")
_VADER_PACKAGE = "vaderSentiment"
_VADER_LEXICON = "vader_lexicon.txt"


def normalise(text: str) -> str:
    """Return ``text`` in a canonical form: NFKC, straight apostrophes, lower case.

    Parameters
    ----------
    text : str
        A free-text answer.

    Returns
    -------
    str
        The text, Unicode-normalised (full-width letters become ASCII), lower-cased,
        with typographic apostrophes made straight and runs of whitespace collapsed.

    Examples
    --------
    >>> normalise("  The Card  hasn\u2019t ARRIVED ")
    "the card hasn't arrived"
    """
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    return _WHITESPACE.sub(" ", text).strip().lower()


def tokenise(text: str) -> list[str]:
    """Return the word tokens of ``text``, with contractions split and negations kept.

    URLs, e-mail addresses, @handles, numbers and punctuation are dropped; hashtags
    lose their ``#``; Chinese and Japanese text becomes kanji and katakana chunks,
    long kanji runs character bigrams; ``n't`` becomes ``not`` and other clitics
    (``'s``, ``'re``) are removed, so "hasn't" and "has not" give the same tokens.

    Parameters
    ----------
    text : str
        A free-text answer, in any case.

    Returns
    -------
    list of str
        Lower-case tokens, each containing at least one letter, in text order.

    Examples
    --------
    >>> tokenise("It's NOT working, I can't log in!! See https://x.io #fail")
    ['it', 'not', 'working', 'i', 'can', 'not', 'log', 'in', 'see', 'fail']
    >>> tokenise("APIのエラーで請求書が遅れています")
    ['api', 'エラー', '請求書', '遅']
    """
    tokens: list[str] = []
    text = _LONG_RUNS.sub(r"\1\1\1", _NOISE.sub(" ", normalise(text)))
    for raw in _TOKENIZER.tokenize(text):
        if _CJK.search(raw):
            tokens.extend(_cjk_tokens(raw))
            continue
        token = raw.strip(_EDGE_PUNCTUATION)
        if not _HAS_LETTER.search(token):
            continue
        if "'" in token:
            base, _, clitic = token.partition("'")
            if clitic == "t" and base.endswith("n"):
                base = base[:-1]
                base = _IRREGULAR_NEGATED.get(base, base)
                tokens.extend((base, "not") if base else ("not",))
                continue
            token = base
            if not token:
                continue
        if token in _BARE_NEGATED:
            tokens.extend((_BARE_NEGATED[token], "not"))
            continue
        if "-" in token:
            # "top-up" and "top up" must be the same words.
            tokens.extend(part for part in token.split("-") if _HAS_LETTER.search(part))
            continue
        tokens.append(token)
    return tokens


def _cjk_tokens(raw: str) -> list[str]:
    """Words of a token holding Chinese or Japanese text (see the module docstring)."""
    tokens: list[str] = []
    for index, part in enumerate(_CJK_CHUNKS.split(raw)):
        if index % 2 == 0:
            # Between chunks: hiragana, and Latin words glued on ("apiのエラー").
            tokens.extend(tokenise(_CJK.sub(" ", part)))
        elif len(part) <= _CJK_WORD or not _KANJI.match(part):
            tokens.append(part)  # katakana loanwords stay whole, however long
        else:
            tokens.extend(part[i : i + 2] for i in range(len(part) - 1))
    return tokens


def is_content_word(token: str) -> bool:
    """Return whether a token from :func:`tokenise` carries meaning.

    Parameters
    ----------
    token : str
        One lower-case token.

    Returns
    -------
    bool
        False for :data:`STOP_WORDS` and one-letter words; negations are content.

    Examples
    --------
    >>> [is_content_word(t) for t in ["card", "the", "not", "x"]]
    [True, False, True, False]
    """
    return len(token) > 1 and token not in STOP_WORDS


def content_words(text: str) -> list[str]:
    """Return the tokens of ``text`` that carry meaning: no stop words, negations kept.

    Parameters
    ----------
    text : str
        A free-text answer.

    Returns
    -------
    list of str
        :func:`tokenise`'s tokens that pass :func:`is_content_word`.

    Examples
    --------
    >>> content_words("My card still hasn't arrived after two weeks")
    ['card', 'still', 'not', 'arrived', 'weeks']
    """
    return [t for t in tokenise(text) if is_content_word(t)]


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Return the Snowball (Porter 2) stem of an English ``word``.

    Parameters
    ----------
    word : str
        One lower-case token.

    Returns
    -------
    str
        Its stem; results are cached because answers repeat the same words.

    Examples
    --------
    >>> [stem(w) for w in ["arrived", "arriving", "arrival", "charges"]]
    ['arriv', 'arriv', 'arriv', 'charg']
    """
    return _STEMMER.stem(word)


class _PolarityScorer(Protocol):
    def polarity_scores(self, text: str) -> dict[str, float]: ...


@functools.cache
def _vader() -> _PolarityScorer:
    """Load VADER once, from the lexicon that the vaderSentiment package ships."""
    try:
        import vaderSentiment
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError as error:
        raise RuntimeError(
            "sentiment needs the VADER lexicon from the 'vaderSentiment' package, "
            "which is not installed (pip install vaderSentiment)"
        ) from error
    # A broken or partial install leaves the module without its data file; say which.
    folder = os.path.dirname(vaderSentiment.__file__ or "")
    lexicon = os.path.join(folder, _VADER_LEXICON)
    if not os.path.isfile(lexicon):
        raise RuntimeError(
            f"sentiment needs the VADER lexicon {lexicon!r}, missing from the "
            f"installed '{_VADER_PACKAGE}' package; reinstall it"
        )
    return SentimentIntensityAnalyzer()


def sentiment(text: str) -> float:
    """Return VADER's compound sentiment of ``text``, from -1 (negative) to 1.

    Parameters
    ----------
    text : str
        A free-text answer, raw: VADER reads case, punctuation and emoticons.

    Returns
    -------
    float
        The compound polarity in [-1, 1]; 0 for neutral or empty text.

    Raises
    ------
    RuntimeError
        If the VADER lexicon is missing, naming the file or package to install.

    Examples
    --------
    >>> sentiment("Great service, thank you!") > 0.5
    True
    >>> sentiment("The app keeps crashing, awful.") < 0
    True
    """
    return float(_vader().polarity_scores(text)["compound"])


def sentiments(texts: Iterable[str]) -> list[float]:
    """Return :func:`sentiment` for each text, in order.

    Parameters
    ----------
    texts : iterable of str
        Free-text answers.

    Returns
    -------
    list of float
        One compound polarity in [-1, 1] per text.

    Examples
    --------
    >>> [round(s, 2) for s in sentiments(["good", "bad", ""])]
    [0.44, -0.54, 0.0]
    """
    scorer = _vader()
    return [float(scorer.polarity_scores(t)["compound"]) for t in texts]
