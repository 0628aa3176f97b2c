"""Text preparation for survey answers: normalise, tokenise, stem, sentiment.

Everything here works offline from installed packages: NLTK's ``RegexpTokenizer`` and
Snowball stemmer need no NLTK data (no downloader is ever called), the stop-word
list is scikit-learn's, and VADER's lexicon is read from the ``vaderSentiment``
package folder. Negations are *not* stop words ("not working" is not "working"), and
contractions are split so that "hasn't" and "has not" give the same tokens. Hedges
("honestly", "small thing", "otherwise") and bare praise or blame ("great",
"frustrating") are stop words too: they say how a customer feels, which sentiment
measures, not what the answer is about.

Japanese has no spaces, so its text goes through a morphological analyser,
SudachiPy with its core dictionary (:func:`morphemes`). It was chosen over janome and
fugashi with unidic-lite: on this machine it tokenised about 67,000 tokens/s against
48,000 for fugashi and 2,000 for janome, its install (sudachipy 5 MB + dictionary
193 MB) is smaller than fugashi with unidic-lite (251 MB) and janome (203 MB), and
its dictionary forms are the spelling customers write (つながる, where UniDic's
lemma is 繋がる). Nouns, verbs, adjectives and adjectival nouns become their base
forms, grammar and filler verbs (する, いる, ある) go, and every negation (ない, ぬ,
ず, ません) becomes ``ない``: 注文した商品がまだ届きません gives 注文, 商品, 届く,
ない, an order that has not arrived. The theme model (:mod:`analysis.themes`) builds
on these functions; keeping them here lets the app and notebooks prepare text
exactly the same way.
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
    "language_of",
    "morphemes",
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
        "ない",  # every Japanese negation (ない, ぬ, ず, ません) becomes this token
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
        *("正直", "率直", "一点", "特", "良い", "よい", "いい", "最高", "残念"),
    }
)

#: Japanese base forms that carry grammar, not a topic: light verbs (する, いる),
#: formal nouns (こと, ところ) and verbs of saying and thinking.
JAPANESE_STOP_WORDS: frozenset[str] = frozenset(
    {
        *("する", "いる", "ある", "なる", "できる", "くる", "来る", "いく", "行く"),
        *("くれる", "もらう", "しまう", "おく", "みる", "やる", "いただく", "くださる"),
        *("下さる", "れる", "られる", "せる", "させる", "思う", "言う", "ござる"),
        *("こと", "もの", "よう", "ため", "ところ", "とき", "時", "方", "感じ"),
        *("点", "件", "今回", "毎回", "場合", "部分", "気", "中", "何", "私"),
        *("たび", "度", "ほう", "うち", "まま", "ほど", "ほか", "あと", "みたい"),
        *("もらえる", "いただける", "思える", "感じる", "感ずる", "見える", "ほしい"),
        *("欲しい", "助かる", "正直", "本当", "少し", "ちょっと", "すぎる", "やすい"),
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
    | JAPANESE_STOP_WORDS
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
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[^\W\d_]")
# A text is Japanese when this share of its letters is kana or kanji: a Japanese
# answer quoting "API" or "Salesforce" is still Japanese.
_JAPANESE_SHARE = 0.3
# Parts of speech (Sudachi's first two levels) that name a topic or a problem.
_JAPANESE_CONTENT = {
    ("名詞", "普通名詞"),
    ("名詞", "固有名詞"),
    ("動詞", "一般"),
    ("動詞", "非自立可能"),
    ("形容詞", "一般"),
    ("形状詞", "一般"),
}
# Suffixes that carry the problem: 使いにくい (hard to use), 分かりづらい.
_JAPANESE_CONTENT_SUFFIXES = frozenset({"にくい", "づらい"})
_JAPANESE_NEGATIONS = frozenset({"ない", "ぬ", "ず", "ん"})
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
    lose their ``#``; Japanese text becomes the base forms of its content words
    and negations (:func:`morphemes`); ``n't`` becomes ``not`` and other clitics
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
    ['api', 'エラー', '請求書', '遅れる']
    """
    tokens: list[str] = []
    text = _LONG_RUNS.sub(r"\1\1\1", _NOISE.sub(" ", normalise(text)))
    for raw in _TOKENIZER.tokenize(text):
        if _CJK.search(raw):
            tokens.extend(_japanese_tokens(raw))
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


def language_of(text: str) -> str:
    """Return ``"ja"`` when most of ``text``'s letters are kana or kanji, else ``"en"``.

    Parameters
    ----------
    text : str
        A free-text answer.

    Returns
    -------
    str
        ``"ja"`` when at least 30% of the letters are Japanese (a Japanese answer
        that names "API" stays Japanese), ``"en"`` otherwise, empty text included.

    Examples
    --------
    >>> [language_of(t) for t in ["My card", "APIのエラー", "", "ok 了解"]]
    ['en', 'ja', 'en', 'ja']
    """
    letters = len(_LETTER.findall(text))
    if not letters:
        return "en"
    return "ja" if len(_CJK.findall(text)) / letters >= _JAPANESE_SHARE else "en"


@functools.cache
def _sudachi() -> object:
    """Load SudachiPy's tokenizer with the core dictionary, once per process."""
    try:
        from sudachipy import Dictionary
    except ImportError as error:
        raise RuntimeError(
            "Japanese text needs SudachiPy and its dictionary "
            "(pip install sudachipy sudachidict-core)"
        ) from error
    dictionary = Dictionary(dict="core")
    # Mode C (the default) keeps compounds whole; create() is the pre-0.7 name.
    make = getattr(dictionary, "tokenizer", None) or dictionary.create
    return make()


@functools.lru_cache(maxsize=100_000)
def morphemes(text: str) -> tuple[tuple[str, str | None], ...]:
    """Return the morphemes of Japanese ``text`` with the base form of content words.

    Parameters
    ----------
    text : str
        Japanese text, normalised or not.

    Returns
    -------
    tuple of (surface, base or None)
        Each morpheme as written, with its base form when it names a topic or a
        problem (nouns, verbs, adjectives, adjectival nouns), ``"ない"`` for a
        negation, and ``None`` for grammar, filler and punctuation. Joining the
        surfaces gives the text back, so a label can quote an answer exactly.

    Examples
    --------
    >>> [base for _, base in morphemes("注文した商品がまだ届きません")]
    ['注文', None, None, '商品', None, None, '届く', None, 'ない']
    """
    result: list[tuple[str, str | None]] = []
    for morpheme in _sudachi().tokenize(text):  # type: ignore[attr-defined]
        surface = morpheme.surface()
        base = morpheme.dictionary_form()
        kind = tuple(morpheme.part_of_speech()[:2])
        if base in _JAPANESE_NEGATIONS and kind[0] in ("助動詞", "形容詞"):
            result.append((surface, "ない"))
        elif (
            (kind in _JAPANESE_CONTENT or base in _JAPANESE_CONTENT_SUFFIXES)
            and base not in JAPANESE_STOP_WORDS
            and _LETTER.search(base)
        ):
            result.append((surface, normalise(base)))
        else:
            result.append((surface, None))
    return tuple(result)


def _japanese_tokens(raw: str) -> list[str]:
    """Base forms of the content words and negations of a Japanese text run."""
    return [base for _, base in morphemes(raw) if base is not None]


def is_content_word(token: str) -> bool:
    """Return whether a token from :func:`tokenise` carries meaning.

    Parameters
    ----------
    token : str
        One lower-case token.

    Returns
    -------
    bool
        False for :data:`STOP_WORDS` and one-letter Latin words; negations are
        content, and so is a one-character Japanese word (色, 値).

    Examples
    --------
    >>> [is_content_word(t) for t in ["card", "the", "not", "x"]]
    [True, False, True, False]
    """
    return token not in STOP_WORDS and (len(token) > 1 or bool(_CJK.match(token)))


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
