"""Survey definitions: ``surveys/<slug>.yaml`` files turned into frozen dataclasses.

A definition is content, written by people, so every mistake a person makes is
reported at once, each naming the file, the line, the question and the field, and
saying what was expected. The YAML is read with PyYAML's safe loader, extended only
to remember the line on which every mapping and key stands, and to join Japanese
lines that YAML folds without the space it would put between English words.

A survey that declares several ``locales`` must give every text in each of them:
a missing translation is reported, so a Japanese customer never silently reads
English.

Question types and the scales they imply:

=============  =====================================================
``nps``        0-10, "how likely are you to recommend"
``csat``       1-5 satisfaction
``ces``        1-7 agreement with "made it easy"
``sus``        expands to the ten standard SUS items (1-5), ids ``<id>_1``..``_10``
``umux_lite``  expands to the two standard UMUX-Lite items (1-7), ``<id>_1``, ``_2``
``rating``     ``min``/``max`` with optional ``labels``
``choice``     one of ``options`` (each ``value`` and ``label``)
``multi_choice`` any of ``options``
``text``       free text up to ``max_length`` characters
=============  =====================================================
"""

import hashlib
import re
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from analysis.yaml_source import YamlSyntaxError, line_of, load_yaml, located
from cat_survey.conditions import ConditionError, Node, names_in, parse_condition

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:\|([^{}]*))?\}")
DEFAULT_TEXT_LENGTH = 1000
MAX_TEXT_LENGTH = 10_000

SURVEY_FIELDS = {
    "slug", "title", "description", "locale", "locales", "hidden", "intro",
    "thank_you", "questions", "opens", "closes", "one_response",
}  # fmt: skip
#: ``one_response``: who may answer, once each. "invitation": only personal
#: invitations (each is single-use); "browser": public links too, but a browser
#: that completed the survey may not start it again (its resume cookie says so).
ONE_RESPONSE_RULES = ("browser", "invitation")
QUESTION_FIELDS = {
    "id", "type", "prompt", "help", "required", "when", "min", "max", "labels",
    "options", "max_length", "placeholder", "consent", "asks_for",
}  # fmt: skip
#: The option of a ``consent: true`` question that means "yes, you may contact me".
CONSENT_YES = "yes"
#: What a free-text question asks for (``asks_for:``): "praise" ("what do you
#: value most?"), "problem" ("what should we fix first?", "what would you
#: change?") or "any" (the default: "anything else?"). Analysis reads an answer's
#: rating in that light: a promoter's answer to "what should we fix?" is a
#: request, not praise (cat_survey.analyze.sentiment).
ASKS_FOR = ("praise", "problem", "any")


@dataclass(frozen=True)
class Text:
    """A text in one or more locales; ``get`` falls back to the default locale."""

    translations: tuple[tuple[str, str], ...]

    def get(self, locale: str | None = None) -> str:
        """The text in ``locale``, else in the first locale written."""
        by_locale = dict(self.translations)
        if locale in by_locale:
            return by_locale[locale]
        return self.translations[0][1] if self.translations else ""

    @property
    def locales(self) -> tuple[str, ...]:
        """Locales this text is written in."""
        return tuple(locale for locale, _ in self.translations)

    @classmethod
    def of(cls, text: str | Mapping[str, str], locale: str = "en") -> "Text":
        """Build from a plain string (in ``locale``) or a locale mapping."""
        if isinstance(text, str):
            return cls(((locale, text),))
        return cls(tuple((str(key), str(value)) for key, value in text.items()))


@dataclass(frozen=True)
class Option:
    """One answer a choice question offers."""

    value: str
    label: Text


@dataclass(frozen=True)
class Question:
    """One step of the conversation, after expansion of SUS and UMUX-Lite."""

    id: str
    type: str
    prompt: Text
    required: bool = True
    help: Text | None = None
    when: Node | None = None
    when_source: str | None = None
    min: int | None = None
    max: int | None = None
    min_label: Text | None = None
    max_label: Text | None = None
    options: tuple[Option, ...] = ()
    max_length: int | None = None
    placeholder: Text | None = None
    # 1-based position within an expanded SUS or UMUX-Lite block, else None.
    item: int | None = None
    # The customer's permission to be contacted: the option ``CONSENT_YES`` grants it.
    consent: bool = False
    # What a text question asks for: one of ASKS_FOR.
    asks_for: str = "any"

    @property
    def is_scale(self) -> bool:
        """True for questions answered with a number on a scale."""
        return self.min is not None

    def option_label(self, value: str, locale: str | None = None) -> str:
        """The label shown for an option's value (the value itself if unknown)."""
        for option in self.options:
            if option.value == value:
                return option.label.get(locale)
        return value


@dataclass(frozen=True)
class SurveyDefinition:
    """A parsed, validated survey: what ``surveys/<slug>.yaml`` says."""

    slug: str
    title: Text
    questions: tuple[Question, ...]
    locale: str = "en"
    locales: tuple[str, ...] = ("en",)
    description: Text | None = None
    intro: Text | None = None
    thank_you: Text | None = None
    hidden: tuple[str, ...] = ()
    checksum: str = ""
    source_path: str = ""
    # When the survey takes answers, in UTC; None: from its loading on, or forever.
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    # "browser", "invitation" or None (see ONE_RESPONSE_RULES).
    one_response: str | None = None
    _by_id: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({question.id: question for question in self.questions})

    def question(self, question_id: str) -> Question | None:
        """The question with this id, or None."""
        return self._by_id.get(question_id)

    @property
    def consent_question(self) -> Question | None:
        """The question marked ``consent: true``, if the survey asks for consent."""
        return next((q for q in self.questions if q.consent), None)

    def grants_consent(self, answers: Mapping[str, object]) -> bool:
        """Whether these answers give permission to contact the customer."""
        question = self.consent_question
        return question is not None and answers.get(question.id) == CONSENT_YES


@dataclass(frozen=True)
class Problem:
    """One mistake in a definition file, located as precisely as the file allows."""

    file: str
    line: int | None
    message: str
    question: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        return located(
            self.file,
            self.line,
            self.question and f"question '{self.question}'",
            self.field and f"field '{self.field}'",
            self.message,
        )


class DefinitionError(ValueError):
    """A definition file with one or more problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


# -- Standard instruments -----------------------------------------------------

SCALES: dict[str, tuple[int, int]] = {
    "nps": (0, 10),
    "csat": (1, 5),
    "ces": (1, 7),
    "sus": (1, 5),
    "umux_lite": (1, 7),
}
SCALE_LABELS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "nps": (
        {"en": "Not at all likely", "ja": "まったく思わない"},
        {"en": "Extremely likely", "ja": "非常にそう思う"},
    ),
    "csat": (
        {"en": "Very dissatisfied", "ja": "とても不満"},
        {"en": "Very satisfied", "ja": "とても満足"},
    ),
}
AGREEMENT = (
    {"en": "Strongly disagree", "ja": "まったくそう思わない"},
    {"en": "Strongly agree", "ja": "強くそう思う"},
)
# Brooke (1996), "SUS: a quick and dirty usability scale", with the common
# Japanese translation; odd items are positive, even items negative.
SUS_ITEMS = (
    ("I think that I would like to use this system frequently.",
     "このシステムをしばしば使いたいと思う。"),
    ("I found the system unnecessarily complex.",
     "このシステムは不必要なほど複雑だと感じた。"),
    ("I thought the system was easy to use.",
     "このシステムは容易に使いこなせると思った。"),
    ("I think that I would need the support of a technical person to be able to "
     "use this system.",
     "このシステムを使うには技術に詳しい人のサポートが必要だと思う。"),
    ("I found the various functions in this system were well integrated.",
     "このシステムのさまざまな機能はよくまとまっていると感じた。"),
    ("I thought there was too much inconsistency in this system.",
     "このシステムには一貫性のないところが多すぎると思った。"),
    ("I would imagine that most people would learn to use this system very quickly.",
     "たいていの人はこのシステムの使い方をすぐに覚えられると思う。"),
    ("I found the system very cumbersome to use.",
     "このシステムはとても扱いにくいと感じた。"),
    ("I felt very confident using the system.",
     "このシステムを自信を持って使えた。"),
    ("I needed to learn a lot of things before I could get going with this system.",
     "このシステムを使い始める前に多くのことを学ぶ必要があった。"),
)  # fmt: skip
# Lewis, Utesch & Maher (2013), "UMUX-LITE: when there's no time for the SUS".
UMUX_LITE_ITEMS = (
    ("This system's capabilities meet my requirements.",
     "このシステムの機能は私の要件を満たしている。"),
    ("This system is easy to use.", "このシステムは使いやすい。"),
)  # fmt: skip
EXPANDED = {"sus": SUS_ITEMS, "umux_lite": UMUX_LITE_ITEMS}
#: The locales the standard items and scale labels above are written in.
BUILT_IN_LOCALES = ("en", "ja")
QUESTION_TYPES = ("nps", "csat", "ces", "sus", "umux_lite", "rating", "choice",
                  "multi_choice", "text")  # fmt: skip


# -- Reading YAML with line numbers --------------------------------------------


def read_yaml(source: str, file: str) -> Any:
    """Parse YAML text safely; a syntax error becomes a Problem with its line."""
    try:
        return load_yaml(source, file)
    except YamlSyntaxError as error:
        raise DefinitionError(
            [Problem(file, error.line, f"this is not valid YAML: {error.reason}")]
        ) from None


# -- Validation ------------------------------------------------------------------


class DefinitionReader:
    """Turns one parsed YAML document into a SurveyDefinition, gathering problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.locales: tuple[str, ...] = ("en",)
        self.default_locale = "en"

    def problem(
        self,
        mapping: Any,
        key: str | None,
        message: str,
        *,
        question: str | None = None,
    ) -> None:
        """Record a problem at ``key`` of ``mapping``."""
        self.problems.append(
            Problem(self.file, line_of(mapping, key), message, question, key)
        )

    def repeated_keys(self, mapping: Any, *, question: str | None = None) -> None:
        """Report a field given twice: YAML would keep the last one without a word."""
        for key, line in getattr(mapping, "repeated_keys", {}).items():
            self.problems.append(
                Problem(self.file, line, "this field is given twice", question, key)
            )

    def read(self, document: Any, checksum: str) -> SurveyDefinition:
        """Validate a survey document; raise DefinitionError listing every problem."""
        if not isinstance(document, dict):
            raise DefinitionError(
                [
                    Problem(
                        self.file, 1, "expected a mapping with slug, title, questions"
                    )
                ]
            )
        for key in document.keys() - SURVEY_FIELDS:
            self.problem(
                document, key, f"unknown field; expected one of {sorted(SURVEY_FIELDS)}"
            )
        self.repeated_keys(document)
        slug = document.get("slug")
        if not isinstance(slug, str) or not SLUG.match(slug):
            self.problem(
                document,
                "slug",
                "expected a slug of lowercase letters, digits and dashes, "
                f"got {slug!r}",
            )
        self.read_locales(document)
        hidden = self.read_hidden(document)
        title = self.text(document, "title", required=True)
        opens_at, closes_at = self.read_open_dates(document)
        one_response = self.read_one_response(document)
        questions = self.read_questions(document, hidden)
        # A bad slug or a missing title is among the problems already.
        if self.problems or not isinstance(slug, str) or title is None:
            raise DefinitionError(self.problems)
        return SurveyDefinition(
            slug=slug,
            title=title,
            questions=tuple(questions),
            locale=self.default_locale,
            locales=self.locales,
            description=self.text(document, "description"),
            intro=self.text(document, "intro"),
            thank_you=self.text(document, "thank_you"),
            hidden=hidden,
            checksum=checksum,
            source_path=self.file,
            opens_at=opens_at,
            closes_at=closes_at,
            one_response=one_response,
        )

    def read_locales(self, document: dict) -> None:
        locale = document.get("locale", "en")
        locales = document.get("locales", [locale])
        if not isinstance(locale, str):
            self.problem(document, "locale", f"expected a locale code, got {locale!r}")
            return
        if not isinstance(locales, list) or not all(
            isinstance(item, str) for item in locales
        ):
            self.problem(document, "locales", "expected a list of locale codes")
            return
        if locale not in locales:
            self.problem(document, "locale", f"'{locale}' is not among locales")
        self.default_locale = locale
        self.locales = tuple(locales)

    def read_one_response(self, document: dict) -> str | None:
        """``one_response``: "browser" or "invitation"; None when absent."""
        rule = document.get("one_response")
        if rule is None or rule in ONE_RESPONSE_RULES:
            return rule
        self.problem(
            document,
            "one_response",
            f"expected one of {', '.join(ONE_RESPONSE_RULES)}, got {rule!r}",
        )
        return None

    def read_open_dates(
        self, document: dict
    ) -> tuple[datetime | None, datetime | None]:
        """``opens`` and ``closes``: a date (whole days, UTC) or a date and time.

        A survey that closes on a date takes answers through the end of that day.
        """
        opens_at = self.moment(document, "opens", end_of_day=False)
        closes_at = self.moment(document, "closes", end_of_day=True)
        if opens_at and closes_at and closes_at <= opens_at:
            self.problem(document, "closes", "must be after 'opens'")
        return opens_at, closes_at

    def moment(self, document: dict, key: str, *, end_of_day: bool) -> datetime | None:
        """A date or datetime field as an aware UTC datetime; None if absent."""
        value = document.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            with suppress(ValueError):  # not ISO: reported below as not a date
                value = datetime.fromisoformat(value)
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            return value.astimezone(UTC)
        if isinstance(value, date):
            start = datetime.combine(value, time(), tzinfo=UTC)
            return start + timedelta(days=1) if end_of_day else start
        self.problem(
            document,
            key,
            f"expected a date such as 2026-03-31, or a date and time such as "
            f"2026-03-31T18:00:00+09:00, got {value!r}",
        )
        return None

    def read_hidden(self, document: dict) -> tuple[str, ...]:
        hidden = document.get("hidden", [])
        if not isinstance(hidden, list) or not all(
            isinstance(name, str) and IDENTIFIER.match(name) for name in hidden
        ):
            self.problem(
                document,
                "hidden",
                "expected a list of field names (lowercase letters, digits, _)",
            )
            return ()
        return tuple(hidden)

    def text(
        self,
        mapping: dict,
        key: str,
        *,
        required: bool = False,
        question: str | None = None,
    ) -> Text | None:
        """A text field: a string, or a mapping of locale to string."""
        value = mapping.get(key)
        if value is None:
            if required:
                self.problem(mapping, key, "is missing", question=question)
            return None
        if isinstance(value, str):
            text = Text.of(value, self.default_locale)
            self.check_translated(mapping, key, text, question)
            return text
        if (
            isinstance(value, dict)
            and value
            and all(isinstance(text, str) for text in value.values())
        ):
            unknown = [locale for locale in value if locale not in self.locales]
            if unknown:
                self.problem(
                    mapping,
                    key,
                    f"translation for {unknown[0]!r}, which is not among the "
                    f"survey's locales {list(self.locales)}",
                    question=question,
                )
            text = Text.of(value)
            self.check_translated(mapping, key, text, question)
            return text
        self.problem(
            mapping,
            key,
            "expected a text, or a mapping of locale to text such as "
            "{en: ..., ja: ...}",
            question=question,
        )
        return None

    def check_translated(
        self, mapping: dict, key: str, text: Text, question: str | None
    ) -> None:
        """Report a text that lacks one of the survey's declared locales."""
        missing = [locale for locale in self.locales if locale not in text.locales]
        if missing:
            self.problem(
                mapping,
                key,
                f"has no {missing[0]!r} text, but the survey declares locales "
                f"{list(self.locales)}; customers in {missing[0]!r} would read "
                f"{text.locales[0]!r}",
                question=question,
            )

    def untranslated_built_ins(self) -> list[str]:
        """The survey's locales that the standard items and labels are not in."""
        return [locale for locale in self.locales if locale not in BUILT_IN_LOCALES]

    def read_questions(self, document: dict, hidden: tuple[str, ...]) -> list[Question]:
        raw_questions = document.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            self.problem(
                document, "questions", "expected a non-empty list of questions"
            )
            return []
        all_ids = {raw.get("id") for raw in raw_questions if isinstance(raw, dict)}
        questions: list[Question] = []
        known = set(hidden)
        for raw in raw_questions:
            for question in self.read_question(raw, known, all_ids):
                if question.id in known:
                    self.problem(
                        raw,
                        "id",
                        "duplicate id; every question (and hidden field) needs its own",
                        question=question.id,
                    )
                known.add(question.id)
                questions.append(question)
        consenting = [
            raw
            for raw in raw_questions
            if isinstance(raw, dict) and raw.get("consent") is True
        ]
        for raw in consenting[1:]:
            self.problem(
                raw,
                "consent",
                "only one question may ask for consent to contact",
                question=str(raw.get("id")),
            )
        return questions

    def read_question(
        self, raw: Any, earlier: set[str], all_ids: set[Any]
    ) -> list[Question]:
        """One YAML question, expanded to the questions it stands for."""
        if not isinstance(raw, dict):
            self.problems.append(
                Problem(self.file, None, f"expected a question mapping, got {raw!r}")
            )
            return []
        qid = raw.get("id")
        if not isinstance(qid, str) or not IDENTIFIER.match(qid):
            self.problem(
                raw,
                "id",
                "expected an id of lowercase letters, digits and _ starting with a "
                f"letter, got {qid!r}",
            )
            qid = str(qid)
        for key in raw.keys() - QUESTION_FIELDS:
            self.problem(
                raw,
                key,
                f"unknown field; expected one of {sorted(QUESTION_FIELDS)}",
                question=qid,
            )
        self.repeated_keys(raw, question=qid)
        qtype = raw.get("type")
        if qtype not in QUESTION_TYPES:
            self.problem(
                raw,
                "type",
                f"unknown type {qtype!r}; expected one of {', '.join(QUESTION_TYPES)}",
                question=qid,
            )
            return []
        when, when_source = self.read_when(raw, qid, earlier, all_ids)
        required = raw.get("required", qtype != "text")
        if not isinstance(required, bool):
            self.problem(raw, "required", "expected true or false", question=qid)
        common: dict[str, Any] = {
            "required": bool(required),
            "when": when,
            "when_source": when_source,
            "help": self.text(raw, "help", question=qid),
        }
        if qtype in EXPANDED:
            return self.expand(raw, qid, qtype, common)

        prompt = self.text(raw, "prompt", required=True, question=qid)
        if prompt is not None:
            self.check_placeholders(raw, qid, prompt, earlier, all_ids)
        question = Question(
            id=qid, type=qtype, prompt=prompt or Text(()), **common,
            **self.type_fields(raw, qid, qtype),
            consent=self.read_consent(raw, qid, qtype),
            asks_for=self.read_asks_for(raw, qid, qtype),
        )  # fmt: skip
        return [question]

    def read_asks_for(self, raw: dict, qid: str, qtype: str) -> str:
        """``asks_for:`` says whether a text question asks for praise or problems."""
        if "asks_for" not in raw:
            return "any"
        asks_for = raw["asks_for"]
        if qtype != "text":
            self.problem(
                raw, "asks_for", f"only a text question asks for praise or problems, "
                f"not a {qtype} question", question=qid,
            )  # fmt: skip
            return "any"
        if asks_for not in ASKS_FOR:
            self.problem(
                raw, "asks_for", f"expected one of {', '.join(ASKS_FOR)}, "
                f"got {asks_for!r}", question=qid,
            )  # fmt: skip
            return "any"
        return str(asks_for)

    def read_consent(self, raw: dict, qid: str, qtype: str) -> bool:
        """``consent: true`` marks the question whose "yes" lets us contact them."""
        consent = raw.get("consent", False)
        if not isinstance(consent, bool):
            self.problem(raw, "consent", "expected true or false", question=qid)
            return False
        if consent and qtype != "choice":
            self.problem(
                raw,
                "consent",
                f"a consent question must be a choice (with a {CONSENT_YES!r} "
                f"option), not {qtype}",
                question=qid,
            )
            return False
        values = {
            o.get("value") for o in raw.get("options") or [] if isinstance(o, dict)
        }
        if consent and CONSENT_YES not in values:
            self.problem(
                raw,
                "consent",
                f"a consent question needs an option with value {CONSENT_YES!r}",
                question=qid,
            )
            return False
        return consent

    def expand(self, raw: dict, qid: str, qtype: str, common: dict) -> list[Question]:
        """SUS and UMUX-Lite: their standard items, in their standard order."""
        if missing := self.untranslated_built_ins():
            self.problem(
                raw,
                "type",
                f"the standard {qtype} items have no {missing[0]!r} text (only "
                f"{', '.join(BUILT_IN_LOCALES)}), but the survey declares it",
                question=qid,
            )
        low, high = SCALES[qtype]
        min_label, max_label = (Text.of(label) for label in AGREEMENT)
        return [
            Question(
                id=f"{qid}_{number}",
                type=qtype,
                prompt=Text((("en", english), ("ja", japanese))),
                min=low,
                max=high,
                min_label=min_label,
                max_label=max_label,
                item=number,
                **common,
            )
            for number, (english, japanese) in enumerate(EXPANDED[qtype], start=1)
        ]

    def type_fields(self, raw: dict, qid: str, qtype: str) -> dict[str, Any]:
        """Scale bounds, labels, options or length: what the type needs."""
        if qtype in SCALES:
            low, high = SCALES[qtype]
            default_labels = SCALE_LABELS.get(qtype, AGREEMENT)
            min_label, max_label = self.read_labels(raw, qid, default_labels)
            return {"min": low, "max": high, "min_label": min_label,
                    "max_label": max_label}  # fmt: skip
        if qtype == "rating":
            low, high = raw.get("min", 1), raw.get("max", 5)
            if not all(type(bound) is int for bound in (low, high)):
                self.problem(
                    raw, "min", "min and max must be whole numbers", question=qid
                )
            elif low >= high:
                self.problem(
                    raw,
                    "max",
                    f"min ({low}) must be less than max ({high})",
                    question=qid,
                )
            elif high - low > 100:
                self.problem(
                    raw, "max", "a scale of more than 101 points", question=qid
                )
            min_label, max_label = self.read_labels(raw, qid, None)
            return {"min": low, "max": high, "min_label": min_label,
                    "max_label": max_label}  # fmt: skip
        if qtype in {"choice", "multi_choice"}:
            return {"options": self.read_options(raw, qid)}
        max_length = raw.get("max_length", DEFAULT_TEXT_LENGTH)
        if type(max_length) is not int or not 1 <= max_length <= MAX_TEXT_LENGTH:
            self.problem(
                raw,
                "max_length",
                f"expected a whole number from 1 to {MAX_TEXT_LENGTH}, "
                f"got {max_length!r}",
                question=qid,
            )
        return {"max_length": max_length if type(max_length) is int else None,
                "placeholder": self.text(raw, "placeholder", question=qid)}  # fmt: skip

    def read_labels(
        self, raw: dict, qid: str, defaults: tuple[dict, dict] | None
    ) -> tuple[Text | None, Text | None]:
        labels = raw.get("labels")
        if labels is None:
            if defaults and (missing := self.untranslated_built_ins()):
                self.problem(
                    raw,
                    "labels",
                    f"the standard labels have no {missing[0]!r} text; write them: "
                    f"labels: {{min: {{{missing[0]}: ...}}, max: {{...}}}}",
                    question=qid,
                )
            return (
                (Text.of(defaults[0]), Text.of(defaults[1]))
                if defaults
                else (None, None)
            )
        if not isinstance(labels, dict) or labels.keys() - {"min", "max"}:
            self.problem(
                raw, "labels", "expected a mapping with min and max texts", question=qid
            )
            return None, None
        return (
            self.text(labels, "min", question=qid),
            self.text(labels, "max", question=qid),
        )

    def read_options(self, raw: dict, qid: str) -> tuple[Option, ...]:
        options = raw.get("options")
        if not isinstance(options, list) or not options:
            self.problem(
                raw,
                "options",
                "is missing; expected a list of {value: ..., label: ...}",
                question=qid,
            )
            return ()
        result, seen = [], set()
        for option in options:
            if not isinstance(option, dict) or "value" not in option:
                self.problem(
                    raw, "options", f"expected value and label, got {option!r}",
                    question=qid,
                )  # fmt: skip
                continue
            value = option["value"]
            # YAML 1.1 reads a bare yes/no as a boolean: ask for quotes.
            if isinstance(value, bool) or not isinstance(value, str | int):
                self.problem(
                    option,
                    "value",
                    f"expected a text or a number, got {value!r} (quote yes/no/on/off)",
                    question=qid,
                )
                continue
            if str(value) in seen:
                self.problem(
                    option, "value", f"duplicate option value {value!r}", question=qid
                )
            seen.add(str(value))
            label = self.text(option, "label", required=True, question=qid)
            result.append(Option(str(value), label or Text.of(str(value))))
        return tuple(result)

    def read_when(
        self, raw: dict, qid: str, earlier: set[str], all_ids: set[Any]
    ) -> tuple[Node | None, str | None]:
        source = raw.get("when")
        if source is None:
            return None, None
        if not isinstance(source, str):
            self.problem(
                raw, "when", "expected a condition such as 'nps <= 6'", question=qid
            )
            return None, None
        try:
            node = parse_condition(source)
        except ConditionError as error:
            self.problem(raw, "when", f"{source!r}: {error}", question=qid)
            return None, None
        for name in sorted(names_in(node) - earlier):
            self.problem(raw, "when", self.unknown_name(name, all_ids), question=qid)
        return node, source

    def check_placeholders(
        self, raw: dict, qid: str, prompt: Text, earlier: set[str], all_ids: set[Any]
    ) -> None:
        for _, text in prompt.translations:
            for match in PLACEHOLDER.finditer(text):
                if match.group(1) not in earlier:
                    message = self.unknown_name(match.group(1), all_ids)
                    self.problem(raw, "prompt", f"{{{match.group(1)}}}: {message}",
                                 question=qid)  # fmt: skip

    @staticmethod
    def unknown_name(name: str, all_ids: set[Any]) -> str:
        if name in all_ids or name.rsplit("_", 1)[0] in all_ids:
            return (
                f"names '{name}', which is asked later; refer only to earlier questions"
            )
        return (
            f"names '{name}', which is neither an earlier question nor a hidden field"
        )


def parse_definition(source: str, *, file: str = "<string>") -> SurveyDefinition:
    """Parse and validate a definition's YAML text."""
    checksum = hashlib.sha256(source.encode()).hexdigest()
    return DefinitionReader(file).read(read_yaml(source, file), checksum)


def load_definition(path: str | Path) -> SurveyDefinition:
    """Read and validate one ``surveys/<slug>.yaml`` file."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DefinitionError(
            [Problem(str(path), None, f"cannot read: {error}")]
        ) from error
    return parse_definition(source, file=str(path))


def survey_files(directory: str | Path) -> list[Path]:
    """The survey definition files of a folder (everything but the catalog)."""
    return sorted(
        path
        for path in Path(directory).glob("*.yaml")
        if path.name != "departments.yaml"
    )


def pipe(text: str, values: Mapping[str, Any]) -> str:
    """Fill ``{name}`` and ``{name|fallback}`` placeholders with answers or fields.

    The result is plain text: templates escape it on display like any answer.
    """

    def fill(match: re.Match) -> str:
        value = values.get(match.group(1))
        if value is None or value == "":
            return match.group(2) or ""
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return PLACEHOLDER.sub(fill, text)
