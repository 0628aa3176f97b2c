"""The dashboard's filter form, read from the query string so every view is a bookmark.

The form is sent with GET and carries no CSRF token: it only reads, and a token in
the URL would make every bookmarked dashboard fail once the session ends. Each
field checks its value against what exists (surveys, segments), so a mistyped or
outdated URL gets a message beside the field instead of an empty or broken page.
"""

from collections.abc import Mapping
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from wtforms import BooleanField, DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Optional, ValidationError

from analysis.periods import (
    PERIODS,
    period_of,
    periods_between,
    shift_period,
)
from cat_survey.catalog import definition_of, latest_version
from cat_survey.db import db
from cat_survey.forms import BaseForm
from cat_survey.models import Survey
from cat_survey.reports.queries import (
    DEFAULT_PERIOD_COUNT,
    HIDDEN_BREAKDOWN,
    MAX_PERIODS,
    PERSONAL_FIELDS,
    Filters,
    known_segments,
    segment_exists,
    survey_choices,
)

#: Dates outside these are typos, and would overflow the date arithmetic.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)
FALSE_VALUES = (False, "", "0", "false", "no", "off")
#: Each period as the filter's options name it.
PERIOD_CHOICES = {
    "week": _l("Week"),
    "month": _l("Month"),
    "quarter": _l("Quarter"),
    "year": _l("Year"),
}
#: Periods counted in a sentence ("two months").
PERIOD_PLURALS = {
    "week": _l("weeks"),
    "month": _l("months"),
    "quarter": _l("quarters"),
    "year": _l("years"),
}


def hidden_field_names() -> list[str]:
    """Hidden fields the surveys declare that make sense as a breakdown."""
    names: set[str] = set()
    for survey in db.session.scalars(db.select(Survey)):
        if version := latest_version(survey):
            names.update(definition_of(version).hidden)
    return sorted(names - PERSONAL_FIELDS - {"segment"})


def choices(labels: Mapping[str, str]) -> list[SelectChoice]:
    """Select options from a mapping of value to label."""
    return [SelectChoice(value, label) for value, label in labels.items()]


def today(now: datetime) -> date:
    """The UTC day of ``now``, the zone periods are counted in."""
    return now.astimezone(UTC).date()


class DashboardFilterForm(BaseForm):
    """Survey, period, date range, segment, breakdown and partial responses.

    ``now`` (given to :meth:`from_args`) is the instant the default range ends at;
    the form never reads the clock itself.
    """

    class Meta:
        csrf = False

    survey = SelectField(_l("Survey"), default="", validate_choice=False)
    period = SelectField(
        _l("Period"),
        choices=[SelectChoice(period, PERIOD_CHOICES[period]) for period in PERIODS],
        default="month",
        validate_choice=False,
        validators=[AnyOf(PERIODS, message=_l("Choose week, month, quarter or year."))],
    )
    start = DateField(_lp("date range", "From"), name="from", validators=[Optional()])
    end = DateField(_l("To"), name="to", validators=[Optional()])
    segment = SelectField(_l("Segment"), default="", validate_choice=False)
    breakdown = SelectField(
        _l("Break down by"), default="segment", validate_choice=False
    )
    include_partial = BooleanField(
        _l("Include partial responses"), false_values=FALSE_VALUES
    )

    @classmethod
    def from_args(
        cls, args: Mapping[str, str], *, now: datetime
    ) -> "DashboardFilterForm":
        """The form filled from a request's query string, with its choices."""
        form = cls(formdata=args)
        form.now = now
        form.surveys = dict(survey_choices())
        form.survey.choices = choices({"": _("All surveys"), **form.surveys})
        segments = known_segments()
        if form.segment.data and form.segment.data not in segments:
            segments.append(form.segment.data)
        form.segment.choices = choices(
            {"": _("All segments")} | {s: s for s in segments}
        )
        breakdowns = {"segment": _("Segment"), "survey": _("Survey")} | {
            f"hidden:{name}": _("Hidden field: %(name)s", name=name)
            for name in hidden_field_names()
        }
        # An unknown value stays selected, so the page shows what the URL asked.
        breakdowns.setdefault(form.breakdown.data, form.breakdown.data)
        form.breakdown.choices = choices(breakdowns)
        return form

    def validate_survey(self, field: SelectField) -> None:
        """The survey must exist."""
        if field.data and field.data not in self.surveys:
            raise ValidationError(_("There is no survey '%(slug)s'.", slug=field.data))

    def validate_segment(self, field: SelectField) -> None:
        """The segment must be one that responses carry."""
        if field.data and not segment_exists(field.data):
            raise ValidationError(
                _("No response has the segment '%(name)s'.", name=field.data)
            )

    def validate_breakdown(self, field: SelectField) -> None:
        """Survey, segment or ``hidden:<field>``."""
        if field.data not in ("survey", "segment") and not HIDDEN_BREAKDOWN.match(
            field.data or ""
        ):
            raise ValidationError(
                _(
                    "Break down by survey, segment or hidden:<field> "
                    "(for example hidden:plan)."
                )
            )
        if field.data.removeprefix("hidden:") in PERSONAL_FIELDS:
            raise ValidationError(
                _(
                    "%(field)s identifies a person: break down by a field that "
                    "describes a group of customers (for example hidden:plan).",
                    field=field.data,
                )
            )

    def validate(self, extra_validators: Mapping | None = None) -> bool:
        """Check every field, then the range; fill in the default dates."""
        if not super().validate(extra_validators):
            return False
        for field in (self.start, self.end):
            if field.data and not EARLIEST <= field.data <= LATEST:
                field.errors.append(
                    _(
                        "Choose a date between %(first)d and %(last)d.",
                        first=EARLIEST.year,
                        last=LATEST.year,
                    )
                )
                return False
        period = self.period.data
        end = self.end.data or today(self.now)
        start = self.start.data or shift_period(
            period_of(end, period), period, 1 - DEFAULT_PERIOD_COUNT[period]
        )
        if start > end:
            self.end.errors.append(_("“To” must be on or after “From”."))
            return False
        count = len(periods_between(start, end, period))
        if count > MAX_PERIODS:
            self.start.errors.append(
                _(
                    "That range has %(count)d %(periods)s; choose at most %(most)d "
                    "(a shorter range or a longer period).",
                    count=count,
                    periods=PERIOD_PLURALS[period],
                    most=MAX_PERIODS,
                )
            )
            return False
        self.start.data, self.end.data = start, end
        return True

    def filters(self) -> Filters:
        """The validated filters (call ``validate`` first)."""
        return Filters(
            start=self.start.data,
            end=self.end.data,
            period=self.period.data,
            survey=self.survey.data or None,
            segment=self.segment.data or None,
            breakdown=self.breakdown.data,
            include_partial=bool(self.include_partial.data),
        )

    def error_summary(self) -> str:
        """Every field's problems in one line, for a 400 page."""
        return " ".join(
            f"{self[name].label.text}: {' '.join(errors)}"
            for name, errors in self.errors.items()
        )
