"""The conversation's flow engine: which question comes next, and what an answer is.

Pure functions over a definition, the answers given so far and the hidden fields;
no database and no Flask, so the web page, the JSON API and the demo data all walk
a survey the same way.

A question applies when its ``when:`` condition holds over the hidden fields and
the answers to the questions that apply before it. Answers to questions that no
longer apply (the customer went back and changed an earlier answer) are ignored,
and ``stale_answers`` names them so the caller can delete them.
"""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cat_survey.conditions import holds, names_in
from cat_survey.definitions import Question, SurveyDefinition

AnswerValue = int | str | list[str] | None

#: Characters no answer may hold: the C0 and C1 controls (newline and tab aside),
#: DEL, and the bidirectional embedding, override and isolate controls, which make
#: text display in another order than it is stored (U+202A-U+202E, U+2066-U+2069).
#: Format characters that real text needs, such as the zero-width joiner of emoji
#: sequences or variation selectors, stay allowed.
CONTROL_CHARACTERS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)
#: Half of a UTF-16 surrogate pair on its own ("a\ud800" in JSON): no database can
#: store it as text, and it is never a character a person typed.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def gettext_noop(message: str) -> str:
    """Mark a message for translation where it is defined, translated where shown."""
    return message


class AnswerError(ValueError):
    """An answer the question cannot take; the message is shown to the customer.

    ``template`` and ``params`` let the web page show the message in the customer's
    language; ``str(error)`` is the English text (what the JSON API returns).
    """

    def __init__(self, template: str, **params: Any) -> None:
        super().__init__(template % params if params else template)
        self.template = template
        self.params = params


@dataclass(frozen=True)
class Position:
    """Where a customer stands: the next question (None when done) and progress."""

    next: Question | None
    answered: int
    remaining: int
    # Follow-ups that hinge on questions not answered yet, weighted by how likely
    # they are to be asked (one of three mutually exclusive follow-ups counts 1/3).
    expected_follow_ups: float = 0.0
    #: The questions this customer is asked, in order, given what they said (kept
    #: so that checking an answer and finding stale ones need not walk them again).
    path: tuple[Question, ...] = ()

    @property
    def total(self) -> int:
        """How many questions this customer can expect in all."""
        return self.answered + self.remaining + round(self.expected_follow_ups)

    @property
    def progress(self) -> float:
        """Share of the expected questions answered, 0 to 1."""
        total = self.answered + self.remaining + self.expected_follow_ups
        return 1.0 if total == 0 or self.next is None else self.answered / total

    @property
    def completed(self) -> bool:
        """True once every applicable required question has an answer."""
        return self.next is None


def applicable_questions(
    definition: SurveyDefinition,
    answers: Mapping[str, AnswerValue],
    hidden: Mapping[str, Any],
) -> list[Question]:
    """The questions this customer is asked, in order, given what they said."""
    values: dict[str, Any] = dict(hidden)
    path = []
    for question in definition.questions:
        if question.when is not None and not holds(question.when, values):
            continue
        path.append(question)
        if question.id in answers:
            values[question.id] = answers[question.id]
    return path


def position(
    definition: SurveyDefinition,
    answers: Mapping[str, AnswerValue],
    hidden: Mapping[str, Any],
) -> Position:
    """The first applicable question without an answer, and how far along we are.

    A skipped optional question is stored as an answer of None, so it counts as
    answered and is not asked again.
    """
    path = applicable_questions(definition, answers, hidden)
    unanswered = [question for question in path if question.id not in answers]
    return Position(
        next=unanswered[0] if unanswered else None,
        answered=len(path) - len(unanswered),
        remaining=len(unanswered),
        expected_follow_ups=expected_follow_ups(definition, path, answers),
        path=tuple(path),
    )


def expected_follow_ups(
    definition: SurveyDefinition,
    path: list[Question],
    answers: Mapping[str, AnswerValue],
) -> float:
    """How many not-yet-decided follow-ups to expect, so progress never jumps back.

    A question whose condition reads a question not answered yet may or may not
    come. Questions that hinge on the same unanswered questions are usually
    alternatives (detractor / passive / promoter follow-ups), so each group counts
    as one question shared among its members.
    """
    on_path = {question.id for question in path}
    still_to_ask = on_path - set(answers)
    groups: dict[frozenset[str], int] = {}
    for question in definition.questions:
        if question.when is None or question.id in on_path:
            continue
        pending = frozenset(names_in(question.when) & still_to_ask)
        if pending:
            groups[pending] = groups.get(pending, 0) + 1
    return float(len(groups))


def stale_answers(
    definition: SurveyDefinition,
    answers: Mapping[str, AnswerValue],
    hidden: Mapping[str, Any],
) -> set[str]:
    """Ids of answers to questions that no longer apply."""
    path = {
        question.id for question in applicable_questions(definition, answers, hidden)
    }
    return set(answers) - path


def clean_answer(question: Question, raw: Any) -> AnswerValue:
    """Check and convert a submitted value; raise AnswerError with a clear message.

    Accepts what a form posts (strings) and what JSON carries (numbers, lists).
    An empty answer to an optional question is a skip and becomes None.
    """
    if is_empty(raw):
        if question.required:
            raise AnswerError(gettext_noop("Please answer this question to continue."))
        return None
    if question.is_scale:
        return clean_scale(question, raw)
    if question.type == "choice":
        return clean_choice(question, raw)
    if question.type == "multi_choice":
        values = raw if isinstance(raw, list) else [raw]
        chosen = {clean_choice(question, value) for value in values}
        return [option.value for option in question.options if option.value in chosen]
    return clean_text(question, raw)


def is_empty(raw: Any) -> bool:
    """True for a missing answer: None, blank text, or a list of nothing but those.

    A list inside the list is not looked into (no option is a list): recursing
    would let a deeply nested JSON value exhaust the interpreter's stack.
    """
    if isinstance(raw, list):
        return all(is_blank(item) for item in raw)
    return is_blank(raw)


def is_blank(raw: Any) -> bool:
    """True for None or text with nothing but whitespace."""
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def clean_scale(question: Question, raw: Any) -> int:
    """A whole number within the question's scale."""
    low, high = scale_bounds(question)
    error = AnswerError(
        gettext_noop("Please choose a whole number from %(low)s to %(high)s."),
        low=low,
        high=high,
    )
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise error
    try:
        number = float(raw.strip()) if isinstance(raw, str) else float(raw)
    except (ValueError, OverflowError):  # OverflowError: an int beyond any float
        raise error from None
    if (
        not math.isfinite(number)
        or not number.is_integer()
        or not low <= number <= high
    ):
        raise error
    return int(number)


def scale_bounds(question: Question) -> tuple[int, int]:
    """The lowest and highest answer of a scale question.

    Loading a definition checks that every scale has both, so the error is for a
    caller that passes a question of another type.
    """
    if question.min is None or question.max is None:
        raise ValueError(f"question {question.id!r} has no scale")
    return question.min, question.max


def clean_choice(question: Question, raw: Any) -> str:
    """One of the question's option values."""
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        raise AnswerError(gettext_noop("Please choose one of the options."))
    value = str(raw)
    if value not in {option.value for option in question.options}:
        raise AnswerError(gettext_noop("Please choose one of the options."))
    return value


def clean_text(question: Question, raw: Any) -> str:
    """Free text within the length limit, without controls or lone surrogates."""
    if not isinstance(raw, str):
        raise AnswerError(gettext_noop("Please write your answer as text."))
    text = raw.replace("\r\n", "\n").strip()
    if LONE_SURROGATE.search(text):
        raise AnswerError(
            gettext_noop(
                "Your answer contains a broken character that cannot be stored; "
                "please remove it."
            )
        )
    if CONTROL_CHARACTERS.search(text):
        raise AnswerError(
            gettext_noop(
                "Your answer contains invisible control characters; please remove them."
            )
        )
    limit = question.max_length or 0
    if limit and len(text) > limit:
        raise AnswerError(
            gettext_noop(
                "Please keep your answer under %(limit)s characters "
                "(it has %(length)s)."
            ),
            limit=limit,
            length=len(text),
        )
    return text
