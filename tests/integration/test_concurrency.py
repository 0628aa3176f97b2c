"""Integrity under concurrency against a real gunicorn (security issue #7).

Eight clients connect first, wait at a barrier, then send the same request at
once: the same invitation started eight times, or the same answer given eight
times. Every round must store exactly one row and answer every client without a
server error. Then workers are killed with SIGKILL in the middle of a write load:
nothing half-written may remain, SQLite must pass its integrity check, and the
respawned workers must serve again.
"""

import http.client
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from random import Random
from typing import Any

import pytest
from sqlalchemy import text

from cat_survey.catalog import definition_of
from cat_survey.db import db
from cat_survey.domain.flow import position
from cat_survey.domain.responses import active_survey, new_token
from cat_survey.models import Answer, Invitation, SurveyResponse

pytestmark = pytest.mark.slow

SURVEY = "relationship-nps"
ROUNDS = 100
SIMULTANEOUS = 8
START_PATH = f"/api/v1/surveys/{SURVEY}/conversations"
LOAD_CLIENTS = 8
LOAD_SECONDS_MAX = 90
# The relationship survey cannot complete without these (the follow-up is optional).
REQUIRED_QUESTIONS = ("nps", "support_csat")

Request = tuple[str, str, dict[str, Any] | None]


def answer_path(token: str) -> str:
    """Where a conversation's answers are posted."""
    return f"/api/v1/conversations/{token}/answers"


def fire_together(
    server, pool: ThreadPoolExecutor, requests: list[Request]
) -> list[tuple[int, Any]]:
    """Connect one client per request, then release them all at the same moment."""
    barrier = threading.Barrier(len(requests))

    def one(request: Request) -> tuple[int, Any]:
        connection = server.connection()
        try:
            connection.connect()
            barrier.wait(timeout=30)
            return server.send(connection, *request)
        finally:
            connection.close()

    return list(pool.map(one, requests))


def start_conversation(server) -> str:
    """Start a plain conversation through the API; return its token."""
    status, body = server.request("POST", START_PATH, {"hidden": {}})
    assert status == 201, body
    return body["token"]


def test_simultaneous_starts_of_one_invitation_store_one_response(gunicorn_server):
    server = gunicorn_server
    with server.app.app_context():
        survey = active_survey(SURVEY)
        invitations = [
            Invitation(survey=survey, token=new_token(), customer_ref=f"race-{n}")
            for n in range(ROUNDS)
        ]
        db.session.add_all(invitations)
        db.session.commit()
        tokens = {invitation.id: invitation.token for invitation in invitations}

    outcomes: dict[int, list[tuple[int, Any]]] = {}
    with ThreadPoolExecutor(SIMULTANEOUS) as pool:
        for invitation_id, token in tokens.items():
            body = {"hidden": {}, "invitation": token}
            outcomes[invitation_id] = fire_together(
                server, pool, [("POST", START_PATH, body)] * SIMULTANEOUS
            )

    statuses = Counter(status for round_ in outcomes.values() for status, _ in round_)
    assert statuses == {201: ROUNDS * SIMULTANEOUS}
    with server.app.app_context():
        stored = db.session.execute(
            db.select(SurveyResponse.invitation_id, SurveyResponse.token).where(
                SurveyResponse.invitation_id.in_(tokens)
            )
        ).all()
        # Also counts a response that lost its link to the invitation.
        started = db.session.scalar(
            db.select(db.func.count(SurveyResponse.id)).where(
                SurveyResponse.customer_ref.like("race-%")
            )
        )
    assert started == ROUNDS
    per_invitation = Counter(invitation_id for invitation_id, _ in stored)
    assert per_invitation == dict.fromkeys(tokens, 1)
    for invitation_id, response_token in stored:
        given = {body["token"] for _, body in outcomes[invitation_id]}
        assert given == {response_token}


@pytest.mark.parametrize(
    ("case", "values", "follow_ups"),
    [
        ("a retried POST", [7] * SIMULTANEOUS, {"make_it_ten"}),
        # NPS 0-6 is followed by fix_first, 7 by make_it_ten.
        ("two tabs disagreeing", list(range(8)), {"fix_first", "make_it_ten"}),
    ],
)
def test_simultaneous_answers_to_one_question_store_one_answer(
    gunicorn_server, case, values, follow_ups
):
    server = gunicorn_server
    conversations = [start_conversation(server) for _ in range(ROUNDS)]
    outcomes: dict[str, list[tuple[int, Any]]] = {}
    with ThreadPoolExecutor(SIMULTANEOUS) as pool:
        for token in conversations:
            requests = [
                ("POST", answer_path(token), {"question_id": "nps", "value": value})
                for value in values
            ]
            outcomes[token] = fire_together(server, pool, requests)

    statuses = Counter(status for round_ in outcomes.values() for status, _ in round_)
    assert statuses == {200: ROUNDS * SIMULTANEOUS}, case
    next_steps = {
        body["next"]["id"] for round_ in outcomes.values() for _, body in round_
    }
    assert next_steps <= follow_ups
    with server.app.app_context():
        stored = db.session.execute(
            db.select(SurveyResponse.token, Answer.question_id, Answer.number_value)
            .join(Answer)
            .where(SurveyResponse.token.in_(conversations))
        ).all()
    assert Counter(token for token, _, _ in stored) == dict.fromkeys(conversations, 1)
    assert {question_id for _, question_id, _ in stored} == {"nps"}
    assert {value for _, _, value in stored} <= set(values)


def run_customer(server, rng: Random) -> str:
    """Start a conversation and answer it to the end; say how it went."""
    connection = server.connection()
    try:
        status, body = server.send(connection, "POST", START_PATH, {"hidden": {}})
        if status != 201:
            return f"start {status}"
        path, question = answer_path(body["token"]), body["next"]
        while question is not None:
            value = answer_for(question, rng)
            answer = {"question_id": question["id"], "value": value}
            status, body = server.send(connection, "POST", path, answer)
            if status != 200:
                return f"answer {status}"
            question = body["next"]
        return "complete"
    except (OSError, http.client.HTTPException):
        # The worker died under this request: the customer gives up this one.
        return "dropped"
    finally:
        connection.close()


def answer_for(question: dict[str, Any], rng: Random) -> Any:
    """A plausible answer to a question as the API describes it."""
    if "min" in question:
        return rng.randint(question["min"], question["max"])
    if "options" in question:
        return rng.choice(question["options"])["value"]
    return "The invoices are hard to read"


def run_customers(
    server, stop: threading.Event, seed: int, on_complete: Callable[[], None]
) -> Counter:
    """Run customers one after another until told to stop (or the time is up)."""
    rng = Random(seed)
    outcomes: Counter = Counter()
    deadline = time.monotonic() + LOAD_SECONDS_MAX
    while not stop.is_set() and time.monotonic() < deadline:
        outcome = run_customer(server, rng)
        outcomes[outcome] += 1
        if outcome == "complete":
            on_complete()
    return outcomes


def test_killed_workers_leave_no_half_written_response(gunicorn_server):
    server = gunicorn_server
    originals = server.wait_for_workers()
    stop = threading.Event()
    completed = Counter()
    lock = threading.Lock()

    def on_complete() -> None:
        with lock:
            completed["total"] += 1

    def completions() -> int:
        with lock:
            return completed["total"]

    def wait_for_completions(count: int) -> None:
        deadline = time.monotonic() + LOAD_SECONDS_MAX
        while completions() < count and time.monotonic() < deadline:
            time.sleep(0.05)

    with ThreadPoolExecutor(LOAD_CLIENTS) as pool:
        futures = [
            pool.submit(run_customers, server, stop, seed, on_complete)
            for seed in range(LOAD_CLIENTS)
        ]
        try:
            # Kill one original worker, then the other once a replacement serves,
            # so every request after the second kill is served by a new worker.
            for victim in sorted(originals):
                wait_for_completions(completions() + 10)
                os.kill(victim, signal.SIGKILL)
                server.wait_for_workers(excluding={victim})
            respawned = server.worker_pids()
            before = completions()
            wait_for_completions(before + 10)
            after_kills = completions() - before
        finally:
            stop.set()
        outcomes = sum((future.result() for future in futures), Counter())

    assert not respawned & originals
    # Both kills cut requests short, and nothing answered with a server error.
    assert set(outcomes) == {"complete", "dropped"}, outcomes
    assert after_kills >= 10, outcomes
    # Requests succeed again, served only by the respawned workers.
    assert run_customer(server, Random(0)) == "complete"
    assert server.worker_pids() == respawned
    with server.app.app_context():
        assert_no_half_written_responses()


def assert_no_half_written_responses() -> None:
    """Every answer has its response and every status agrees with the answers."""
    orphans = db.session.scalar(
        text(
            "SELECT count(*) FROM answer LEFT JOIN survey_response"
            " ON survey_response.id = answer.response_id"
            " WHERE survey_response.id IS NULL"
        )
    )
    assert orphans == 0
    required = ", ".join(f"'{question}'" for question in REQUIRED_QUESTIONS)
    incomplete = db.session.scalar(
        text(
            "SELECT count(*) FROM survey_response WHERE status = 'complete' AND"
            " (SELECT count(DISTINCT question_id) FROM answer"
            "  WHERE answer.response_id = survey_response.id"
            f"  AND question_id IN ({required})) < {len(REQUIRED_QUESTIONS)}"
        )
    )
    assert incomplete == 0
    for response in db.session.scalars(db.select(SurveyResponse)):
        definition = definition_of(response.version)
        answers = {answer.question_id: answer.value for answer in response.answers}
        completed = position(definition, answers, response.hidden).completed
        assert (response.status == "complete") == completed, response.token
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(text("PRAGMA integrity_check")).all() == [("ok",)]
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
