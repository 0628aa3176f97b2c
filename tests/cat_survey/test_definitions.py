"""Survey definition files: the shipped ones pass, and every mistake is located."""

import textwrap

import pytest
from helpers import SURVEYS_DIR

from cat_survey.definitions import (
    DefinitionError,
    Text,
    load_definition,
    parse_definition,
    pipe,
    survey_files,
)

SURVEYS = survey_files(SURVEYS_DIR)


def test_four_surveys_ship():
    assert {path.stem for path in SURVEYS} == {
        "relationship-nps",
        "onboarding-csat",
        "product-usability",
        "exit-interview",
    }


@pytest.mark.parametrize("path", SURVEYS, ids=lambda path: path.stem)
def test_shipped_survey_is_valid_and_bilingual(path):
    definition = load_definition(path)
    assert definition.slug == path.stem
    assert set(definition.locales) == {"en", "ja"}
    for question in definition.questions:
        assert set(question.prompt.locales) == {"en", "ja"}, question.id


def test_relationship_nps_follow_up_differs_by_nps_group():
    definition = load_definition(
        SURVEYS[[p.stem for p in SURVEYS].index("relationship-nps")]
    )
    conditions = {q.id: q.when_source for q in definition.questions if q.when_source}
    assert conditions == {
        "fix_first": "nps <= 6",
        "make_it_ten": "nps >= 7 and nps <= 8",
        "value_most": "nps >= 9",
    }
    assert not definition.question("contact_consent").required


def test_sus_expands_to_the_ten_standard_items():
    definition = parse_definition(
        "slug: s\ntitle: t\nquestions:\n  - {id: sus, type: sus}\n"
    )
    ids = [question.id for question in definition.questions]
    assert ids == [f"sus_{number}" for number in range(1, 11)]
    first = definition.questions[0]
    assert (first.min, first.max, first.item) == (1, 5, 1)
    assert "frequently" in first.prompt.get("en")


def test_umux_lite_expands_to_two_seven_point_items():
    definition = parse_definition(
        "slug: s\ntitle: t\nquestions:\n  - {id: umux, type: umux_lite}\n"
    )
    assert [(q.id, q.min, q.max) for q in definition.questions] == [
        ("umux_1", 1, 7),
        ("umux_2", 1, 7),
    ]


@pytest.mark.parametrize(
    ("question_yaml", "scale"),
    [("{id: q, type: nps, prompt: p}", (0, 10)),
     ("{id: q, type: csat, prompt: p}", (1, 5)),
     ("{id: q, type: ces, prompt: p}", (1, 7)),
     ("{id: q, type: rating, prompt: p, min: 1, max: 10}", (1, 10))],
)  # fmt: skip
def test_scale_types_get_their_standard_range(question_yaml, scale):
    definition = parse_definition(
        f"slug: s\ntitle: t\nquestions:\n  - {question_yaml}\n"
    )
    question = definition.questions[0]
    assert (question.min, question.max) == scale


BROKEN = [
    # (what a person got wrong, questions YAML, line, question id, field, message)
    ("unknown type", "  - {id: q1, type: slider, prompt: p}", 4, "q1", "type",
     "unknown type 'slider'"),
    ("duplicate id", "  - {id: q1, type: nps, prompt: p}\n"
     "  - {id: q1, type: text, prompt: p}", 5, "q1", "id", "duplicate id"),
    ("when names a later question",
     "  - {id: q1, type: text, prompt: p, when: 'q2 > 3'}\n"
     "  - {id: q2, type: nps, prompt: p}", 4, "q1", "when", "asked later"),
    ("when names an unknown name",
     "  - {id: q1, type: text, prompt: p, when: 'nsp <= 6'}",
     4, "q1", "when", "neither an earlier question nor a hidden field"),
    ("when does not parse", "  - {id: q1, type: nps, prompt: p}\n"
     "  - {id: q2, type: text, prompt: p, when: 'q1 <= '}", 5, "q2", "when",
     "expected a value"),
    ("missing options", "  - {id: q1, type: choice, prompt: p}", 4, "q1", "options",
     "is missing"),
    ("min greater than max", "  - {id: q1, type: rating, prompt: p, min: 5, max: 1}",
     4, "q1", "max", "min (5) must be less than max (1)"),
    ("missing prompt", "  - {id: q1, type: nps}", 4, "q1", "prompt", "is missing"),
    ("misspelt field", "  - {id: q1, type: choice, prompt: p, optoins: []}", 4, "q1",
     "optoins", "unknown field"),
    ("unquoted yes option",
     "  - id: q1\n    type: choice\n    prompt: p\n    options:\n"
     "      - {value: yes, label: Yes}", 8, "q1", "value", "quote yes/no"),
    ("pipe names a later answer", "  - {id: q1, type: text, prompt: 'You said {q2}'}\n"
     "  - {id: q2, type: nps, prompt: p}", 4, "q1", "prompt", "asked later"),
    ("text too long allowed", "  - {id: q1, type: text, prompt: p, max_length: 0}", 4,
     "q1", "max_length", "from 1 to 10000"),
    ("bad id", "  - {id: Q-1, type: nps, prompt: p}", 4, None, "id", "expected an id"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("questions", "line", "question", "field", "message"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_each_mistake_names_file_line_question_and_field(
    tmp_path, questions, line, question, field, message
):
    path = tmp_path / "broken.yaml"
    path.write_text(f"slug: broken\ntitle: Broken\nquestions:\n{questions}\n")
    with pytest.raises(DefinitionError) as raised:
        load_definition(path)
    problem = next(p for p in raised.value.problems if p.field == field)
    assert problem.file == str(path)
    assert problem.line == line
    assert problem.question == question
    assert message in problem.message
    assert str(path) in str(raised.value)


def test_invalid_yaml_names_its_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("slug: bad\ntitle: [unclosed\nquestions: []\n")
    with pytest.raises(DefinitionError) as raised:
        load_definition(path)
    (problem,) = raised.value.problems
    assert problem.line == 3
    assert "not valid YAML" in problem.message


def test_every_problem_is_reported_at_once():
    source = textwrap.dedent("""\
        slug: Not A Slug
        title: t
        questions:
          - {id: a, type: slider, prompt: p}
          - {id: b, type: choice, prompt: p}
        """)
    with pytest.raises(DefinitionError) as raised:
        parse_definition(source, file="x.yaml")
    fields = [problem.field for problem in raised.value.problems]
    assert fields == ["slug", "type", "options"]


def test_a_field_given_twice_is_a_problem_not_a_silent_overwrite():
    source = textwrap.dedent("""\
        slug: s
        title: t
        questions:
          - id: q
            type: nps
            prompt: How likely?
            prompt: How likely are you?
        """)
    with pytest.raises(DefinitionError) as raised:
        parse_definition(source, file="x.yaml")
    assert [str(problem) for problem in raised.value.problems] == [
        "x.yaml:7: question 'q': field 'prompt': this field is given twice"
    ]


def test_translation_for_an_undeclared_locale_is_refused():
    source = (
        "slug: s\ntitle: {en: t, fr: t}\n"
        "questions:\n  - {id: q, type: nps, prompt: p}\n"
    )
    with pytest.raises(DefinitionError, match="'fr'"):
        parse_definition(source)


def test_non_utf8_file_is_refused_with_its_name(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: café".encode("latin-1"))
    with pytest.raises(DefinitionError, match=r"latin1\.yaml"):
        load_definition(path)


@pytest.mark.parametrize(
    ("template", "values", "expected"),
    [
        ("Hi {first_name}!", {"first_name": "Aiko"}, "Hi Aiko!"),
        ("Hi {first_name|there}!", {}, "Hi there!"),
        ("Hi {first_name|there}!", {"first_name": ""}, "Hi there!"),
        ("You gave {nps}", {"nps": 6}, "You gave 6"),
        (
            "Picked {reasons}",
            {"reasons": ["price", "support"]},
            "Picked price, support",
        ),
        ("Hi {name}", {"name": "<script>"}, "Hi <script>"),
    ],
)
def test_pipe_fills_answers_and_hidden_fields(template, values, expected):
    # Piping yields plain text; the templates escape it like every answer.
    assert pipe(template, values) == expected


def test_text_falls_back_to_the_first_locale():
    text = Text.of({"en": "Hello", "ja": "こんにちは"})
    assert text.get("ja") == "こんにちは"
    assert text.get("fr") == "Hello"


FOLDED_JAPANESE = {
    "folded": "ja: >-\n        届け、\n        何が変わったか\n",
    "folded keeping the last break": "ja: >\n        届け、\n        何が変わったか\n",
    "plain": "ja: 届け、\n        何が変わったか\n",
    "double-quoted": 'ja: "届け、\n        何が変わったか"\n',
}


@pytest.mark.parametrize("scalar", FOLDED_JAPANESE.values(), ids=FOLDED_JAPANESE)
def test_folded_japanese_lines_join_without_a_space(scalar):
    source = (
        "slug: s\nlocales: [en, ja]\ntitle: {en: t, ja: t}\nquestions:\n"
        "  - id: q\n    type: text\n    prompt:\n      en: >-\n        Sent,\n"
        f"        and what changed\n      {scalar}"
    )
    prompt = parse_definition(source).question("q").prompt
    assert prompt.get("ja").rstrip("\n") == "届け、何が変わったか"
    assert prompt.get("en") == "Sent, and what changed"


def test_only_folds_between_two_japanese_characters_lose_their_space():
    source = (
        "slug: s\ntitle: >-\n  NPS の\n  調査 (Q4)\n  は\n  ABC 社\n  向け\n"
        "questions:\n  - {id: q, type: nps, prompt: p}\n"
    )
    # Spaces the author typed inside a line stay; a fold next to Latin stays a space.
    assert parse_definition(source).title.get() == "NPS の調査 (Q4) は ABC 社向け"


def test_literal_block_keeps_its_line_breaks():
    source = (
        "slug: s\ntitle: |\n  一行目\n  二行目\n"
        "questions:\n  - {id: q, type: nps, prompt: p}\n"
    )
    assert parse_definition(source).title.get() == "一行目\n二行目\n"


def test_a_text_missing_a_declared_locale_is_reported_with_its_place():
    source = textwrap.dedent(
        """\
        slug: s
        locales: [en, ja]
        title: Only English
        questions:
          - id: q
            type: choice
            prompt: {en: "Which?", ja: どれ？}
            help: {en: Pick one}
            options:
              - {value: a, label: {en: A, ja: エー}}
              - {value: b, label: B}
          - id: r
            type: rating
            prompt: {en: Rate, ja: 評価}
            labels: {min: {en: Low, ja: 低い}, max: {en: High}}
        """
    )
    with pytest.raises(DefinitionError) as raised:
        parse_definition(source, file="s.yaml")
    messages = [str(problem) for problem in raised.value.problems]
    missing = "has no 'ja' text, but the survey declares locales ['en', 'ja']"
    assert messages == [
        f"s.yaml:3: field 'title': {missing}; customers in 'ja' would read 'en'",
        f"s.yaml:8: question 'q': field 'help': {missing}; customers in 'ja' "
        "would read 'en'",
        f"s.yaml:11: question 'q': field 'label': {missing}; customers in 'ja' "
        "would read 'en'",
        f"s.yaml:15: question 'r': field 'max': {missing}; customers in 'ja' "
        "would read 'en'",
    ]


def test_a_single_locale_survey_needs_no_translations():
    source = "slug: s\ntitle: t\nquestions:\n  - {id: q, type: nps, prompt: p}\n"
    assert parse_definition(source).locales == ("en",)


def test_standard_texts_missing_a_declared_locale_are_reported():
    source = textwrap.dedent(
        """\
        slug: s
        locales: [en, fr]
        title: {en: t, fr: t}
        questions:
          - {id: nps, type: nps, prompt: {en: p, fr: p}}
          - id: sus
            type: sus
          - id: csat
            type: csat
            prompt: {en: p, fr: p}
            labels: {min: {en: Bad, fr: Mal}, max: {en: Good, fr: Bien}}
        """
    )
    with pytest.raises(DefinitionError) as raised:
        parse_definition(source, file="s.yaml")
    located = [
        (problem.line, problem.question, problem.field)
        for problem in raised.value.problems
    ]
    assert located == [(5, "nps", "labels"), (7, "sus", "type")]
    assert "no 'fr' text" in str(raised.value)


def test_surveys_check_names_the_missing_japanese_text(runner, tmp_path):
    path = tmp_path / "half.yaml"
    path.write_text(
        "slug: half\nlocales: [en, ja]\ntitle: {en: t, ja: t}\nquestions:\n"
        "  - {id: q, type: nps, prompt: How likely}\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["surveys", "check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:5: question 'q': field 'prompt': has no 'ja' text" in result.output


CONSENT_CHOICE = """\
    options:
      - {value: "yes", label: "Yes"}
      - {value: "no", label: "No"}
"""


def test_the_consent_question_is_the_one_marked_consent_whatever_its_id():
    source = textwrap.dedent("""\
        slug: s
        title: t
        questions:
          - {id: nps, type: nps, prompt: p}
          - id: may_we_call
            type: choice
            prompt: May we call you?
            consent: true
        """) + textwrap.indent(textwrap.dedent(CONSENT_CHOICE), "    ")
    definition = parse_definition(source)
    assert definition.consent_question.id == "may_we_call"
    assert definition.grants_consent({"nps": 3, "may_we_call": "yes"})
    assert not definition.grants_consent({"nps": 3, "may_we_call": "no"})
    assert not definition.grants_consent({"nps": 3})


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("{id: c, type: text, prompt: p, consent: true}", "must be a choice"),
        ("{id: c, type: choice, prompt: p, consent: yes_please, "
         "options: [{value: 'yes', label: 'Y'}]}", "expected true or false"),
        ("{id: c, type: choice, prompt: p, consent: true, "
         "options: [{value: ok, label: OK}]}", "needs an option with value 'yes'"),
    ],
)  # fmt: skip
def test_a_consent_flag_that_cannot_mean_yes_is_a_problem(question, message):
    source = f"slug: s\ntitle: t\nquestions:\n  - {question}\n"
    with pytest.raises(DefinitionError, match=message):
        parse_definition(source, file="x.yaml")


def test_only_one_question_may_ask_for_consent():
    both = "options: [{value: 'yes', label: Y}], consent: true"
    source = (
        "slug: s\ntitle: t\nquestions:\n"
        f"  - {{id: a, type: choice, prompt: p, {both}}}\n"
        f"  - {{id: b, type: choice, prompt: p, {both}}}\n"
    )
    with pytest.raises(DefinitionError) as raised:
        parse_definition(source, file="x.yaml")
    assert [str(p) for p in raised.value.problems] == [
        "x.yaml:5: question 'b': field 'consent': only one question may ask for "
        "consent to contact"
    ]


def test_the_shipped_surveys_ask_for_consent_with_a_marked_question():
    for slug in ("relationship-nps", "exit-interview"):
        definition = load_definition(SURVEYS_DIR / f"{slug}.yaml")
        assert definition.consent_question is not None, slug


def test_a_text_question_says_what_it_asks_for_and_defaults_to_any():
    source = textwrap.dedent("""\
        slug: s
        title: t
        questions:
          - {id: nps, type: nps, prompt: p}
          - {id: fix, type: text, prompt: fix, asks_for: problem}
          - {id: like, type: text, prompt: like, asks_for: praise}
          - {id: more, type: text, prompt: more}
        """)
    definition = parse_definition(source)
    asks = {q.id: q.asks_for for q in definition.questions if q.type == "text"}
    assert asks == {"fix": "problem", "like": "praise", "more": "any"}


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("{id: c, type: text, prompt: p, asks_for: complaints}",
         "field 'asks_for': expected one of praise, problem, any, got 'complaints'"),
        ("{id: c, type: nps, prompt: p, asks_for: praise}",
         "field 'asks_for': only a text question asks for praise or problems, "
         "not a nps question"),
    ],
)  # fmt: skip
def test_an_asks_for_that_cannot_be_read_is_located(question, message):
    source = f"slug: s\ntitle: t\nquestions:\n  - {question}\n"
    with pytest.raises(DefinitionError) as raised:
        parse_definition(source, file="x.yaml")
    assert [str(p) for p in raised.value.problems] == [
        f"x.yaml:4: question 'c': {message}"
    ]


def test_the_shipped_follow_ups_say_what_they_ask_for():
    asks = {
        (slug, question.id): question.asks_for
        for slug in ("relationship-nps", "onboarding-csat", "exit-interview")
        for question in load_definition(SURVEYS_DIR / f"{slug}.yaml").questions
    }
    assert asks["relationship-nps", "fix_first"] == "problem"
    assert asks["relationship-nps", "value_most"] == "praise"
    assert asks["onboarding-csat", "hardest_part"] == "problem"
    assert asks["onboarding-csat", "onboarding_comment"] == "any"
    assert asks["exit-interview", "leave_reason"] == "problem"
