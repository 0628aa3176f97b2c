"""The theme workflow: transitions, reasons, reassignment, follow-ups, reopening."""

import threading
from datetime import UTC, datetime

import pytest

from cat_survey.analyze import corrections
from cat_survey.db import db
from cat_survey.domain.theme_workflow import (
    WorkflowError,
    assign_owner,
    change_status,
    department_members,
    pick_owner,
    reassign,
    record_follow_up,
    reopen_if_growing,
)
from cat_survey.models import (
    Answer,
    FollowUp,
    SurveyResponse,
    Theme,
    ThemeEvent,
    User,
)


def events_of(theme: Theme) -> list[ThemeEvent]:
    return list(
        db.session.scalars(
            db.select(ThemeEvent).filter_by(theme_id=theme.id).order_by(ThemeEvent.id)
        )
    )


def response_of(text: str) -> SurveyResponse:
    return db.session.scalar(
        db.select(SurveyResponse).join(Answer).where(Answer.text_value == text)
    )


def test_a_theme_moves_new_acknowledged_in_progress_resolved_with_an_event_each(
    staff, make_theme
):
    theme = make_theme()
    before = datetime.now(UTC)
    for status in ("acknowledged", "in_progress", "resolved"):
        change_status(theme, status, actor=staff["a"], reason=f"now {status}")
    db.session.commit()
    assert theme.status == "resolved"
    trail = [
        (e.kind, e.actor_id, e.from_value, e.to_value, e.reason)
        for e in events_of(theme)
    ]
    assert trail == [
        ("status_changed", staff["a"].id, "new", "acknowledged", "now acknowledged"),
        (
            "status_changed",
            staff["a"].id,
            "acknowledged",
            "in_progress",
            "now in_progress",
        ),
        ("status_changed", staff["a"].id, "in_progress", "resolved", "now resolved"),
    ]
    assert all(before <= e.created_at <= datetime.now(UTC) for e in events_of(theme))


def test_ten_simultaneous_acknowledges_log_one_event(app, staff, make_theme):
    theme_id, actor_id = make_theme().id, staff["a"].id
    db.session.commit()
    everyone_has_read = threading.Barrier(10)
    outcomes: list[str] = []

    def acknowledge() -> None:
        with app.app_context():
            theme = db.session.get(Theme, theme_id)
            actor = db.session.get(User, actor_id)
            assert theme.status == "new"
            everyone_has_read.wait()
            try:
                change_status(theme, "acknowledged", actor=actor)
                db.session.commit()
                outcomes.append("changed")
            except WorkflowError as error:
                db.session.rollback()
                outcomes.append(str(error))

    threads = [threading.Thread(target=acknowledge) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("changed") == 1
    refused = [outcome for outcome in outcomes if outcome != "changed"]
    assert all("Someone else changed" in outcome for outcome in refused)
    db.session.expire_all()
    theme = db.session.get(Theme, theme_id)
    assert [(e.from_value, e.to_value) for e in events_of(theme)] == [
        ("new", "acknowledged")
    ]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("acknowledged", "new"),
        ("in_progress", "acknowledged"),
        ("resolved", "in_progress"),
        ("resolved", "wont_fix"),
        ("wont_fix", "resolved"),
        ("new", "done"),
    ],
)
def test_a_transition_outside_the_workflow_is_refused_and_not_logged(
    staff, make_theme, start, target
):
    theme = make_theme(status=start)
    with pytest.raises(WorkflowError):
        change_status(theme, target, actor=staff["a"], reason="because")
    assert theme.status == start
    assert events_of(theme) == []


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("new", "in_progress"),
        ("new", "resolved"),
        ("acknowledged", "resolved"),
    ],
)
def test_a_theme_moves_forward_several_steps_at_once_with_one_event(
    staff, make_theme, start, target
):
    theme = make_theme(status=start)
    change_status(theme, target, actor=staff["a"], reason="fixed already")
    db.session.commit()
    assert theme.status == target
    assert [(e.kind, e.from_value, e.to_value) for e in events_of(theme)] == [
        ("status_changed", start, target)
    ]


def test_an_owner_is_an_active_person_of_the_themes_department(
    staff, departments, make_theme
):
    colleague = User(
        email="c@example.com",
        name="Chika",
        password_hash="x",
        role="advocate",
        department=departments["cx"],
    )
    db.session.add(colleague)
    theme = make_theme("cx", owner=staff["a"])
    assert [u.name for u in department_members(departments["cx"])] == sorted(
        [staff["a"].name, "Chika"]
    )
    assign_owner(theme, colleague, actor=staff["lead"])
    db.session.commit()
    assert theme.owner_id == colleague.id
    trail = [(e.kind, e.actor_id, e.from_value, e.to_value) for e in events_of(theme)]
    assert trail == [("assigned", staff["lead"].id, staff["a"].name, "Chika")]
    with pytest.raises(WorkflowError, match="active member"):
        assign_owner(theme, staff["b"], actor=staff["lead"])  # Sales, not CX
    with pytest.raises(WorkflowError, match="already owns"):
        assign_owner(theme, colleague, actor=staff["lead"])
    colleague.is_active = False
    assert staff["a"].id in [u.id for u in department_members(departments["cx"])]
    assert colleague not in department_members(departments["cx"])
    with pytest.raises(WorkflowError, match="active member"):
        assign_owner(theme, colleague, actor=staff["lead"])
    assert theme.owner_id == colleague.id
    assert len(events_of(theme)) == 1


@pytest.mark.parametrize("reason", [None, "", "   \n"])
def test_wont_fix_needs_a_reason(staff, make_theme, reason):
    theme = make_theme()
    with pytest.raises(WorkflowError, match="why"):
        change_status(theme, "wont_fix", actor=staff["a"], reason=reason)
    assert theme.status == "new"


@pytest.mark.parametrize("start", ["new", "acknowledged", "in_progress"])
def test_any_open_theme_can_end_as_wont_fix_with_its_reason_kept(
    staff, make_theme, start
):
    theme = make_theme(status=start)
    change_status(theme, "wont_fix", actor=staff["a"], reason="  Out of scope  ")
    db.session.commit()
    assert (theme.status, theme.status_reason) == ("wont_fix", "Out of scope")
    [event] = events_of(theme)
    assert (event.from_value, event.to_value, event.reason) == (
        start,
        "wont_fix",
        "Out of scope",
    )


def test_resolving_remembers_the_size_at_that_moment(staff, make_theme):
    theme = make_theme(status="in_progress", answers=["a", "b", "c"])
    change_status(theme, "resolved", actor=staff["a"])
    assert theme.resolved_size == 3


@pytest.mark.parametrize("closed", ["resolved", "wont_fix"])
def test_a_person_reopens_a_closed_theme_to_acknowledged(staff, make_theme, closed):
    theme = make_theme(status=closed)
    change_status(theme, "acknowledged", actor=staff["lead"], reason="Came back")
    db.session.commit()
    [event] = events_of(theme)
    assert theme.status == "acknowledged"
    assert (event.kind, event.actor_id, event.from_value) == (
        "reopened",
        staff["lead"].id,
        closed,
    )


def test_reassign_moves_the_theme_to_the_least_busy_advocate_of_the_department(
    staff, make_user, make_theme
):
    busy = staff["b"]
    free = make_user("c@example.com", role="advocate", department="sales")
    make_theme("sales", label="open one", owner=busy)
    make_theme("sales", label="closed one", owner=free, status="resolved")
    theme = make_theme("cx", owner=staff["a"], needs_triage=True, status="in_progress")

    event = reassign(
        theme, staff["b"].department, actor=staff["a"], reason="Pricing question"
    )
    db.session.commit()

    assert theme.department.slug == "sales"
    assert theme.owner == free
    assert theme.needs_triage is False
    assert (event.kind, event.actor_id, event.from_value, event.to_value) == (
        "reassigned",
        staff["a"].id,
        "cx",
        "sales",
    )
    assert event.reason == "Pricing question"
    # Nobody in Sales has acknowledged it yet.
    assert theme.status == "new"
    assert [(e.kind, e.from_value, e.to_value) for e in events_of(theme)] == [
        ("reassigned", "cx", "sales"),
        ("status_changed", "in_progress", "new"),
    ]


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_reassign_needs_a_reason(staff, departments, make_theme, reason):
    theme = make_theme("cx")
    with pytest.raises(WorkflowError, match="why"):
        reassign(theme, departments["sales"], actor=staff["a"], reason=reason)
    assert theme.department.slug == "cx"
    assert events_of(theme) == []


def test_reassign_to_the_same_department_is_refused(staff, departments, make_theme):
    theme = make_theme("cx")
    with pytest.raises(WorkflowError, match="already"):
        reassign(theme, departments["cx"], actor=staff["a"], reason="Mine")


def test_reassigned_answers_become_training_examples_of_the_new_department(
    staff, departments, make_theme
):
    theme = make_theme("cx", answers=["The quote had the wrong price", "Price list?"])
    make_theme("cx", label="untouched", answers=["Support was slow"])
    reassign(theme, departments["sales"], actor=staff["a"], reason="Pricing")
    db.session.commit()
    assert sorted(corrections()) == [
        ("Price list?", "sales"),
        ("The quote had the wrong price", "sales"),
    ]


def test_pick_owner_prefers_fewest_open_themes_then_lowest_id(
    staff, make_user, make_theme, departments
):
    second = make_user("c@example.com", role="advocate", department="sales")
    assert pick_owner(departments["sales"]) == staff["b"]  # tie: lower id
    make_theme("sales", owner=staff["b"])
    assert pick_owner(departments["sales"]) == second
    make_theme("sales", owner=second)
    make_theme("sales", owner=second, status="wont_fix")
    assert pick_owner(departments["sales"]) == staff["b"]


def test_pick_owner_skips_inactive_advocates_and_may_find_nobody(staff, departments):
    assert pick_owner(departments["tech"]) is None
    staff["b"].is_active = False
    db.session.commit()
    assert pick_owner(departments["sales"]) is None


def test_follow_up_is_recorded_for_a_consenting_respondent_without_personal_data(
    staff, make_theme
):
    theme = make_theme(
        answers=[
            {
                "text": "Call me about the invoice",
                "consent": True,
                "first_name": "Aiko",
                "customer_ref": "ACME-7",
            }
        ]
    )
    response = response_of("Call me about the invoice")
    follow_up = record_follow_up(
        theme, response, actor=staff["a"], note="Called Aiko, refund sent"
    )
    db.session.commit()
    stored = db.session.get(FollowUp, follow_up.id)
    assert (stored.response_id, stored.theme_id, stored.user_id) == (
        response.id,
        theme.id,
        staff["a"].id,
    )
    assert stored.note == "Called Aiko, refund sent"
    [event] = events_of(theme)
    assert (event.kind, event.actor_id) == ("followed_up", staff["a"].id)
    logged = " ".join(filter(None, [event.from_value, event.to_value, event.reason]))
    assert event.to_value == f"follow-up {follow_up.id}"
    for personal in ("Aiko", "ACME-7", "refund"):
        assert personal not in logged


def test_follow_up_is_refused_without_consent(staff, make_theme):
    theme = make_theme(answers=[{"text": "Leave me alone", "consent": False}])
    response = response_of("Leave me alone")
    with pytest.raises(WorkflowError, match="agree"):
        record_follow_up(theme, response, actor=staff["a"], note="")
    assert db.session.scalar(db.select(db.func.count(FollowUp.id))) == 0


def test_follow_up_is_refused_for_a_respondent_of_another_theme(staff, make_theme):
    theme = make_theme("cx")
    make_theme("sales", answers=[{"text": "Sales call", "consent": True}])
    response = response_of("Sales call")
    with pytest.raises(WorkflowError, match="no answer in this theme"):
        record_follow_up(theme, response, actor=staff["a"], note="")


@pytest.mark.parametrize(
    ("resolved_size", "new_size", "reopens"),
    [
        (10, 12, False),  # +2 < 3
        (10, 13, True),  # +3 = minimum growth
        (30, 32, False),
        (30, 33, True),  # 10% of 30 is exactly 3
        (50, 54, False),  # +4 < 10% (5)
        (50, 55, True),
        (101, 111, False),  # 10% of 101 rounds up to 11
        (101, 112, True),
        (0, 3, True),
        (20, 20, False),
        (20, 15, False),
    ],
)
def test_a_resolved_theme_reopens_when_it_grew_by_3_or_10_percent(
    make_theme, resolved_size, new_size, reopens
):
    theme = make_theme(status="resolved", resolved_size=resolved_size)
    assert reopen_if_growing(theme, new_size) is reopens
    db.session.commit()
    assert theme.status == ("acknowledged" if reopens else "resolved")
    trail = [(e.kind, e.actor_id, e.from_value, e.to_value) for e in events_of(theme)]
    expected = [("reopened", None, "resolved", "acknowledged")] if reopens else []
    assert trail == expected
    if reopens:
        assert f"{resolved_size} to {new_size}" in events_of(theme)[0].reason


def test_min_growth_is_configurable(make_theme):
    theme = make_theme(status="resolved", resolved_size=10)
    assert reopen_if_growing(theme, 14, min_growth=5) is False
    assert reopen_if_growing(theme, 15, min_growth=5) is True


@pytest.mark.parametrize("status", ["new", "acknowledged", "in_progress", "wont_fix"])
def test_only_resolved_themes_reopen_by_growth(make_theme, status):
    theme = make_theme(status=status, resolved_size=1)
    assert reopen_if_growing(theme, 100) is False
    assert theme.status == status


def test_a_resolved_theme_without_a_recorded_size_does_not_reopen(make_theme):
    theme = make_theme(status="resolved", resolved_size=None)
    assert reopen_if_growing(theme, 100) is False
