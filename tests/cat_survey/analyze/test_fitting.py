"""cat_survey.analyze.fitting: themes of one stance, and placing answers later."""

from datetime import UTC, datetime

import numpy as np

from analysis.routing import DepartmentRouter
from analysis.themes import UNCLEAR
from cat_survey.analyze.fitting import fit_themes
from cat_survey.analyze.scope import TextAnswer

PRAISE = [
    f"the support team is {word} and quick to answer"
    for word in ("friendly", "kind", "patient", "helpful", "lovely", "great")
]
COMPLAINTS = [
    f"the support team {verb} my tickets for days"
    for verb in ("ignores", "never answers", "loses", "closes", "forgets", "drops")
]
INVOICES = [
    f"the invoice {problem}"
    for problem in (
        "charged us twice",
        "shows the wrong price",
        "came without a VAT number",
        "was sent to the wrong address",
        "lists a plan we never bought",
        "total is wrong again",
    )
]


def test_praise_and_complaints_about_support_are_themed_and_placed_apart():
    router = DepartmentRouter().fit(
        ["support team answers tickets", "support agent on the phone",
         "invoice price charged", "billing and invoices wrong"],
        ["cx", "cx", "sales", "sales"],
    )  # fmt: skip
    texts = PRAISE + COMPLAINTS + INVOICES
    stances = ["praise"] * len(PRAISE) + ["problem"] * (len(texts) - len(PRAISE))
    moment = datetime(2026, 11, 1, tzinfo=UTC)
    answers = [TextAnswer(i, text, moment, None) for i, text in enumerate(texts)]
    fitted = fit_themes(
        answers,
        router=router,
        representation="tfidf",
        encoder=None,
        vectors=None,
        n_themes=3,
        seed=0,
        verbose=False,
        stances=stances,
    )
    assert {(t.department, t.stance) for t in fitted.themes} == {
        ("cx", "praise"),
        ("cx", "problem"),
        ("sales", "problem"),
    }
    for index, theme in enumerate(fitted.themes):
        members = np.flatnonzero(fitted.labels == index)
        assert {stances[i] for i in members} == {theme.stance}
    # Later answers reach the theme of their department and stance.
    placed, _ = fitted.model.predict_with_similarity(
        ["the support team is friendly and patient",
         "the support team never answers my tickets"],
        None,
        ["praise", "problem"],
    )  # fmt: skip
    assert UNCLEAR not in placed
    assert [fitted.themes[p].stance for p in placed] == ["praise", "problem"]
    assert {fitted.themes[p].department for p in placed} == {"cx"}
