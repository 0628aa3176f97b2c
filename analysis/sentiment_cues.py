"""Evidence of sentiment that word counts miss: complaint patterns, negation, VADER.

Customers complain without negative words ("still waiting for my refund", "thanks
for nothing", "まだ届きません") and praise with negated complaints. The regular
expressions here name those ways, in English and Japanese, and
:func:`lexicon_features` turns them, with VADER's scores, into a small dense block
of features for :class:`analysis.sentiment.SentimentModel`.
:func:`negation_marked` prepares the words that model counts, marking the words in
a negation's scope ("not_helpful").
"""

import re
import unicodedata
from collections.abc import Sequence

import numpy as np

from analysis.text import language_of, normalise, tokenise

__all__ = ["lexicon_features", "negation_marked"]

# --- English patterns -------------------------------------------------------------
# Each is a way customers complain without a negative word: an expectation that
# has not been met, waiting, silence, or sarcasm. They run on normalised text
# (lower case, straight apostrophes).
_NOT = r"(?:not|never|n't|yet to|still not|no longer)"
_COMPLAINT_PATTERNS = [
    re.compile(pattern)
    for pattern in (
        r"\bstill (?:waiting|no\b|not\b|nothing|haven't|hasn't|can't|cannot|unable"
        r"|broken|charged|on hold|stuck|down|missing|getting|having|have no)",
        rf"{_NOT}\s+(?:\w+\s+)?(?:arrived|received|delivered|shown up|turned up|"
        r"heard back|heard anything|refunded|fixed|resolved|sorted|working|work|"
        r"helpful|help|responded|replied|answered|processed|shipped|credited|"
        r"got|came|happened|called back|honou?red)",
        r"\bno (?:reply|replies|response|answer|update|updates|refund|one|word|"
        r"callback|call back|help|tracking|explanation|apology|solution|resolution"
        r"|way|idea|signal|service|internet|power|follow[- ]up)\b",
        r"\b(?:waiting|waited|on hold|queued?) (?:for |since |over |almost )?"
        r"(?:\d+|an?|one|two|three|four|five|several|many) "
        r"(?:min|mins|minutes|hour|hours|day|days|week|weeks|month|months)\b",
        r"\b(?:thanks|thank you) for nothing\b",
        r"\b(?:keeps?|kept) (?:crashing|failing|freezing|saying|asking|charging|"
        r"logging|dropping|cancelling|canceling|breaking|timing out|happening)",
        r"\b(?:wasted|waste of|a joke|ridiculous|unacceptable|useless|pointless|"
        r"rip[- ]?off|scam|nightmare|worst|never again|fed up|sick of|tired of)\b",
        r"\b(?:charged|billed) (?:me )?(?:twice|double|again|for nothing|"
        r"without)\b",
        r"\b(?:cancel|cancelling|canceling|close) my (?:account|subscription|"
        r"order|contract|plan)\b",
        r"\b(?:day|week|month) \d+ (?:without|of|and still)\b",
        r"\b(?:how (?:is|was) (?:that|this) (?:even )?(?:possible|ok|acceptable))",
        r"\b(?:seriously|really)\s*\?|\?\?|!\?|\?!",
        r"\b(?:why (?:is|does|do|did|can't|won't|isn't|doesn't|are|has|have))\b",
        r"\b(?:can't|cannot|unable to|impossible to) (?:log|sign|get|find|reach|"
        r"contact|cancel|pay|use|access|open|download|connect|see|talk|speak)",
        r"\b(?:(?:\d+|two|three|four|five|several) (?:days|weeks|months|hours) "
        r"(?:later|ago|now|and counting))\b",
        # Asking again is a complaint about the first time: "for the third time".
        r"\b(?:for the|a|my) (?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)) "
        r"(?:time|email|call|message|ticket|chat|request)\b",
        # Churn intent.
        r"\b(?:thinking (?:about|of)|considering|about to|ready to|time to) "
        r"(?:switch|cancel|leav|mov)\w*|\bswitch(?:ing)? (?:provider|bank|carrier)",
    )
]
# Questions that ask for information are neutral however they are worded.
_QUESTION_START = re.compile(
    r"^(?:what|how|when|where|which|who|can|could|do|does|is|are|will|would|"
    r"should|may|any|is there|are there)\b"
)
# Negation scope for word features: the words after a negation, up to punctuation
# or the third word, are read as negated ("not_helpful").
_NEGATION_WORDS = frozenset({"not", "no", "never", "nothing", "without", "nobody"})
_CLAUSE_BREAK = re.compile(r"[.,;:!?()\[\]\n。、！？]+")
_NEGATION_SCOPE = 3

# --- Japanese ---------------------------------------------------------------------
# Praise negated is a complaint: 使いやすくない, 便利ではない, 親切じゃなかった.
_JA_NEGATED_PRAISE = re.compile(
    r"(?:良|よ|早|速|安|優し|やさし|嬉し|うれし|やす|易|分かりやす|わかりやす)"
    r"くな(?:い|かった|さ)|"
    r"(?:便利|丁寧|親切|快適|簡単|満足|十分|スムーズ|丁重)"
    r"(?:では|じゃ|で)(?:ない|なかった|ありません)"
)
_JA_COMPLAINTS = re.compile(
    r"まだ(?:届|来|返|連絡|返信|返金|対応|解決|直)|届(?:かない|きません|いていない"
    r"|いてない|いておりません|かず)|(?:返信|返事|連絡|回答|対応|返金)が(?:ない|ありません"
    r"|来ない|来ません|なく|まだ)|待たされ|待ち(?:時間が長|続け)|遅(?:い|すぎ|れ|く)|"
    r"最悪|ひど|酷い|不便|(?:使い|分かり|わかり|見|読み|探し)にく|困(?:って|る|り)|"
    r"不満|残念|がっかり|二度と|壊れ|故障|不具合|エラー|落ちる|落ちま|繋がら|つながら|"
    r"でき(?:ない|ません|なかった)|動かな|動きません|改善し?て(?:ほしい|欲しい|ください)|"
    r"(?:高すぎ|高い)|間違|二重|返金され(?:ない|ません)|解約|失礼|不親切|面倒|"
    r"(?:重い|重く|重すぎ)|固ま|イライラ|いらいら|期待外れ|役に立たな|無駄|"
    r"ありえな|あり得な|信じられな|不安|怒|ストレス|わからない|分からない|"
    r"ない(?:です)?(?:か)?[!！?？]|いつになったら|なぜ|何度も|何回も"
)
_JA_PRAISE = re.compile(
    r"ありがと|感謝|助か|満足|素晴らし|すばらし|良か|よか|良い|よい|最高|便利|"
    r"使いやす|分かりやす|わかりやす|丁寧|親切|快適|嬉し|うれし|好き|気に入|安心|"
    r"おすすめ|オススメ|感動|迅速|スムーズ|問題(?:ありません|なく|ない)|"
    r"さすが|完璧|楽しい|楽しかった|期待以上|素早|早かった|速かった|早く対応"
)
_JA_QUESTION = re.compile(r"(?:ですか|ますか|でしょうか|ませんか|か)[?？]?$|[?？]$")


def negation_marked(text: str) -> str:
    """Text as word tokens, with the words in a negation's scope prefixed ``not_``."""
    words: list[str] = []
    for clause in _CLAUSE_BREAK.split(normalise(text)):
        scope = 0
        for token in tokenise(clause):
            if token in _NEGATION_WORDS:
                scope = _NEGATION_SCOPE
                words.append(token)
            elif scope:
                words.append(f"not_{token}")
                scope -= 1
            else:
                words.append(token)
    return " ".join(words)


def lexicon_features(texts: Sequence[str]) -> np.ndarray:
    """Hand-made evidence of sentiment that word counts miss, one row per text.

    Columns: VADER's compound, positive and negative (0 for Japanese), English
    complaint patterns, Japanese complaint and praise phrases (negated praise
    counts as complaint), "this is a question", and "this is Japanese". Counts are
    capped at 3 and scaled to 0..1 so that no column dominates.

    Parameters
    ----------
    texts : sequence of str
        Raw answers.

    Returns
    -------
    ndarray of shape (len(texts), 8)

    Examples
    --------
    >>> rows = lexicon_features(["still waiting for my refund", "ありがとう"])
    >>> bool(rows[0, 3] > 0), bool(rows[1, 5] > 0)
    (True, True)
    """
    rows = np.zeros((len(texts), 8))
    english = [i for i, text in enumerate(texts) if language_of(text) == "en"]
    vader = _vader_scores([texts[i] for i in english])
    for row, index in enumerate(english):
        rows[index, 0:3] = vader[row]
    for index, raw in enumerate(texts):
        text = unicodedata.normalize("NFKC", raw).strip()
        lowered = normalise(raw)
        if language_of(text) == "ja":
            negated = len(_JA_NEGATED_PRAISE.findall(text))
            complaints = len(_JA_COMPLAINTS.findall(_JA_NEGATED_PRAISE.sub("", text)))
            praise = len(_JA_PRAISE.findall(_JA_NEGATED_PRAISE.sub("", text)))
            rows[index, 4] = min(complaints + negated, 3) / 3
            rows[index, 5] = min(praise, 3) / 3
            rows[index, 6] = bool(_JA_QUESTION.search(text))
            rows[index, 7] = 1.0
        else:
            hits = sum(bool(p.search(lowered)) for p in _COMPLAINT_PATTERNS)
            rows[index, 3] = min(hits, 3) / 3
            rows[index, 6] = lowered.endswith("?") and bool(
                _QUESTION_START.match(lowered)
            )
    return rows


def _vader_scores(texts: Sequence[str]) -> np.ndarray:
    """VADER's compound, positive and negative scores, one row per text."""
    if not texts:
        return np.zeros((0, 3))
    # analysis.text owns the one loader of VADER's shipped lexicon; its public
    # functions give only the compound score, and the parts help here.
    from analysis.text import _vader

    scorer = _vader()
    parts = [scorer.polarity_scores(text) for text in texts]
    return np.array([[p["compound"], p["pos"], p["neg"]] for p in parts])
