"""Fuzzing every public POST endpoint and API route with Hypothesis.

Each test sends 2,000 generated requests to one endpoint through one reused
client (one app, one database, one CSRF-carrying session per test): any
Unicode text including NUL (no lone surrogates, which no encoding can carry),
0 to 10,000 characters, wrong JSON types, missing and repeated form fields,
wrong content types and malformed bodies. Every response must be below 500
(the test app propagates exceptions, so a crash fails the example with its
traceback), and once all examples ran every stored row must still be valid.
Conversations and invitations are created once and replaced only when the
fuzzer used them up, so each example costs one request.
"""

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient
from helpers import TEST_PASSWORD, csrf_token
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.security import generate_password_hash
from werkzeug.test import encode_multipart

from cat_survey.catalog import definition_of
from cat_survey.db import db
from cat_survey.domain.flow import AnswerError, clean_answer
from cat_survey.domain.responses import (
    HIDDEN_VALUE_LIMIT,
    load_conversation,
    new_token,
    start_conversation,
)
from cat_survey.domain.signed_links import sign_link
from cat_survey.models import (
    Answer,
    Invitation,
    LoginFailure,
    ResponseStatus,
    Survey,
    SurveyResponse,
    utcnow,
)

EXAMPLES = 2000
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # nothing written to the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SURVEY = "relationship-nps"
#: Stands for the conversation's next question, so the fuzzer also walks whole
#: conversations instead of bouncing off "answer the current question first".
NEXT = "<next question>"
#: Stands for a valid answer to the question being answered.
VALID = "<valid answer>"
QUESTION_IDS = ("nps", "fix_first", "make_it_ten", "value_most", "support_csat",
                "contact_consent")  # fmt: skip
HIDDEN_NAMES = ("customer_ref", "first_name", "segment", "plan", "region",
                "revenue_tier")  # fmt: skip

# ---------------------------------------------------------------- strategies

# Any code point an encoder can carry (lone surrogates cannot be sent at all).
CHARACTERS = st.characters(codec="utf-8")
SPECIAL_TEXTS = st.sampled_from(
    [
        "", " ", "\x00", "a\x00b", "\x00" * 64, "\r\n", "\t", "0", "3", "9", "10",
        "11", "-1", "1.5", "1e400", "-1e400", "NaN", "inf", "9" * 5000, "yes",
        "no", *QUESTION_IDS, "🙂", "\ufeff", "\u202e", "%00", "' OR 1=1 --",
        "<script>", "../../etc/passwd", "{first_name}", "İ" * 300, "\U0010ffff",
        "a" * 64, "a" * 65, "x" * 501, "é" * 10_000,
    ]
)  # fmt: skip


def repeated(unit: str, count: int) -> str:
    """A long text made cheaply: ``unit`` repeated, cut at 10,000 characters."""
    return (unit * count)[:10_000]


TEXTS = st.one_of(
    SPECIAL_TEXTS,
    st.text(CHARACTERS, max_size=40),
    st.text(CHARACTERS, max_size=400),
    st.builds(
        repeated, st.text(CHARACTERS, min_size=1, max_size=8), st.integers(1, 10_000)
    ),
)
HUGE_NUMBERS = st.sampled_from([10**400, -(10**400), 2**1024, 10**4000])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), HUGE_NUMBERS, st.floats(), TEXTS
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.one_of(st.sampled_from(HIDDEN_NAMES), TEXTS), children, max_size=4
        )
    ),
    max_leaves=8,
)
WRONG_CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=fuzz",
        "application/json",
        "application/json; charset=latin-1",
        "text/plain",
        "",
        "application/octet-stream",
        "multipart/form-data",
    ]
)
# Mostly the content type that matches the body (None), else a wrong one.
CONTENT_TYPES = st.one_of(st.none(), st.none(), st.none(), WRONG_CONTENT_TYPES)


def encoded(pairs: list[tuple[str, str]], encoding: str) -> tuple[bytes, str]:
    """A form as a body in one of several encodings, with its content type."""
    if encoding == "urlencoded":
        body = urlencode(pairs, encoding="utf-8").encode("ascii")
        return body, "application/x-www-form-urlencoded"
    if encoding == "multipart":
        # A fixed boundary: werkzeug's random one would make examples unrepeatable.
        boundary, body = encode_multipart(MultiDict(pairs), boundary="fuzz-boundary")
        return body, f"multipart/form-data; boundary={boundary}"
    return json.dumps(dict(pairs)).encode(), "application/json"


@st.composite
def form_requests(
    draw: st.DrawFn, names: tuple[str, ...], token: str
) -> tuple[bytes, str]:
    """A form body: known and unknown fields, some missing, some repeated."""
    name = st.one_of(st.sampled_from(names), TEXTS)
    pairs = draw(st.lists(st.tuples(name, TEXTS), max_size=8))
    csrf = draw(st.sampled_from(["valid", "valid", "missing", "fuzzed", "twice"]))
    if csrf == "valid":
        pairs.append(("csrf_token", token))
    elif csrf == "fuzzed":
        pairs.append(("csrf_token", draw(TEXTS)))
    elif csrf == "twice":
        pairs += [("csrf_token", draw(TEXTS)), ("csrf_token", token)]
    pairs = draw(st.permutations(pairs))
    encoding = draw(st.sampled_from(["urlencoded", "urlencoded", "multipart", "json"]))
    if draw(st.integers(0, 19)) == 0:
        body, content_type = draw(st.binary(max_size=300)), "application/octet-stream"
    else:
        body, content_type = encoded(list(pairs), encoding)
    chosen = draw(CONTENT_TYPES)
    return body, content_type if chosen is None else chosen


def json_bytes(value: Any) -> bytes:
    """JSON text of any value, NaN and Infinity included (Python writes them)."""
    return json.dumps(value).encode()


def nested(depth: int) -> bytes:
    """JSON arrays nested ``depth`` deep."""
    return b"[" * depth + b"]" * depth


@st.composite
def json_requests(draw: st.DrawFn, fields: dict[str, st.SearchStrategy]) -> tuple:
    """A JSON body (a dict, or bytes): the expected fields with any types, or junk."""
    kind = draw(st.integers(0, 9))
    if kind <= 5:
        # Left a dict, so a test may fill in NEXT before sending it.
        body = draw(st.fixed_dictionaries({}, optional=fields))
    elif kind <= 7:
        body = json_bytes(draw(JSON_VALUES))
    elif kind == 8:
        body = draw(
            st.one_of(st.binary(max_size=300), st.builds(nested, st.integers(1, 5000)))
        )
    else:
        body = draw(TEXTS).encode("utf-8")
    chosen = draw(CONTENT_TYPES)
    return body, "application/json" if chosen is None else chosen


def one_line(text: str) -> str:
    """Text fit for a header: HTTP cannot carry line breaks in one."""
    return text.replace("\r", "").replace("\n", "")


def path_part(text: str) -> str:
    """Any text as one URL path segment."""
    return quote(text, safe="")


@st.composite
def mostly(draw: st.DrawFn, usual: Any, other: st.SearchStrategy) -> Any:
    """``usual`` three times in four, else a value of ``other``.

    (``st.one_of`` does not weigh its branches evenly: a rich strategy wins.)
    """
    if draw(st.sampled_from([True, True, True, False])):
        return usual
    return draw(other)


def links() -> st.SearchStrategy[str | None]:
    """None, meaning the live token, three times in four; else any text."""
    return mostly(None, TEXTS)


def link(drawn: str | None, current: str) -> str:
    """The live token when the fuzzer drew None, else the drawn text."""
    return current if drawn is None else path_part(drawn)


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def survey(make_survey: Callable[..., str]) -> str:
    """The fuzzed survey, stored."""
    return make_survey(SURVEY)


@pytest.fixture
def fuzz_client(app: Flask, survey: str) -> FlaskClient:
    """One client for every example, holding a session with a CSRF token."""
    client = app.test_client()
    client.get(f"/s/{survey}")
    return client


def session_token(client: FlaskClient, survey: str) -> str:
    """The CSRF token of the client's session."""
    return csrf_token(client.get(f"/s/{survey}").text)


def send(
    client: FlaskClient,
    url: str,
    body: bytes | dict,
    content_type: str,
    headers: dict[str, str] | None = None,
):
    """POST raw bytes; return the response, closed."""
    headers = dict(headers or {})
    if content_type:
        headers["Content-Type"] = content_type
    data = json_bytes(body) if isinstance(body, dict) else body
    response = client.post(url, data=data, headers=headers)
    response.close()
    assert response.status_code < 500
    return response


class Conversations:
    """The conversation being fuzzed; a new one once the fuzzer completes it."""

    def __init__(self, survey: str) -> None:
        self.survey = survey
        self.token = ""
        self.completed = 0
        self.renew()

    def renew(self) -> None:
        record = db.session.scalar(select(Survey).filter_by(slug=self.survey))
        self.token = start_conversation(record).token

    def next_id(self) -> str:
        """The id of the question the conversation asks now."""
        conversation = load_conversation(self.token)
        return conversation.position.next.id

    def valid_value(self, question_id: Any) -> Any:
        """A value the question takes (None for an unknown question)."""
        definition = load_conversation(self.token).definition
        question = (
            definition.question(question_id) if isinstance(question_id, str) else None
        )
        if question is None:
            return None
        if question.is_scale:
            return question.min
        if question.options:
            first = question.options[0].value
            return [first] if question.type == "multi_choice" else first
        return "The invoice was wrong twice."

    def renew_if_complete(self) -> None:
        status = db.session.scalar(
            select(SurveyResponse.status).filter_by(token=self.token)
        )
        if status == ResponseStatus.COMPLETE:
            self.completed += 1
            self.renew()


# ---------------------------------------------------------------- row checks


def texts_in(value: Any) -> Iterator[str]:
    """Every string inside a stored value (JSON columns included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from texts_in(key)
            yield from texts_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from texts_in(item)


def invalid_rows() -> list[str]:
    """Every stored row that breaks a rule the app promises; [] when all hold."""
    db.session.expire_all()
    problems = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            if any("\x00" in text for text in texts_in(tuple(row))):
                problems.append(f"{table.name} {row[0]}: NUL in a text column")
    for response in db.session.scalars(select(SurveyResponse)):
        where = f"response {response.id}"
        definition = definition_of(response.version)
        if response.status not in set(ResponseStatus):
            problems.append(f"{where}: status {response.status!r}")
        if (response.status == ResponseStatus.COMPLETE) != (
            response.completed_at is not None
        ):
            problems.append(f"{where}: completed_at does not match its status")
        hidden = response.hidden
        if not isinstance(hidden, dict) or set(hidden) - set(definition.hidden):
            problems.append(f"{where}: hidden fields {hidden!r}")
        elif not all(
            isinstance(value, str) and 0 < len(value) <= HIDDEN_VALUE_LIMIT
            for value in hidden.values()
        ):
            problems.append(f"{where}: a hidden value is not short text")
        for column, limit in (("customer_ref", 200), ("segment", 100)):
            value = getattr(response, column)
            if value is not None and (
                len(value) > limit or value != hidden.get(column)
            ):
                problems.append(f"{where}: {column} {value[:20]!r}...")
        for answer in response.answers:
            problems += invalid_answer(definition, answer)
    return problems


def invalid_answer(definition: Any, answer: Answer) -> list[str]:
    """Why a stored answer is not what ``clean_answer`` would store, if it is not."""
    where = f"answer {answer.id} ({answer.question_id})"
    question = definition.question(answer.question_id)
    if question is None or question.type != answer.question_type:
        return [f"{where}: no such question of this type"]
    value = answer.value
    try:
        cleaned = clean_answer(question, value)
    except AnswerError as error:
        return [f"{where}: {value!r:.40} is invalid: {error}"]
    return [] if cleaned == value else [f"{where}: {value!r:.40} is not clean"]


# ---------------------------------------------------------------- the fuzzers


@pytest.mark.slow
def test_fuzzed_survey_starts_never_fail_or_store_invalid_rows(
    fuzz_client, survey, app_ctx
):
    token = session_token(fuzz_client, survey)
    cookie = f"cat_survey_{survey}"

    @FUZZ
    @given(
        slug=st.one_of(st.just(survey), st.just(survey), TEXTS),
        form=form_requests(HIDDEN_NAMES, token),
        resume=st.one_of(st.none(), TEXTS),
        language=st.one_of(st.none(), TEXTS),
    )
    def start(slug: str, form: tuple, resume: str | None, language: str | None):
        fuzz_client.delete_cookie(cookie)
        if resume is not None:
            # Browsers keep cookies of at most 4 kB: a resume token is never longer.
            text = one_line(resume).encode()[:200].decode("utf-8", "ignore")
            fuzz_client.set_cookie(cookie, text)
        headers = {"Accept-Language": one_line(language)} if language else {}
        send(fuzz_client, f"/s/{path_part(slug)}", *form, headers=headers)

    start()
    assert invalid_rows() == []
    assert count(SurveyResponse) > 50  # the fuzzer got past the form, often


def count(model: type) -> int:
    """How many rows a table holds."""
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.slow
def test_fuzzed_invitation_starts_never_fail_or_store_invalid_rows(
    fuzz_client, survey, app_ctx
):
    token = session_token(fuzz_client, survey)
    survey_id = db.session.scalar(select(Survey.id).filter_by(slug=survey))
    invitations: list[str] = []

    def new_invitation() -> str:
        invitation = Invitation(
            survey_id=survey_id, token=new_token(), hidden={"segment": "smb"}
        )
        db.session.add(invitation)
        db.session.commit()
        invitations.append(invitation.token)
        return invitation.token

    new_invitation()

    @FUZZ
    @given(
        drawn=links(),
        form=form_requests(("question_id", "value", *HIDDEN_NAMES), token),
    )
    def accept(drawn: str | None, form: tuple):
        url = f"/i/{link(drawn, invitations[-1])}"
        response = send(fuzz_client, url, *form)
        if response.status_code == 302 and drawn is None:
            new_invitation()  # used: the next example gets a fresh one

    accept()
    assert invalid_rows() == []
    assert len(invitations) > 50  # the fuzzer did start conversations


@pytest.mark.slow
def test_fuzzed_answers_on_the_page_never_fail_or_store_invalid_rows(
    fuzz_client, survey, app_ctx
):
    token = session_token(fuzz_client, survey)
    conversations = Conversations(survey)
    values = st.one_of(
        st.sampled_from([str(n) for n in range(-1, 12)] + ["yes", "no"]), TEXTS
    )

    @FUZZ
    @given(
        drawn=links(),
        pairs=st.lists(
            st.tuples(st.sampled_from(("question_id", "value", "skip")), values),
            max_size=5,
        ),
        question=mostly(NEXT, st.one_of(st.sampled_from(QUESTION_IDS), TEXTS)),
        value=mostly(VALID, values),
        csrf=st.sampled_from(["valid", "valid", "valid", "missing", "fuzzed"]),
        fragment=st.booleans(),
        encoding=st.sampled_from(["urlencoded", "urlencoded", "multipart", "json"]),
    )
    def answer(drawn, pairs, question, value, csrf, fragment, encoding):
        if question == NEXT:
            question = conversations.next_id()
        if value == VALID:
            value = str(conversations.valid_value(question))
        # The first value of a field is the one read: these lead, pairs follow.
        fields = [("question_id", question), ("value", value), *pairs]
        if csrf != "missing":
            fields.append(("csrf_token", token if csrf == "valid" else "x" + question))
        body, content_type = encoded(fields, encoding)
        url = f"/c/{link(drawn, conversations.token)}"
        headers = {"X-Conversation-Fragment": "1"} if fragment else {}
        send(fuzz_client, url, body, content_type, headers=headers)
        conversations.renew_if_complete()

    answer()
    assert invalid_rows() == []
    assert conversations.completed > 20, conversations.completed  # whole walks


@pytest.mark.slow
def test_fuzzed_sign_ins_never_fail(fuzz_client, survey, staff, monkeypatch, app_ctx):
    # The decoy hash checked for unknown e-mails, as cheap as the staff's hashes.
    decoy = generate_password_hash("decoy", method="pbkdf2:sha256:1000")
    monkeypatch.setattr("cat_survey.auth.access.unknown_user_hash", lambda: decoy)
    # Every attempt comes from one address: lift its throttle (tested in
    # tests/cat_survey/auth) so that fuzzed attempts keep reaching the form.
    monkeypatch.setitem(
        fuzz_client.application.config, "LOGIN_MAX_FAILURES_PER_ADDRESS", 10**6
    )
    token = session_token(fuzz_client, survey)
    known = st.sampled_from([user.email for user in staff.values()])

    @FUZZ
    @given(
        form=form_requests(("email", "password", "next"), token),
        email=st.one_of(known, TEXTS),
        password=st.one_of(st.just(TEST_PASSWORD), TEXTS),
        next_url=st.one_of(st.just("/themes"), TEXTS),
    )
    def sign_in(form: tuple, email: str, password: str, next_url: str):
        body, content_type = form
        if content_type.startswith("application/x-www-form-urlencoded"):
            # Full sign-in fields too, so that attempts reach the password check.
            fields = {"email": email, "password": password, "next": next_url}
            body += b"&" + urlencode(fields).encode()
        send(fuzz_client, "/auth/login", body, content_type)

    sign_in()
    assert invalid_rows() == []
    failures = db.session.scalars(select(LoginFailure)).all()
    assert len(failures) > 20, "too few attempts reached the password check"
    assert all(len(row.email) <= 320 and len(row.ip) <= 64 for row in failures)


@pytest.mark.slow
def test_fuzzed_api_starts_never_fail_or_store_invalid_rows(
    fuzz_client, survey, app_ctx
):
    hidden = st.dictionaries(
        st.one_of(st.sampled_from(HIDDEN_NAMES), TEXTS), JSON_VALUES, max_size=6
    )
    fields = {
        "hidden": st.one_of(hidden, JSON_VALUES),
        "locale": st.one_of(st.sampled_from(["en", "ja", "fr"]), JSON_VALUES),
        "invitation": JSON_VALUES,
    }

    @FUZZ
    @given(
        slug=st.one_of(st.just(survey), st.just(survey), TEXTS),
        request=json_requests(fields),
    )
    def start(slug: str, request: tuple):
        url = f"/api/v1/surveys/{path_part(slug)}/conversations"
        send(fuzz_client, url, *request)

    start()
    assert invalid_rows() == []
    assert count(SurveyResponse) > 30


@pytest.mark.slow
def test_fuzzed_api_answers_never_fail_or_store_invalid_rows(
    fuzz_client, survey, app_ctx
):
    conversations = Conversations(survey)
    numbers = st.integers(-2, 12)
    fields = {
        "question_id": mostly(
            NEXT, st.one_of(st.sampled_from(QUESTION_IDS), JSON_VALUES)
        ),
        "value": mostly(VALID, st.one_of(numbers, numbers.map(str),
                                         st.sampled_from(["yes", "no"]), JSON_VALUES)),
    }  # fmt: skip

    @FUZZ
    @given(
        drawn=links(),
        request=json_requests(fields),
    )
    def answer(drawn: str | None, request: tuple):
        body, content_type = request
        if isinstance(body, dict):
            body = dict(body)
            if body.get("question_id") == NEXT:
                body["question_id"] = conversations.next_id()
            if body.get("value") == VALID:
                body["value"] = conversations.valid_value(body.get("question_id"))
        url = f"/api/v1/conversations/{link(drawn, conversations.token)}/answers"
        send(fuzz_client, url, body, content_type)
        conversations.renew_if_complete()

    answer()
    assert invalid_rows() == []
    assert conversations.completed > 20, conversations.completed


@pytest.mark.slow
def test_fuzzed_conversation_reads_never_fail(fuzz_client, survey, app_ctx):
    conversations = Conversations(survey)

    @FUZZ
    @given(drawn=links())
    def read(drawn: str | None):
        response = fuzz_client.get(
            f"/api/v1/conversations/{link(drawn, conversations.token)}"
        )
        assert response.status_code < 500
        if response.status_code in (200, 404):
            assert response.is_json

    read()


# ---------------------------------------------------------------- targeted cases


@pytest.mark.parametrize(
    ("url", "content_type"),
    [
        ("/s/{survey}", "application/x-www-form-urlencoded"),
        ("/c/{token}", "multipart/form-data; boundary=x"),
        ("/auth/login", "application/x-www-form-urlencoded"),
        ("/api/v1/surveys/{survey}/conversations", "application/json"),
        ("/api/v1/conversations/{token}/answers", "application/json"),
    ],
)
def test_a_ten_megabyte_body_gets_413(fuzz_client, survey, app_ctx, url, content_type):
    conversations = Conversations(survey)
    target = url.format(survey=survey, token=conversations.token)
    body = b"x" * (10 * 1024 * 1024)
    response = fuzz_client.post(target, data=body, content_type=content_type)
    assert response.status_code == 413
    assert invalid_rows() == []


@pytest.mark.parametrize("depth", [100, 1_000, 100_000])
def test_deeply_nested_json_is_refused_without_a_crash(fuzz_client, survey, depth):
    for url in (
        f"/api/v1/surveys/{survey}/conversations",
        "/api/v1/conversations/unknown/answers",
    ):
        response = fuzz_client.post(
            url, data=nested(depth), content_type="application/json"
        )
        assert response.status_code in (400, 404)


@pytest.mark.parametrize(
    "value", [10**400, -(10**400), 1e308 * 10, [[[[["9"]]]]], {"value": 9}, True]
)
def test_an_absurd_score_gets_422_and_stores_nothing(
    fuzz_client, survey, app_ctx, value
):
    conversations = Conversations(survey)
    response = fuzz_client.post(
        f"/api/v1/conversations/{conversations.token}/answers",
        data=json_bytes({"question_id": "nps", "value": value}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert db.session.scalars(select(Answer)).all() == []


@pytest.mark.parametrize(
    "where", ["/s/{survey}", "/c/{nul}", "/i/{nul}", "/api/v1/conversations/{nul}"]
)
def test_a_nul_byte_in_a_link_is_not_found(fuzz_client, survey, where):
    response = fuzz_client.get(where.format(survey=survey + "%00", nul="abc%00def"))
    assert response.status_code == 404


def test_hidden_fields_longer_than_their_columns_are_cut_to_fit(
    fuzz_client, survey, app_ctx
):
    hidden = {"customer_ref": "r" * 450, "segment": "s" * 450, "plan": "p" * 900}
    # Signed, so that the customer reference is believed and fills its column.
    signed = sign_link(
        current_app.config["SECRET_KEY"],
        survey,
        hidden,
        expires_at=utcnow() + timedelta(days=1),
    )
    response = fuzz_client.post(
        f"/api/v1/surveys/{survey}/conversations", json={"signed": signed}
    )
    assert response.status_code == 201
    stored = db.session.scalar(select(SurveyResponse))
    assert (len(stored.customer_ref), len(stored.segment)) == (200, 100)
    assert stored.hidden == {
        "customer_ref": "r" * 200,
        "segment": "s" * 100,
        "plan": "p" * HIDDEN_VALUE_LIMIT,
    }
    assert invalid_rows() == []


@pytest.mark.parametrize("depth", [50, 500, 950])
def test_a_deeply_nested_answer_is_refused_without_a_crash(
    fuzz_client, survey, app_ctx, depth
):
    conversations = Conversations(survey)
    body = b'{"question_id": "nps", "value": ' + nested(depth) + b"}"
    response = fuzz_client.post(
        f"/api/v1/conversations/{conversations.token}/answers",
        data=body,
        content_type="application/json",
    )
    assert response.status_code in (400, 422)
    assert count(Answer) == 0


@pytest.mark.parametrize("email", ["a\x00@example.com", "\x00", "lead@example.com\x1b"])
def test_a_control_character_in_the_sign_in_e_mail_is_refused_by_the_form(
    fuzz_client, survey, staff, app_ctx, email
):
    response = fuzz_client.post(
        "/auth/login",
        data={
            "email": email,
            "password": TEST_PASSWORD,
            "csrf_token": session_token(fuzz_client, survey),
        },
    )
    assert response.status_code == 200
    assert "without control characters" in response.text
    assert count(LoginFailure) == 0


@pytest.mark.parametrize("url", ["/auth/login", "/s/{survey}"])
def test_a_multipart_part_without_a_name_is_ignored(fuzz_client, survey, url):
    body = b"--b\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--b--\r\n"
    response = fuzz_client.post(
        url.format(survey=survey),
        data=body,
        content_type="multipart/form-data; boundary=b",
    )
    assert response.status_code == 400  # no CSRF token, said plainly


STAFF_GETS = (
    "/themes?department={nul}&status={nul}",
    "/themes/{theme}?q={nul}&page={nul}",
    "/themes/{theme}/answers.csv?q={nul}",
    "/dashboard?survey={nul}",
    "/dashboard?segment={nul}",
    "/dashboard?breakdown={nul}",
    "/dashboard/export/nps.csv?segment={nul}",
    "/dashboard/chart/nps.svg?survey={nul}",
    "/auth/login?next={nul}",
    "/c/{conversation}?edit={nul}",
)
STAFF_POSTS = (
    ("/themes/{theme}/status", {"status": "wont_fix", "reason": "a\x00b"}),
    ("/themes/{theme}/reassign", {"department": "\x00", "reason": "x"}),
    ("/themes/{theme}/reassign", {"department": "sales", "reason": "a\x00b"}),
    ("/themes/{theme}/follow-ups", {"response_id": "{response}", "note": "a\x00b"}),
    ("/themes/{theme}/follow-ups", {"response_id": "\x00", "note": "x"}),
)


@pytest.mark.parametrize("template", STAFF_GETS)
def test_a_nul_byte_in_a_query_string_never_fails(world, signed_in, template):
    lead = signed_in("cx_lead")
    response = lead.get(world.url(template, nul="%00"))
    assert response.status_code < 500


@pytest.mark.parametrize(("template", "form"), STAFF_POSTS)
def test_a_nul_byte_in_a_staff_form_never_fails_or_is_stored(
    world, signed_in, token_for, app_ctx, template, form
):
    lead = signed_in("cx_lead")
    data = {name: world.url(value) for name, value in form.items()}
    response = lead.post(
        world.url(template), data={**data, "csrf_token": token_for(lead)}
    )
    assert response.status_code < 500
    assert invalid_rows() == []
