"""Forms of the conversation: starting a survey and answering one question.

WTForms renders and reads the fields and checks the CSRF token; whether a value is
a valid answer is decided by the flow engine (``domain.flow.clean_answer``), the
same check the JSON API uses, so the two can never disagree.
"""

from wtforms import HiddenField, RadioField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from cat_survey.definitions import Question
from cat_survey.domain.flow import scale_bounds
from cat_survey.forms import BaseForm


class StartForm(BaseForm):
    """The intro screen's "Start" button (hidden fields travel as extra inputs)."""


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for a multiple choice question."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def answer_form(question: Question, locale: str, **kwargs) -> BaseForm:
    """A form with one ``value`` field of the right kind for ``question``."""

    class AnswerForm(BaseForm):
        question_id = HiddenField(default=question.id)

    if question.is_scale:
        low, high = scale_bounds(question)
        choices = [SelectChoice(str(n)) for n in range(low, high + 1)]
        field = RadioField(choices=choices, validate_choice=False)
    elif question.type == "choice":
        field = RadioField(
            choices=option_choices(question, locale), validate_choice=False
        )
    elif question.type == "multi_choice":
        field = MultiCheckboxField(
            choices=option_choices(question, locale), validate_choice=False
        )
    else:
        field = TextAreaField()
    AnswerForm.value = field
    return AnswerForm(**kwargs)


def option_choices(question: Question, locale: str) -> list[SelectChoice]:
    """The options of a choice question, labelled in the customer's locale."""
    return [
        SelectChoice(option.value, option.label.get(locale))
        for option in question.options
    ]


def submitted_value(form: BaseForm, question: Question) -> str | list[str] | None:
    """What the customer submitted, raw, for the flow engine to check."""
    if question.type == "multi_choice":
        return list(form.value.data or [])
    return form.value.data
