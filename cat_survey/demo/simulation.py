"""The simulated year: customers, their moods, and how they walk each survey.

Pure: no database, and no clock beyond the default of :func:`demo_comments`.
Everything takes a seeded ``Random`` and ``now`` (the end of the simulated year), so
the same seed and instant always give the same responses. The seeding stores them
(:mod:`cat_survey.demo.seeding`) and :func:`demo_answers` hands their free text,
labelled with its department and voice, to benchmarks.
"""

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any

from cat_survey.definitions import (
    CONSENT_YES,
    Question,
    SurveyDefinition,
    load_definition,
    survey_files,
)
from cat_survey.demo.phrases import (
    ALL_GOOD,
    ALL_GOOD_JA,
    ASK_TEMPLATES,
    ASK_TEMPLATES_JA,
    CLOSERS,
    COMPETITOR_STRENGTHS,
    COMPETITOR_STRENGTHS_JA,
    COMPETITORS,
    FILLERS,
    MONTHS_JA,
    OPENERS,
    OPENERS_JA,
    PHRASES,
)
from cat_survey.domain.flow import AnswerValue, position
from surveys import surveys_dir

DAYS = 365
OUTAGE_DAYS_AGO = 150

# Relationship NPS is sent to everyone each quarter; the others to fewer people.
SURVEY_SHARES = {
    "relationship-nps": 0.55,
    "onboarding-csat": 0.20,
    "product-usability": 0.15,
    "exit-interview": 0.10,
}
OTHER_SURVEY_SHARE = 0.05
PARTIAL_SHARE = 0.12
CONSENT = {"yes": 0.30, "no": 0.55, None: 0.15}
CHANNELS = {"web": 0.6, "email": 0.3, "api": 0.1}
SEGMENTS = {"enterprise": 0.20, "mid-market": 0.35, "smb": 0.45}
# Mean mood (on the NPS scale) and share of angry customers, by segment.
# The gaps are wide enough that the segments keep their order in any year a seed
# and a date give (tests/cat_survey/test_demo.py checks many dates).
SEGMENT_MOOD = {
    "enterprise": (7.6, 0.14),
    "mid-market": (8.35, 0.08),
    "smb": (9.0, 0.05),
}
SURVEY_MOOD_SHIFT = {"exit-interview": -3.0, "onboarding-csat": 0.3}
# In the outage month moods drop, more customers are angry, complaints turn to Tech.
OUTAGE_MOOD_DROP = 1.2
OUTAGE_ANGRY_RISE = 0.18
OUTAGE_TECH_BOOST = 8
OUTAGE_PHRASE_SHARE = 0.6
PLANS = {
    "enterprise": {"business": 0.2, "enterprise": 0.8},
    "mid-market": {"team": 0.3, "business": 0.7},
    "smb": {"starter": 0.6, "team": 0.4},
}
REVENUE_TIERS = {
    "enterprise": {"50k-250k": 0.3, "250k-plus": 0.7},
    "mid-market": {"10k-50k": 0.5, "50k-250k": 0.5},
    "smb": {"under-10k": 0.7, "10k-50k": 0.3},
}
REGIONS = {"emea": 0.4, "amer": 0.4, "apac": 0.2}
JAPANESE_SHARE_IN_APAC = 0.5

FIRST_NAMES = (
    "Olivia", "James", "Amelia", "Noah", "Sofía", "Mateo", "Camille", "Louis",
    "Lukas", "Hannah", "Giulia", "Marco", "Aisha", "Omar", "Priya", "Rahul",
    "Chidi", "Ngozi", "Wei", "Mei", "Ji-woo", "Min-jun", "Lucas", "Beatriz",
    "Zofia", "Piotr", "Sven", "Astrid", "Fatima", "Yusuf", "Thandiwe", "Liam",
    "Chloe", "Diego", "Valentina", "Linh", "Anh", "Kwame", "Ama", "Isla",
    "Yuki", "Haruto", "Sakura", "Kenji", "Aiko", "Takeshi", "Ren", "Hina",
)  # fmt: skip
JAPANESE_FIRST_NAMES = (
    "さくら", "健二", "由美", "翔太", "陽菜", "大輔", "美咲", "拓海", "直子",
    "博", "愛子", "蓮", "結衣", "恵美",
)  # fmt: skip


# Which department a text answer is about, by question; tech rises in the outage.
TOPIC_WEIGHTS: dict[str, dict[str, float]] = {
    "complaint": {"cx": 16, "ui-design": 11, "sales": 13, "marketing": 7, "outreach": 5,
                  "branding": 4, "tech": 18, "product": 16, "client-success": 10},
    "praise": {"cx": 22, "ui-design": 12, "sales": 6, "marketing": 4, "outreach": 7,
               "branding": 4, "tech": 12, "product": 20, "client-success": 16},
    "hardest_part": {"cx": 10, "ui-design": 14, "sales": 6, "marketing": 2,
                     "outreach": 3, "branding": 1, "tech": 18, "product": 8,
                     "client-success": 30},
    "usability_comment": {"cx": 4, "ui-design": 45, "product": 25, "tech": 18,
                          "client-success": 6, "branding": 2},
}  # fmt: skip
QUESTION_TOPICS = {
    "hardest_part": "hardest_part",
    "onboarding_comment": "hardest_part",
    "usability_comment": "usability_comment",
}
SEGMENT_TOPIC_BOOST = {
    "enterprise": {"client-success": 1.5, "sales": 1.2, "product": 1.3},
    "smb": {"sales": 1.4, "cx": 1.2, "outreach": 1.2},
}
EXIT_REASON_TOPICS = {
    "price": {"sales": 30},
    "missing_features": {"product": 30},
    "reliability": {"tech": 30},
    "hard_to_use": {"ui-design": 30},
    "support": {"cx": 30},
    "competitor": {"product": 10, "sales": 10},
    "no_longer_needed": {"client-success": 15, "sales": 5},
}
EXIT_REASONS = {"price": 30, "missing_features": 25, "reliability": 20,
                "hard_to_use": 12, "support": 15, "competitor": 20,
                "no_longer_needed": 10}  # fmt: skip
#: The voice of a "No, all good so far." answer (about no department).
ALL_GOOD_VOICE = "all good"
# The voice of each known follow-up, given what its prompt asks.
VOICES = {
    "fix_first": "complaint",
    "make_it_ten": "wish",
    "value_most": "praise",
    "hardest_part": "complaint",
    "onboarding_comment": "light",
    "usability_comment": "change",
    "leave_reason": "complaint",
    "competitor_name": "competitor",
    "what_would_bring_back": "ask",
}
SKIP_CHANCE = {"fix_first": 0.12, "make_it_ten": 0.35, "value_most": 0.3,
               "hardest_part": 0.2, "onboarding_comment": 0.45,
               "usability_comment": 0.3, "leave_reason": 0.1,
               "competitor_name": 0.25, "what_would_bring_back": 0.3}  # fmt: skip
DEFAULT_SKIP_CHANCE = 0.25


# -- Customers and occasions -----------------------------------------------------


@dataclass(frozen=True)
class Customer:
    """A customer account as the survey's hidden fields describe it."""

    ref: str
    first_name: str
    segment: str
    plan: str
    region: str
    revenue_tier: str
    locale: str

    @property
    def hidden(self) -> dict[str, str]:
        """The hidden fields a survey link would carry for this customer."""
        return {
            "customer_ref": self.ref,
            "first_name": self.first_name,
            "segment": self.segment,
            "plan": self.plan,
            "region": self.region,
            "revenue_tier": self.revenue_tier,
        }


@dataclass(frozen=True)
class Occasion:
    """When a response began: its time, how far through the year, and any outage."""

    started_at: datetime
    progress: float
    outage: bool


def weighted(rng: Random, weights: Mapping[Any, float]) -> Any:
    """One key of ``weights``, drawn with probability proportional to its weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def demo_customers(rng: Random, count: int) -> list[Customer]:
    """A customer base with stable segments, plans, regions and locales."""
    refs = rng.sample(range(10_000, 100_000), count)
    customers = []
    for ref in refs:
        segment = weighted(rng, SEGMENTS)
        region = weighted(rng, REGIONS)
        japanese = region == "apac" and rng.random() < JAPANESE_SHARE_IN_APAC
        customers.append(
            Customer(
                ref=f"C-{ref}",
                first_name=rng.choice(
                    JAPANESE_FIRST_NAMES if japanese else FIRST_NAMES
                ),
                segment=segment,
                plan=weighted(rng, PLANS[segment]),
                region=region,
                revenue_tier=weighted(rng, REVENUE_TIERS[segment]),
                locale="ja" if japanese else "en",
            )
        )
    return customers


def outage_month(now: datetime) -> tuple[int, int]:
    """The (year, month) of the demo's outage, about five months ago."""
    day = now - timedelta(days=OUTAGE_DAYS_AGO)
    return day.year, day.month


def demo_occasion(rng: Random, now: datetime, outage: tuple[int, int]) -> Occasion:
    """A start time within the last year, mostly on working days."""
    while True:
        # At least an hour ago, so that answers never finish in the future.
        started_at = now - timedelta(seconds=rng.uniform(3600, DAYS * 86_400))
        if started_at.weekday() < 5 or rng.random() < 0.35:
            break
    progress = 1 - (now - started_at) / timedelta(days=DAYS)
    return Occasion(
        started_at=started_at,
        progress=progress,
        outage=(started_at.year, started_at.month) == outage,
    )


def demo_mood(rng: Random, customer: Customer, occasion: Occasion, slug: str) -> float:
    """How this customer feels, on the NPS scale (0-10, not yet rounded).

    Most customers are content (a normal spread around their segment's mean); a few
    are angry. Both improve slowly over the year and worsen in the outage month.
    """
    mean, angry = SEGMENT_MOOD[customer.segment]
    mean += 0.25 * (occasion.progress - 0.5) + SURVEY_MOOD_SHIFT.get(slug, 0.0)
    angry *= 1.1 - 0.2 * occasion.progress
    if occasion.outage:
        mean -= OUTAGE_MOOD_DROP
        angry += OUTAGE_ANGRY_RISE
    if rng.random() < angry:
        return rng.gauss(3.5, 1.8)
    return rng.gauss(mean, 1.6)


# -- Free text -------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Commenter:
    """Writes free-text answers from the phrase bank, in a voice and a locale."""

    def __init__(self, rng: Random) -> None:
        self.rng = rng

    def fill(self, template: str, occasion: Occasion) -> str:
        """Replace ``{name}`` placeholders with specifics (months near the occasion)."""

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in {"month", "month_ja"}:
                when = occasion.started_at
                if not occasion.outage:
                    when -= timedelta(days=self.rng.randint(20, 90))
                return (
                    when.strftime("%B")
                    if name == "month"
                    else MONTHS_JA[when.month - 1]
                )
            return self.rng.choice(FILLERS[name])

        return PLACEHOLDER.sub(value, template)

    def comment(
        self, voice: str, topic: str, *, locale: str, occasion: Occasion
    ) -> str:
        """A comment about ``topic`` (a department slug) in ``voice``."""
        phrases = PHRASES[topic]
        japanese = locale == "ja"
        if voice == "ask" or (voice in {"wish", "suggest"} and self.rng.random() < 0.4):
            asks = phrases.asks_ja if japanese else phrases.asks
            templates = (ASK_TEMPLATES_JA if japanese else ASK_TEMPLATES)[voice]
            text = self.rng.choice(templates).replace("{ask}", self.rng.choice(asks))
            return self.finish(self.fill(text, occasion), japanese=japanese)
        outage = phrases.outage_ja if japanese else phrases.outage
        if voice == "praise":
            bank = phrases.praise_ja if japanese else phrases.praise
        elif outage and occasion.outage and self.rng.random() < OUTAGE_PHRASE_SHARE:
            bank = outage
        else:
            bank = phrases.complaints_ja if japanese else phrases.complaints
        template = self.rng.choice(bank)
        if japanese:
            return self.rng.choice(OPENERS_JA[voice]) + self.fill(template, occasion)
        opener = self.rng.choice(OPENERS[voice])
        if opener and not opener.endswith(". "):
            # Lowered before filling, so names and products keep their capitals.
            template = lower_first(template)
        text = opener + self.fill(template, occasion) + self.rng.choice(CLOSERS[voice])
        return self.finish(text, japanese=False)

    def competitor(self, *, locale: str, occasion: Occasion) -> str:
        """Which tool a leaving customer moved to, and what it does better."""
        tool = self.rng.choice(COMPETITORS)
        if locale == "ja":
            return f"{tool}に移行しました。{self.rng.choice(COMPETITOR_STRENGTHS_JA)}"
        strength = self.fill(self.rng.choice(COMPETITOR_STRENGTHS), occasion)
        return self.finish(f"{tool}. {strength}", japanese=False)

    def all_good(self, *, locale: str) -> str:
        """A short "nothing to add" answer."""
        return self.rng.choice(ALL_GOOD_JA if locale == "ja" else ALL_GOOD)

    def finish(self, text: str, *, japanese: bool) -> str:
        """Capitalise, and now and then add the slips people make when typing fast."""
        if japanese:
            return text
        text = text[0].upper() + text[1:]
        if self.rng.random() < 0.15:
            text = self.typo(text)
        return text

    def typo(self, text: str) -> str:
        """One realistic slip: dropped apostrophes, swapped letters, no capital."""
        kind = self.rng.randrange(4)
        if kind == 0 and "'" in text:
            return text.replace("'", "")
        if kind == 1:
            words = text.split(" ")
            long_words = [
                i for i, word in enumerate(words) if word.isalpha() and len(word) > 4
            ]
            if long_words:
                i = self.rng.choice(long_words)
                word = words[i]
                cut = self.rng.randrange(1, len(word) - 2)
                words[i] = word[:cut] + word[cut + 1] + word[cut] + word[cut + 2 :]
                return " ".join(words)
        if kind == 2:
            return text.rstrip(".")
        return lower_first(text)


def lower_first(sentence: str) -> str:
    """Lower-case the first letter unless the first word is "I" or an acronym."""
    first_word = re.split(r"[\s,']", sentence, maxsplit=1)[0]
    if first_word == "I" or (len(first_word) > 1 and first_word[1].isupper()):
        return sentence
    return sentence[:1].lower() + sentence[1:]


# -- One respondent ----------------------------------------------------------------


class Respondent:
    """A simulated customer answering one survey, one question at a time."""

    def __init__(
        self,
        rng: Random,
        commenter: Commenter,
        *,
        customer: Customer,
        occasion: Occasion,
        slug: str,
    ) -> None:
        self.rng = rng
        self.commenter = commenter
        self.customer = customer
        self.occasion = occasion
        self.mood = demo_mood(rng, customer, occasion, slug)
        self.answers: dict[str, AnswerValue] = {}
        # The department each free-text answer is about (None for "all good" and
        # competitor names): the ground truth that themes and routing are scored on.
        self.departments: dict[str, str | None] = {}
        # The voice each free-text answer was written in ("complaint", "praise",
        # "suggest", "all good"...): the truth that sentiment is scored on.
        self.voices: dict[str, str] = {}

    def walk(self, definition: SurveyDefinition) -> list[tuple[Question, AnswerValue]]:
        """Answer every question the flow engine asks, in order, until done."""
        given = []
        while (
            question := position(definition, self.answers, self.hidden).next
        ) is not None:
            value = self.answer(question)
            self.answers[question.id] = value
            given.append((question, value))
        return given

    @property
    def hidden(self) -> dict[str, str]:
        """Hidden fields, which ``when:`` conditions may read."""
        return self.customer.hidden

    def answer(self, question: Question) -> AnswerValue:
        """What this customer answers to ``question`` (None for a skip)."""
        if question.type == "text":
            return self.text(question)
        if question.is_scale:
            return self.scale(question)
        if question.consent:
            return weighted(self.rng, CONSENT)
        if question.type == "multi_choice":
            return self.multi_choice(question)
        if not question.required and self.rng.random() < 0.1:
            return None
        values = [option.value for option in question.options]
        if question.id == "come_back":
            return weighted(self.rng, {"yes": 25, "maybe": 40, "no": 35})
        return self.rng.choice(values)

    def scale(self, question: Question) -> int:
        """A number on the question's scale that agrees with the customer's mood."""
        low, high = question.min, question.max
        share = min(max(self.mood / 10, 0.0), 1.0)
        if question.type == "nps":
            return min(max(round(self.mood), 0), 10)
        if question.type in {"sus", "umux_lite"}:
            # Usability scores sit lower than loyalty: the SUS average is about 68.
            share = min(max((self.mood - 1.0) / 10, 0.0), 1.0)
            # Even SUS items are worded negatively: agreeing is a bad sign.
            if (
                question.type == "sus"
                and question.item is not None
                and question.item % 2 == 0
            ):
                share = 1 - share
            noise = self.rng.gauss(0, 0.7)
        else:
            noise = self.rng.gauss(0, 0.8)
        if low is None or high is None:
            raise ValueError(f"scale question {question.id!r} has no min or max")
        return min(max(round(low + (high - low) * share + noise), low), high)

    def multi_choice(self, question: Question) -> list[str]:
        """Between one and three options; exit reasons follow the year's troubles."""
        known = {option.value for option in question.options}
        weights: dict[str, float] = {
            value: weight
            * (3 if value == "reliability" and self.occasion.outage else 1)
            for value, weight in EXIT_REASONS.items()
            if value in known
        } or {value: 1.0 for value in known}
        howmany = min(weighted(self.rng, {1: 0.5, 2: 0.35, 3: 0.15}), len(weights))
        chosen: set[str] = set()
        while len(chosen) < howmany:
            chosen.add(weighted(self.rng, weights))
        order = [option.value for option in question.options]
        return sorted(chosen, key=order.index)

    def text(self, question: Question) -> str | None:
        """A free-text answer in the voice the question calls for, or a skip."""
        skip = SKIP_CHANCE.get(question.id, DEFAULT_SKIP_CHANCE)
        if not question.required and self.rng.random() < skip:
            return None
        voice = VOICES.get(question.id) or self.voice_for_mood()
        locale = self.customer.locale
        self.departments[question.id] = None
        if voice == "competitor":
            text = self.commenter.competitor(locale=locale, occasion=self.occasion)
        elif voice == "light":
            if self.rng.random() < 0.35:
                voice = ALL_GOOD_VOICE
                text = self.commenter.all_good(locale=locale)
            else:
                voice = "praise" if self.rng.random() < 0.4 else "suggest"
                text = self.comment(voice, question.id)
        elif voice == "change":
            # "One thing to change": a complaint when unhappy, else a suggestion.
            voice = "complaint" if self.mood < 7.5 else "suggest"
            text = self.comment(voice, question.id)
        else:
            text = self.comment(voice, question.id)
        self.voices[question.id] = voice
        if question.max_length:
            text = text[: question.max_length]
        return text

    def voice_for_mood(self) -> str:
        """The voice of a follow-up the demo does not know, from the mood."""
        if self.mood < 6.5:
            return "complaint"
        return "suggest" if self.mood < 8.5 else "praise"

    def comment(self, voice: str, question_id: str) -> str:
        """A comment in ``voice`` about a department chosen for this question."""
        topic = self.topic(voice, question_id)
        self.departments[question_id] = topic
        return self.commenter.comment(
            voice, topic, locale=self.customer.locale, occasion=self.occasion
        )

    def topic(self, voice: str, question_id: str) -> str:
        """The department a comment is about, weighted by question, segment, reasons."""
        if voice == "praise":
            weights = dict(TOPIC_WEIGHTS["praise"])
        else:
            weights = dict(TOPIC_WEIGHTS[QUESTION_TOPICS.get(question_id, "complaint")])
            reasons = self.answers.get("reasons")
            if isinstance(reasons, list):
                for reason in reasons:
                    for slug, extra in EXIT_REASON_TOPICS.get(reason, {}).items():
                        weights[slug] = weights.get(slug, 0) + extra
            if self.occasion.outage:
                weights["tech"] = weights.get("tech", 0) * OUTAGE_TECH_BOOST
        for slug, boost in SEGMENT_TOPIC_BOOST.get(self.customer.segment, {}).items():
            if slug in weights:
                weights[slug] *= boost
        return weighted(self.rng, weights)


def survey_counts(total: int, slugs: Sequence[str]) -> dict[str, int]:
    """Split ``total`` over the surveys by their shares (largest remainder)."""
    shares = {slug: SURVEY_SHARES.get(slug, OTHER_SURVEY_SHARE) for slug in slugs}
    whole = sum(shares.values())
    exact = {slug: total * share / whole for slug, share in shares.items()}
    counts = {slug: int(value) for slug, value in exact.items()}
    by_remainder = sorted(exact, key=lambda slug: counts[slug] - exact[slug])
    for slug in by_remainder[: total - sum(counts.values())]:
        counts[slug] += 1
    return counts


def simulated_respondents(
    rng: Random, slugs: Sequence[str], *, total: int, now: datetime
) -> Iterator[tuple[str, Respondent]]:
    """``total`` respondents over the last year, each with the survey they answer.

    The one simulation behind both :func:`add_demo_responses` (the database) and
    :func:`demo_comments` (labelled text for benchmarks), so both see the same data.
    """
    outage = outage_month(now)
    # Fewer customers than responses: many answer more than one survey a year.
    customers = demo_customers(rng, max(10, round(total * 0.7)))
    commenter = Commenter(rng)
    counts = survey_counts(total, slugs)
    plan = [slug for slug, count in counts.items() for _ in range(count)]
    rng.shuffle(plan)
    for slug in plan:
        yield (
            slug,
            Respondent(
                rng,
                commenter,
                customer=rng.choice(customers),
                occasion=demo_occasion(rng, now, outage),
                slug=slug,
            ),
        )


def given_answers(
    rng: Random, definition: SurveyDefinition, respondent: Respondent
) -> tuple[list[tuple[Question, AnswerValue]], bool]:
    """What ``respondent`` answers before stopping, and whether it stopped midway."""
    given = respondent.walk(definition)
    partial = len(given) > 1 and rng.random() < PARTIAL_SHARE
    if partial:
        given = given[: rng.randint(1, len(given) - 1)]
    return given, partial


@dataclass(frozen=True)
class SimulatedAnswer:
    """One answer of a simulated response, with the moment it was given."""

    question: Question
    value: AnswerValue
    answered_at: datetime


@dataclass(frozen=True)
class SimulatedResponse:
    """A simulated response before it is stored: who answered, when, and what.

    ``departments`` maps each free-text question to the department its answer is
    about (None for "all good" and competitor names): the ground truth that themes
    and routing are scored on.
    """

    slug: str
    customer: Customer
    occasion: Occasion
    answers: tuple[SimulatedAnswer, ...]
    partial: bool
    channel: str
    departments: Mapping[str, str | None]
    voices: Mapping[str, str] = field(default_factory=dict)

    @property
    def last_answered_at(self) -> datetime:
        """When the customer gave their last answer (or began, with none)."""
        if not self.answers:
            return self.occasion.started_at
        return self.answers[-1].answered_at

    @property
    def contact_consent(self) -> bool:
        """Whether the customer agreed to be contacted."""
        return any(
            answer.question.consent and answer.value == CONSENT_YES
            for answer in self.answers
        )


def simulated_responses(
    rng: Random,
    definitions: Mapping[str, SurveyDefinition],
    *,
    total: int,
    now: datetime,
) -> Iterator[SimulatedResponse]:
    """``total`` responses to ``definitions`` (by slug) in the year before ``now``.

    Pure: no database and no clock, so the same ``rng`` state and ``now`` always give
    the same responses. Both the seeding and :func:`demo_comments` read this stream.
    """
    for slug, respondent in simulated_respondents(
        rng, list(definitions), total=total, now=now
    ):
        given, partial = given_answers(rng, definitions[slug], respondent)
        moment = respondent.occasion.started_at
        answers = []
        for question, value in given:
            # Customers take longer over words than over numbers.
            moment += timedelta(seconds=rng.uniform(20, 150) if question.type == "text"
                                else rng.uniform(3, 12))  # fmt: skip
            answers.append(SimulatedAnswer(question, value, moment))
        yield SimulatedResponse(
            slug=slug,
            customer=respondent.customer,
            occasion=respondent.occasion,
            answers=tuple(answers),
            partial=partial,
            channel=weighted(rng, CHANNELS),
            departments=respondent.departments,
            voices=respondent.voices,
        )


# -- Labelled comments for benchmarks -------------------------------------------------

SURVEYS_DIR = surveys_dir()


@dataclass(frozen=True)
class DemoAnswer:
    """One simulated free-text answer with what is known to be true about it.

    ``department`` is what it is about (None: all good, a competitor's name),
    ``voice`` how it was written ("complaint", "praise", "suggest", "wish",
    "ask", "competitor", "all good"), ``nps`` the response's NPS rating if its
    survey asks one.
    """

    text: str
    department: str | None
    voice: str
    survey: str
    question_id: str
    nps: int | None


def demo_answers(
    *,
    count: int,
    seed: int = 7,
    surveys_dir: str | Path = SURVEYS_DIR,
    now: datetime | None = None,
) -> list[DemoAnswer]:
    """Free-text answers as :func:`seed_demo` writes them, with their truth.

    No database or app is needed: the survey files are read directly and walked by
    the same simulated respondents as the seeding (:func:`simulated_respondents`),
    so themes, routing and sentiment can be scored against what each answer is
    really about and how it was written.

    Parameters
    ----------
    count : int
        Number of free-text answers wanted.
    seed : int, default 7
        Seed of the simulation; the same seed and ``now`` give the same answers.
    surveys_dir : str or Path, default the project's ``surveys/``
        Folder of survey definition files.
    now : datetime, optional
        End of the simulated year (it places the outage month); default now.

    Returns
    -------
    list of DemoAnswer
        In the order answered.
    """
    if count <= 0:
        return []
    definitions = survey_definitions(surveys_dir)
    now = now or datetime.now(UTC)
    # About three text answers in four responses; simulate plenty and stop early.
    total = max(10, count * 3)
    rng = Random(seed)  # nosec B311 - reproducible fake data, not a secret
    found: list[DemoAnswer] = []
    for response in simulated_responses(rng, definitions, total=total, now=now):
        ratings = [a.value for a in response.answers if a.question.type == "nps"]
        nps = ratings[0] if ratings and isinstance(ratings[0], int) else None
        for answer in response.answers:
            question, text = answer.question, answer.value
            if question.type == "text" and isinstance(text, str) and text.strip():
                found.append(
                    DemoAnswer(
                        text,
                        response.departments.get(question.id),
                        response.voices.get(question.id, ""),
                        response.slug,
                        question.id,
                        nps,
                    )
                )
                if len(found) == count:
                    return found
    return found


def demo_comments(
    *,
    count: int,
    seed: int = 7,
    surveys_dir: str | Path = SURVEYS_DIR,
    now: datetime | None = None,
) -> list[tuple[str, str | None]]:
    """``(text, department slug)`` of :func:`demo_answers` (same parameters).

    The slug is ``None`` for answers about no department ("No, all good so far.",
    a competitor's name).
    """
    answers = demo_answers(count=count, seed=seed, surveys_dir=surveys_dir, now=now)
    return [(answer.text, answer.department) for answer in answers]


def survey_definitions(
    surveys_dir: str | Path = SURVEYS_DIR,
) -> dict[str, SurveyDefinition]:
    """The survey definitions of a folder, by slug in slug order (no database)."""
    definitions = map(load_definition, survey_files(surveys_dir))
    return {
        definition.slug: definition
        for definition in sorted(definitions, key=lambda d: d.slug)
    }
