"""What demo customers write: the phrase bank and the words around it.

The bank itself is ``phrases.txt`` next to this module, one phrase a line under
``[<department> <kind>]`` headings, so that it reads (and is edited) like the
content it is. This module parses it and holds the shorter tables a comment is
assembled from: fillers for ``{placeholders}``, openers and closers by voice,
competitors, and "nothing to add" answers.
"""

import re
from dataclasses import dataclass
from pathlib import Path

PHRASE_BANK = Path(__file__).with_name("phrases.txt")


@dataclass(frozen=True)
class Phrases:
    """What customers say about one department: complaints, praise and wishes.

    ``asks`` are noun phrases ("faster first replies from support") that complete
    sentences such as "We'd need ...". ``outage`` complaints are said only in the
    outage month. ``{name}`` placeholders are filled from ``FILLERS`` (the month
    from the response's date).
    """

    complaints: tuple[str, ...] = ()
    praise: tuple[str, ...] = ()
    asks: tuple[str, ...] = ()
    outage: tuple[str, ...] = ()
    complaints_ja: tuple[str, ...] = ()
    praise_ja: tuple[str, ...] = ()
    asks_ja: tuple[str, ...] = ()
    outage_ja: tuple[str, ...] = ()


def parse_phrase_bank(text: str) -> dict[str, Phrases]:
    """Read ``[<department> <kind>]`` sections of one phrase per line."""
    sections: dict[str, dict[str, list[str]]] = {}
    lines: list[str] = []
    for line in text.splitlines():
        if match := re.fullmatch(r"\[(\S+) (\w+)\]", line.strip()):
            lines = sections.setdefault(match[1], {}).setdefault(match[2], [])
        elif line.strip():
            lines.append(line.strip())
    return {
        slug: Phrases(**{kind: tuple(items) for kind, items in kinds.items()})
        for slug, kinds in sections.items()
    }


PHRASES = parse_phrase_bank(PHRASE_BANK.read_text(encoding="utf-8"))

FILLERS: dict[str, tuple[str, ...]] = {
    "minutes": ("25", "30", "40", "45", "55", "70", "90"),
    "days": ("three days", "four days", "five days", "a week", "nearly two weeks",
             "10 days"),
    "days_ja": ("3日", "5日", "1週間", "2週間近く"),
    "count": ("3", "4", "5", "6", "7"),
    "weekday": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"),
    "area": ("reports", "dashboard", "settings", "user management", "billing",
             "analytics", "exports", "calendar", "notifications"),
    "feature": ("SSO", "audit logs", "custom fields", "scheduled exports",
                "a Slack integration", "bulk editing", "two-factor login",
                "custom dashboards", "approval workflows"),
    "feature_ja": ("シングルサインオン", "監査ログ", "カスタム項目", "一括編集",
                   "承認フロー"),
    "integration": ("Salesforce", "HubSpot", "Zendesk", "Slack", "Microsoft Teams",
                    "SAP", "Google Sheets"),
    "amount": ("€1,200", "$480", "£2,350", "¥180,000", "$3,900", "€640"),
    "percent": ("18%", "25%", "30%", "40%"),
    "hours": ("3", "4", "6", "9", "11"),
    "seconds": ("8", "12", "15", "20", "30"),
    "hour": ("3am", "2am", "11pm", "4am", "midnight"),
    "event": ("the roadmap webinar", "the Tokyo user meetup", "the admin training",
              "the spring customer summit"),
    "city": ("London", "Tokyo", "Chicago", "Berlin", "Sydney", "Osaka", "São Paulo"),
    "agent": ("Priya", "Tomás", "Yuki", "Grace", "Mehmet", "Lena", "Kenji"),
    "weeks": ("2", "3", "4", "6"),
}  # fmt: skip
MONTHS_JA = tuple(f"{number}月" for number in range(1, 13))

COMPETITORS = ("Pollster", "Feedbackly", "VoiceLoop", "SurveyNest", "Echo Insights",
               "Quorra", "Listenwise")  # fmt: skip
COMPETITOR_STRENGTHS = (
    "It's cheaper for a team our size.",
    "It has the reporting we kept asking you for.",
    "Their support answers within the hour.",
    "It works with {integration} out of the box.",
    "Simpler to use, our staff needed no training.",
    "Honestly, mostly the price.",
    "Better uptime so far.",
)
COMPETITOR_STRENGTHS_JA = (
    "価格が安いです。",
    "レポート機能が充実しています。",
    "サポートの対応が早いです。",
    "日本語の対応がしっかりしています。",
)

# Openers and closers by voice. Most real answers go straight to the point, so
# most draws are empty: hedges shared by many answers would otherwise look like a
# theme of their own.
PLAIN = ("",) * 12
OPENERS = {
    "complaint": (*PLAIN, "Honestly, ", "Main thing: ", "To be blunt, ",
                  "Biggest issue for us: ", "Frankly, ", "Please fix this. "),
    "wish": (*PLAIN, "Only gripe: ", "Would be a 10 if not for this: ",
             "Small thing, but ", "Mostly great, but ", "One thing: "),
    "suggest": (*PLAIN, "Small thing, but ", "Maybe this: ", "One thing: "),
    "praise": (*PLAIN, "Above all: ", "Easy: ", "Simply put: "),
}  # fmt: skip
CLOSERS = {
    "complaint": (*PLAIN, " Please sort it out.", " It's frustrating.",
                  " This has happened more than once.",
                  " We're looking at alternatives."),
    "wish": (*PLAIN, " Otherwise we're happy.", " The rest is great."),
    "suggest": (*PLAIN, " Otherwise it went well."),
    "praise": (*PLAIN, " Keep it up!", " Thank you.", " That's why we renewed."),
}  # fmt: skip
OPENERS_JA = {
    "complaint": ("", "", "正直なところ、", "率直に言って、"),
    "wish": ("強いて言えば、", "一点だけ、", ""),
    "suggest": ("強いて言えば、", ""),
    "praise": ("", "何より、"),
}
# Asks complete a sentence: what would bring a customer back, earn a 10, or help.
ASK_TEMPLATES = {
    "ask": ("{ask}.", "We'd need {ask}.", "If you had {ask}, we'd look again.",
            "{ask}, mainly.", "Honestly? {ask}."),
    "wish": ("Give us {ask} and it's a 10.", "{ask} would make it a 10.",
             "Just {ask}.", "We'd love {ask}."),
    "suggest": ("{ask} would help.", "Maybe {ask}.", "We'd love {ask}."),
}  # fmt: skip
ASK_TEMPLATES_JA = {
    "ask": ("{ask}があれば、また検討します。", "{ask}が実現すれば戻りたいです。"),
    "wish": ("{ask}があれば10点です。", "{ask}をお願いします。"),
    "suggest": ("{ask}があると助かります。",),
}
ALL_GOOD = ("Nothing really, it went well.", "No, all good so far.",
            "Not really, thanks for asking.", "Keep doing what you do.")  # fmt: skip
ALL_GOOD_JA = ("特にありません。順調でした。", "今のところ満足しています。")
