"""The demo seeder: staff with working logins, and a year of believable responses."""

import csv
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

import pytest
import yaml
from gunicorn.config import Config
from helpers import DATA_DIR, REPO, SURVEYS_DIR
from werkzeug.security import check_password_hash

from cat_survey.catalog import definition_of
from cat_survey.db import db
from cat_survey.demo.phrases import ALL_GOOD, ALL_GOOD_JA, PHRASES, Phrases
from cat_survey.demo.seeding import (
    DEMO_DOMAIN,
    LOGINS_FILE,
    add_demo_responses,
    load_content,
    seed_demo,
)
from cat_survey.demo.simulation import (
    demo_comments,
    outage_month,
    simulated_responses,
    survey_definitions,
)
from cat_survey.domain.flow import applicable_questions, position, stale_answers
from cat_survey.models import Answer, Role, Survey, SurveyResponse, User

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
DEPARTMENT_WORDS = [
    ("cx", ("support",)),
    ("ui-design", ("navigation", "menu", "layout", "screen", "click")),
    ("sales", ("invoice", "pricing", "price", "contract", "billed", "charged")),
    ("marketing", ("marketing", "newsletter", "campaign", "website")),
    ("outreach", ("webinar", "community", "meetup", "forum", "event")),
    ("branding", ("brand", "logo", "tone")),
    ("tech", ("outage", "bug", "api", "slow", "crash", "integration")),
    ("product", ("feature", "roadmap", "reporting", "permissions")),
    ("client-success", ("onboarding", "renewal", "account manager", "training")),
]
TECH_WORDS = ("outage", "down", "slow", "bug", "api", "crash", "error", "time out")
COMPLAINT_QUESTIONS = ("fix_first", "make_it_ten", "leave_reason", "hardest_part")
# The end of the simulated year in every test that seeds: the data then never depends
# on the hour the suite runs (test_the_year_keeps_its_shape_at_any_instant covers
# other instants, month ends included).
NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
INSTANTS = [
    datetime(2026, 1, 31, 23, 59, tzinfo=UTC),
    datetime(2026, 2, 28, 0, 0, tzinfo=UTC),
    datetime(2026, 3, 1, 0, 30, tzinfo=UTC),
    datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC),
    datetime(2026, 11, 30, 14, 30, tzinfo=UTC),
    datetime(2026, 11, 30, 20, 15, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
    datetime(2028, 2, 29, 12, 0, tzinfo=UTC),
]


@pytest.fixture
def seeded(app_ctx: None, cheap_password_hashes: None) -> str:
    """The demo data with 200 responses, committed; returns the summary."""
    summary = seed_demo(responses=200, seed=7, now=NOW)
    db.session.commit()
    return summary


def all_responses() -> list[SurveyResponse]:
    return list(db.session.scalars(db.select(SurveyResponse)))


def texts(locale: str | None = None) -> list[str]:
    query = (
        db.select(Answer.text_value)
        .join(SurveyResponse)
        .where(Answer.question_type == "text", Answer.text_value.is_not(None))
    )
    if locale:
        query = query.where(SurveyResponse.locale == locale)
    return list(db.session.scalars(query))


def counts_by_survey() -> dict[str, int]:
    rows = db.session.execute(
        db.select(Survey.slug, db.func.count())
        .join(SurveyResponse)
        .group_by(Survey.slug)
    )
    return dict(rows.all())


def test_seeds_exactly_the_number_of_responses_asked(seeded):
    assert len(all_responses()) == 200


@pytest.mark.parametrize(
    ("slug", "expected"),
    [("relationship-nps", 110), ("onboarding-csat", 40),
     ("product-usability", 30), ("exit-interview", 20)],
)  # fmt: skip
def test_each_survey_gets_its_share_of_responses(seeded, slug, expected):
    assert counts_by_survey()[slug] == expected


def test_about_one_response_in_eight_is_partial_and_has_no_completion_time(seeded):
    responses = all_responses()
    partial = [r for r in responses if r.status == "partial"]
    complete = [r for r in responses if r.status == "complete"]
    assert 0.05 <= len(partial) / len(responses) <= 0.2
    assert all(r.completed_at is None and r.answers for r in partial)
    assert all(r.completed_at is not None for r in complete)


def test_every_response_follows_its_survey_branching(seeded):
    for response in all_responses():
        definition = definition_of(response.version)
        answers = {a.question_id: a.value for a in response.answers}
        hidden = response.hidden
        assert not stale_answers(definition, answers, hidden), response.id
        done = position(definition, answers, hidden).completed
        assert done == (response.status == "complete"), response.id
        asked = [q.id for q in applicable_questions(definition, answers, hidden)]
        in_order = [
            a.question_id for a in sorted(response.answers, key=lambda a: a.position)
        ]
        assert in_order == asked[: len(in_order)], response.id


@pytest.mark.parametrize(
    ("follow_up", "scores"),
    [("fix_first", range(0, 7)), ("make_it_ten", range(7, 9)),
     ("value_most", range(9, 11))],
)  # fmt: skip
def test_nps_follow_ups_are_only_asked_of_their_group(seeded, follow_up, scores):
    nps = {
        a.response_id: a.number_value
        for a in db.session.scalars(db.select(Answer).filter_by(question_id="nps"))
    }
    follow_ups = list(
        db.session.scalars(db.select(Answer).filter_by(question_id=follow_up))
    )
    assert follow_ups
    assert all(nps[a.response_id] in scores for a in follow_ups)


def test_answers_sit_in_the_column_of_their_type_within_range(seeded):
    for response in all_responses():
        definition = definition_of(response.version)
        for answer in response.answers:
            question = definition.question(answer.question_id)
            assert answer.question_type == question.type
            if question.is_scale:
                assert question.min <= answer.number_value <= question.max
                assert answer.text_value is None
            elif question.type == "choice" and answer.text_value is not None:
                assert answer.text_value in {o.value for o in question.options}
            elif question.type == "multi_choice":
                assert set(answer.choice_values) <= {o.value for o in question.options}
            elif question.type == "text" and answer.text_value is not None:
                assert 0 < len(answer.text_value) <= question.max_length


def test_optional_questions_are_sometimes_skipped(seeded):
    skipped = db.session.scalars(
        db.select(Answer.question_id).where(
            Answer.number_value.is_(None),
            Answer.text_value.is_(None),
            Answer.choice_values.is_(None),
        )
    ).all()
    assert "contact_consent" in skipped
    assert {"fix_first", "make_it_ten", "value_most"} & set(skipped)


@pytest.mark.parametrize(("department", "words"), DEPARTMENT_WORDS)
def test_free_text_talks_about_every_department(department, words):
    # The pure generator at a fixed date: seeding's own dates follow the clock, so a
    # small seeded sample could miss a department by chance on some days.
    comments = demo_comments(count=600, seed=7, now=NOW)
    mentions = [
        text
        for text, topic in comments
        if topic == department and any(w in text.lower() for w in words)
    ]
    assert len(mentions) >= 2, department


def test_free_text_recurs_in_themes_without_repeating_strings(seeded):
    english = texts("en")
    assert len(english) > 100
    assert len(set(english)) / len(english) > 0.6


def test_japanese_customers_answer_in_japanese(seeded):
    responses = all_responses()
    japanese = [r for r in responses if r.locale == "ja"]
    assert 0.03 <= len(japanese) / len(responses) <= 0.2
    assert texts("ja")
    assert all(JAPANESE.search(text) for text in texts("ja"))
    assert not any(JAPANESE.search(text) for text in texts("en"))


def test_responses_carry_segment_and_hidden_fields(seeded):
    responses = all_responses()
    for response in responses:
        assert re.fullmatch(r"C-\d{5}", response.customer_ref)
        assert response.hidden["customer_ref"] == response.customer_ref
        assert response.hidden["segment"] == response.segment
        assert response.hidden["region"] in {"emea", "amer", "apac"}
        assert response.hidden["first_name"]
        assert response.hidden["plan"]
        assert response.hidden["revenue_tier"]
    assert {r.segment for r in responses} == {"enterprise", "mid-market", "smb"}
    assert {r.channel for r in responses} == {"web", "email", "api"}


def test_contact_consent_is_set_exactly_when_the_customer_said_yes(seeded):
    responses = all_responses()
    for response in responses:
        said = {a.question_id: a.text_value for a in response.answers}
        assert response.contact_consent == (said.get("contact_consent") == "yes")
    asked = [
        r
        for r in responses
        if any(a.question_id == "contact_consent" for a in r.answers)
    ]
    share = sum(r.contact_consent for r in asked) / len(asked)
    assert 0.15 <= share <= 0.45


def test_times_fall_within_the_last_year_in_answering_order(seeded):
    now = NOW
    for response in all_responses():
        assert now - timedelta(days=366) <= response.started_at <= now
        times = [
            a.answered_at for a in sorted(response.answers, key=lambda a: a.position)
        ]
        assert times == sorted(times)
        assert response.started_at <= times[0]
        assert response.updated_at == times[-1]
        if response.completed_at is not None:
            assert response.completed_at == times[-1] <= now


def test_demo_staff_cover_every_role_and_department(seeded):
    users = list(db.session.scalars(db.select(User)))
    roles = Counter(user.role for user in users)
    assert roles[Role.ADMIN] == 1
    assert roles[Role.CX_LEAD] == 1
    advocates = Counter(u.department.slug for u in users if u.role == Role.ADVOCATE)
    catalog = yaml.safe_load((SURVEYS_DIR / "departments.yaml").read_text())
    assert set(advocates) == {entry["slug"] for entry in catalog["departments"]}
    assert advocates["cx"] == advocates["tech"] == 2
    assert all(user.email.endswith(f"@{DEMO_DOMAIN}") for user in users)


def test_logins_file_is_private_and_its_passwords_sign_in(
    app, app_ctx, cheap_password_hashes
):
    summary = seed_demo(responses=10, now=NOW)
    db.session.commit()
    path = Path(app.instance_path) / LOGINS_FILE
    lines = path.read_text(encoding="utf-8").splitlines()
    logins = [line.split() for line in lines if f"@{DEMO_DOMAIN}" in line]
    assert len(logins) == db.session.scalar(db.select(db.func.count(User.id))) == 13
    for *_, email, password in logins:
        user = db.session.scalar(db.select(User).filter_by(email=email))
        assert check_password_hash(user.password_hash, password)
        assert password in summary
    assert path.stat().st_mode & 0o077 == 0


def test_passwords_differ_between_accounts(seeded, app):
    with open(Path(app.instance_path) / LOGINS_FILE, encoding="utf-8") as file:
        passwords = [line.split()[-1] for line in file if f"@{DEMO_DOMAIN}" in line]
    assert len(set(passwords)) == len(passwords) == 13


def test_seeding_again_adds_nothing_and_says_so(seeded):
    before = counts_by_survey()
    users = db.session.scalar(db.select(db.func.count(User.id)))
    again = seed_demo(responses=200, seed=8, now=NOW)
    db.session.commit()
    assert "already there" in again
    assert f"admin@{DEMO_DOMAIN}" in again
    assert counts_by_survey() == before
    assert db.session.scalar(db.select(db.func.count(User.id))) == users


def test_summary_counts_surveys_and_statuses(seeded):
    assert "Responses: 200" in seeded
    for slug in (
        "relationship-nps",
        "onboarding-csat",
        "product-usability",
        "exit-interview",
    ):
        assert slug in seeded
    assert "complete" in seeded
    assert "partial" in seeded
    assert f"lead@{DEMO_DOMAIN}" in seeded


def snapshot(responses: list[SurveyResponse]) -> list[tuple]:
    """What a response says, without its token and exact times."""
    return [
        (r.survey_id, r.status, r.segment, r.customer_ref, r.locale,
         [(a.question_id, a.value) for a in r.answers])
        for r in responses
    ]  # fmt: skip


def test_same_seed_gives_the_same_responses(app_ctx):
    versions = load_content()
    add_demo_responses(Random(3), versions, total=60, now=NOW)
    add_demo_responses(Random(3), versions, total=60, now=NOW)
    add_demo_responses(Random(4), versions, total=60, now=NOW)
    db.session.commit()
    responses = list(
        db.session.scalars(db.select(SurveyResponse).order_by(SurveyResponse.id))
    )
    first, second, third = (
        snapshot(responses[:60]),
        snapshot(responses[60:120]),
        snapshot(responses[120:]),
    )
    assert first == second
    assert first != third


def nps(scores: list[float]) -> float:
    promoters = sum(score >= 9 for score in scores)
    detractors = sum(score <= 6 for score in scores)
    return 100 * (promoters - detractors) / len(scores)


def assert_nps_is_lowest_for_enterprise_and_dips_in_the_outage_month(
    scores: list[tuple[str, datetime, float]], now: datetime
) -> None:
    """Check ``(segment, started_at, nps)`` of complete responses."""
    outage = outage_month(now)
    by_segment = defaultdict(list)
    by_outage = defaultdict(list)
    for segment, started_at, score in scores:
        by_segment[segment].append(score)
        by_outage[(started_at.year, started_at.month) == outage].append(score)
    assert nps(by_segment["enterprise"]) < nps(by_segment["mid-market"])
    assert nps(by_segment["mid-market"]) < nps(by_segment["smb"])
    assert nps(by_outage[True]) < nps(by_outage[False]) - 15


def assert_outage_month_complaints_are_mostly_about_tech(
    complaints: list[tuple[datetime, str]], now: datetime
) -> None:
    """Check ``(started_at, text)`` of English complaints."""
    outage = outage_month(now)
    about_tech = defaultdict(list)
    for when, text in complaints:
        in_outage_month = (when.year, when.month) == outage
        about_tech[in_outage_month].append(any(w in text.lower() for w in TECH_WORDS))
    share = {key: sum(flags) / len(flags) for key, flags in about_tech.items()}
    assert share[True] > 2 * share[False]


def test_nps_is_lowest_for_enterprise_and_dips_in_the_outage_month(
    app_ctx, cheap_password_hashes
):
    seed_demo(responses=1000, now=NOW)
    db.session.commit()
    rows = db.session.execute(
        db.select(
            SurveyResponse.segment, SurveyResponse.started_at, Answer.number_value
        )
        .join(Answer)
        .where(Answer.question_id == "nps", SurveyResponse.status == "complete")
    ).all()
    assert_nps_is_lowest_for_enterprise_and_dips_in_the_outage_month(rows, NOW)


def test_outage_month_complaints_are_mostly_about_tech(app_ctx, cheap_password_hashes):
    seed_demo(responses=1000, now=NOW)
    db.session.commit()
    complaints = db.session.execute(
        db.select(SurveyResponse.started_at, Answer.text_value)
        .join(Answer)
        .where(
            Answer.question_id.in_(COMPLAINT_QUESTIONS),
            SurveyResponse.locale == "en",
            Answer.text_value.is_not(None),
        )
    ).all()
    assert_outage_month_complaints_are_mostly_about_tech(complaints, NOW)


@pytest.fixture(scope="module")
def definitions() -> dict:
    return survey_definitions(SURVEYS_DIR)


@pytest.mark.parametrize("now", INSTANTS, ids=lambda now: f"{now:%Y-%m-%dT%H:%M}")
def test_the_year_keeps_its_shape_at_any_instant(definitions, now):
    # What the seeded tests check at NOW, on the same simulation without a database.
    year = list(simulated_responses(Random(7), definitions, total=1000, now=now))
    started = [response.occasion.started_at for response in year]
    assert all(now - timedelta(days=365) <= at < now for at in started)
    assert all(r.last_answered_at <= now for r in year)
    outage = outage_month(now)
    months = [(r.occasion.started_at.year, r.occasion.started_at.month) for r in year]
    in_outage = [month for month in months if month == outage]
    assert len(in_outage) / len(year) > 0.05  # a whole month of the year
    assert sum(r.occasion.outage for r in year) == len(in_outage)
    scores = [
        (r.customer.segment, r.occasion.started_at, a.value)
        for r in year
        if not r.partial
        for a in r.answers
        if a.question.id == "nps"
    ]
    assert_nps_is_lowest_for_enterprise_and_dips_in_the_outage_month(scores, now)
    complaints = [
        (r.occasion.started_at, a.value)
        for r in year
        if r.customer.locale == "en"
        for a in r.answers
        if a.question.id in COMPLAINT_QUESTIONS and a.value is not None
    ]
    assert_outage_month_complaints_are_mostly_about_tech(complaints, now)


def test_cli_seeds_and_prints_the_logins(app, runner, cheap_password_hashes):
    result = runner.invoke(args=["seed-demo", "--responses", "50"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert len(all_responses()) == 50
        users = list(db.session.scalars(db.select(User)))
    with open(Path(app.instance_path) / LOGINS_FILE, encoding="utf-8") as file:
        saved = [line.split() for line in file if f"@{DEMO_DOMAIN}" in line]
    for *_, email, password in saved:
        assert re.search(rf"{re.escape(email)}\s+{re.escape(password)}", result.output)
    assert {user.email for user in users} == {email for *_, email, _ in saved}

    again = runner.invoke(args=["seed-demo", "--responses", "50"])
    assert again.exit_code == 0, again.output
    assert "already there" in again.output
    with app.app_context():
        assert len(all_responses()) == 50


def test_cli_ends_the_simulated_year_at_the_date_asked(
    app, runner, cheap_password_hashes
):
    result = runner.invoke(
        args=["seed-demo", "--responses", "30", "--now", "2026-03-01T00:30"]
    )
    assert result.exit_code == 0, result.output
    end = datetime(2026, 3, 1, 0, 30, tzinfo=UTC)
    with app.app_context():
        started = [response.started_at for response in all_responses()]
    assert all(end - timedelta(days=365) <= at < end for at in started)


def test_cli_refuses_a_negative_number_of_responses(runner):
    result = runner.invoke(args=["seed-demo", "--responses", "-5"])
    assert result.exit_code == 1
    assert "0 or more" in result.output


# -- The phrase bank -------------------------------------------------------------------


def words_of(text: str) -> set[str]:
    return set(re.findall(r"[a-z']+", re.sub(r"\{\w+\}", " ", text.lower())))


def test_phrase_bank_has_fifteen_complaints_for_every_catalog_department():
    catalog = yaml.safe_load((SURVEYS_DIR / "departments.yaml").read_text())
    for entry in catalog["departments"]:
        phrases = PHRASES[entry["slug"]]
        assert len(set(phrases.complaints)) >= 15, entry["slug"]
        assert phrases.praise, entry["slug"]
        assert phrases.asks, entry["slug"]
        assert phrases.complaints_ja, entry["slug"]
        assert phrases.praise_ja, entry["slug"]


def test_phrase_bank_shares_no_sentence_with_routing_training_or_test_data():
    catalog = yaml.safe_load((SURVEYS_DIR / "departments.yaml").read_text())
    routing_texts = [e for entry in catalog["departments"] for e in entry["examples"]]
    with open(DATA_DIR / "routing_labelled.csv", encoding="utf-8") as file:
        routing_texts += [row["text"] for row in csv.DictReader(file)]
    theirs = [(text, words_of(text)) for text in routing_texts]
    ours = [p for phrases in PHRASES.values()
            for p in phrases.complaints + phrases.praise + phrases.outage]  # fmt: skip
    for phrase in ours:
        mine = words_of(phrase)
        for text, other in theirs:
            overlap = len(mine & other) / len(mine | other)
            assert overlap < 0.45, (phrase, text)


# -- Labelled comments for benchmarks ---------------------------------------------


def phrase_windows(phrases: Phrases) -> set[str]:
    """Every run of three literal words of a department's phrases, lower-cased."""
    windows = set()
    every = [*phrases.complaints, *phrases.praise, *phrases.asks, *phrases.outage]
    for phrase in every:
        for piece in re.split(r"\{\w+\}", phrase.lower().replace("'", "")):
            words = re.findall(r"[\w-]+", piece)
            windows.update(" ".join(words[i : i + 3]) for i in range(len(words) - 2))
    return windows


@pytest.fixture(scope="module")
def comments() -> list[tuple[str, str | None]]:
    return demo_comments(count=400, seed=3, now=NOW)


def test_demo_comments_gives_the_count_asked_with_a_department_or_none(comments):
    assert len(comments) == 400
    assert all(text.strip() for text, _ in comments)
    assert {slug for _, slug in comments} <= {*PHRASES, None}
    assert len({slug for _, slug in comments if slug}) >= 8


def test_demo_comments_are_the_same_for_the_same_seed_and_date(comments):
    assert demo_comments(count=400, seed=3, now=NOW) == comments
    assert demo_comments(count=400, seed=4, now=NOW) != comments
    assert demo_comments(count=0, seed=3) == []


def test_demo_comments_come_from_their_department_phrases(comments):
    windows = {slug: phrase_windows(phrases) for slug, phrases in PHRASES.items()}
    english = [(t, s) for t, s in comments if s and not JAPANESE.search(t)]
    found = [
        any(w in re.sub(r"[^\w\s-]", "", text.lower()) for w in windows[slug])
        for text, slug in english
    ]
    # Typos (swapped letters) may break one window, rarely every one.
    assert sum(found) / len(found) > 0.95


def test_demo_comments_include_japanese_and_answers_about_no_department(comments):
    japanese = [slug for text, slug in comments if JAPANESE.search(text)]
    assert 0.03 <= len(japanese) / len(comments) <= 0.25
    assert any(slug for slug in japanese)
    all_good = [text for text, slug in comments if slug is None]
    assert any(text in ALL_GOOD or text in ALL_GOOD_JA for text in all_good)


def test_the_demo_serves_without_gunicorns_shared_control_socket():
    script = (REPO / "scripts" / "demo").read_text()
    serve = script[script.index(".venv/bin/gunicorn") :]
    assert "--no-control-socket" in serve.split("'cat_survey:create_app()'")[0]
    # The installed gunicorn knows the flag: an unknown one would exit here.
    Config().parser().parse_args(["--no-control-socket", "cat_survey:create_app()"])
