"""The inbox's forms: the list filter, one small form per step on a case, accounts and export."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from feedback.cases import months, operations, publication
from feedback.inbox import search
from feedback.inbox.queries import Colleague, InboxFilters, ItemOption
from feedback.models import Body, Case, Kind, Status, TemplateUse
from feedback.staff import reply_templates
from feedback.web.forms import LENGTH, REQUIRED, Form
from feedback.web.i18n import body_name
from feedback.web.labels import KIND, STATUS, TEMPLATE_USE
from feedback.web.text import NoControlCharacters, one_line_endings, strip


class MonthField(SelectField):
    """A month chosen from those offered (offer_months), newest first; nothing typed."""

    def offer_months(self, names: Sequence[str], now: datetime, *, everything: bool) -> None:
        """Offer these months, the current one marked as not over; `everything` first offers
        no month at all (no filter)."""
        current = months.month_of(now)
        self.choices = [SelectChoice("", _l("All"))] if everything else []
        self.choices += [
            SelectChoice(name, _l("%(month)s (this month, so far)", month=name))
            if name == current
            else SelectChoice(name, name)
            for name in names
        ]

    def pre_validate(self, form: FlaskForm) -> None:
        if self.data not in {c.value for c in self.choices or []}:
            raise ValidationError(_l("Choose a month from the list."))


def text_field(label: Any, low: int, high: int, **kwargs: Any) -> TextAreaField:
    """A required text of `low` to `high` characters, trimmed."""
    return TextAreaField(
        label,
        filters=[one_line_endings, strip],
        validators=[
            NoControlCharacters(multiline=True),
            DataRequired(REQUIRED),
            Length(low, high, LENGTH),
        ],
        render_kw={"maxlength": high},
        **kwargs,
    )


class InboxFilterForm(Form):
    """Filters of the inbox list, read from the query string."""

    class Meta:
        csrf = False

    # Searched by /inbox/search only (inbox/search.py reads it); the list ignores it.
    q = StringField(
        _l("Reference number or words"),
        filters=[strip],
        validators=[NoControlCharacters()],
        render_kw={"maxlength": search.LONGEST, "type": "search"},
    )
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("All"))] + [SelectChoice(s.value, STATUS[s]) for s in Status],
        default="",
    )
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice("", _l("All"))] + [SelectChoice(k.value, KIND[k]) for k in Kind],
        default="",
    )
    item = SelectField(_l("Item"), choices=[SelectChoice("", _l("All"))], default="")
    month = MonthField(_l("Month received"), default="")
    overdue = BooleanField(_l("Overdue only"))

    def offer(self, items: Sequence[ItemOption], month_names: Sequence[str], now: datetime) -> None:
        """Offer the notices' items and the body's months."""
        self.month.offer_months(month_names, now, everything=True)
        self.item.choices = [SelectChoice("", _l("All"))] + [
            SelectChoice(str(i.id), short_label(i.label)) for i in items
        ]

    def options(self, field: SelectField) -> list[tuple[str, str, bool]]:
        """A select's choices as (value, label, selected), each label translated once: what
        WTForms' widget would render, without building every option through html_params."""
        data = field.data
        return [(c.value, str(c.label), c.value == data) for c in field.choices]

    def query(self) -> search.Query | None:
        """The search asked for; None if it cannot be run, with the reason on the field."""
        if self.q.errors:
            return None
        try:
            return search.read_query(self.q.data or "")
        except search.QueryError as error:
            self.q.errors = [*self.q.errors, str(error)]
            return None

    def filters(self) -> InboxFilters:
        """The filters as asked, leaving out any field that was not valid."""

        def ok(field: Field) -> bool:
            return bool(field.data) and not field.errors

        return InboxFilters(
            status=Status(self.status.data) if ok(self.status) else None,
            kind=Kind(self.kind.data) if ok(self.kind) else None,
            item_id=int(self.item.data) if ok(self.item) else None,
            received_between=months.parse_month(self.month.data) if ok(self.month) else None,
            overdue_only=bool(self.overdue.data),
        )


def short_label(label: str, width: int = 28) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


class AcceptForm(Form):
    pass


class Irreversible(Form):
    """The form of a step that cannot be undone. Sent from the case page, it leads to a page
    that says what will happen; sent from there, "yes" takes the step and "no" goes back to the
    case page with the form as typed."""

    confirmed = HiddenField()

    def is_confirmed(self) -> bool:
        return bool(self.confirmed.data == "yes")

    def goes_back(self) -> bool:
        return bool(self.confirmed.data == "no")


class DeclineForm(Irreversible):
    reason = text_field(
        _l("Reason for not accepting"),
        reply_templates.SHORTEST,
        reply_templates.LONGEST[TemplateUse.DECLINE],
    )


class TransferForm(Irreversible):
    to_body = SelectField(_l("Transfer to"), coerce=int, validators=[InputRequired(REQUIRED)])
    reason = text_field(_l("Reason for the transfer"), 2, 1000)


class NoteForm(Form):
    text = text_field(_l("Internal note"), 1, 5000)


class AssignForm(Form):
    assignee = SelectField(_l("Assign to"), coerce=int, validators=[InputRequired(REQUIRED)])


class ExtendForm(Form):
    days = IntegerField(_l("Days of extension"), validators=[InputRequired(REQUIRED)])
    reason = text_field(_l("Reason for the extension"), 2, 1000)


class CloseForm(Irreversible):
    reply = text_field(
        _l("Reply to the citizen"),
        reply_templates.SHORTEST,
        reply_templates.LONGEST[TemplateUse.REPLY],
    )


class GroupForm(Form):
    """Link the near copies ticked on the case page into one group with the case (同一诉求).
    Any id is read; the operation checks each (cases.operations.link)."""

    cases = SelectMultipleField(_l("Near copies to link"), coerce=int, validate_choice=False)
    every = HiddenField()  # the button that links every near copy listed sets it

    def validate_cases(self, field: SelectMultipleField) -> None:
        if not field.data and self.every.data != "yes":
            raise ValidationError(_l("Tick at least one near copy to link."))


class UngroupForm(Form):
    """Take the case out of its group: a button, and the CSRF token."""


class GroupCloseForm(Irreversible):
    """One reply that closes every open case of the group."""

    reply = text_field(
        _l("Reply to every citizen of the group"),
        reply_templates.SHORTEST,
        reply_templates.LONGEST[TemplateUse.REPLY],
    )


class AnswerForm(Form):
    answer = text_field(_l("Answer to the follow-up question"), 2, 5000)


class PublishForm(Form):
    """公开答复: the text to show on the public page, offered masked, as staff confirm it."""

    text = text_field(_l("Text to publish"), 2, reply_templates.LONGEST[TemplateUse.REPLY])


STEP_FORMS: dict[str, type[FlaskForm]] = {
    "answer": AnswerForm,
    "accept": AcceptForm,
    "decline": DeclineForm,
    "transfer": TransferForm,
    "note": NoteForm,
    "assign": AssignForm,
    "extend": ExtendForm,
    "close": CloseForm,
    "publish": PublishForm,
}


def focus(form: FlaskForm) -> None:
    """Open the page on the form's first field with an error, or else its first field to fill in:
    the browser focuses it (autofocus) and scrolls to it, without JavaScript."""
    fields = [f for f in form if not isinstance(f.widget, HiddenInput)]
    chosen = next((f for f in fields if f.errors), fields[0] if fields else None)
    if chosen is not None:  # a new dict: the class's render_kw is shared by every instance
        chosen.render_kw = {**(chosen.render_kw or {}), "autofocus": True}


def step_form(
    step: str, case: Case, bodies: Sequence[Body], staff: Sequence[Colleague], *, bound: bool
) -> FlaskForm:
    """Make the form of one step on this case, with its choices; `bound` reads the posted data."""
    form_class = STEP_FORMS[step]
    form = form_class(prefix=step) if bound else form_class(prefix=step, formdata=None)
    if isinstance(form, TransferForm):
        form.to_body.choices = [
            SelectChoice(b.id, body_name(b, marked=False))
            for b in bodies
            if b.id != case.body_id and operations.may_hold(case, b)
        ]
    elif isinstance(form, AssignForm):
        form.assignee.choices = [SelectChoice(u.id, u.username) for u in staff]
        if case.assignee_id and not form.assignee.data:
            form.assignee.data = case.assignee_id
    elif isinstance(form, ExtendForm):
        most = case.body.max_extension_days
        form.days.validators = [
            InputRequired(REQUIRED),
            NumberRange(1, most, _l("Enter a number of days from %(min)s to %(max)s.")),
        ]
        form.days.render_kw = {"min": 1, "max": most, "inputmode": "numeric"}
    elif isinstance(form, PublishForm) and not bound:
        form.text.data = case.published_reply or publication.draft(case)
    return form


class ExportForm(Form):
    """Which month to export (or show in figures), and in which format; read from the query
    string."""

    class Meta:
        csrf = False

    month = MonthField(_l("Month"))
    format = SelectField(
        _l("Format"),
        choices=[SelectChoice("csv", "CSV"), SelectChoice("xlsx", _l("Excel (xlsx)"))],
        default="csv",
    )


class DecisionForm(Form):
    """Approve or reject an account request: a button, and the CSRF token."""


class AcknowledgeForm(Form):
    """A manager has seen the changes made without approval, up to the last one shown."""

    up_to = IntegerField(
        validators=[
            InputRequired(_l("Reload the page and try again.")),
            NumberRange(min=1, message=_l("Reload the page and try again.")),
        ]
    )


class TemplateForm(Form):
    """A reply template of the body: what it is for, its title, its plain text."""

    use = SelectField(
        _l("Used for"),
        choices=[SelectChoice(u.value, TEMPLATE_USE[u]) for u in TemplateUse],
        validators=[InputRequired(REQUIRED)],
    )
    title = StringField(
        _l("Title"),
        filters=[strip],
        validators=[
            NoControlCharacters(),
            DataRequired(REQUIRED),
            Length(1, reply_templates.LONGEST_TITLE, LENGTH),
        ],
        render_kw={"maxlength": reply_templates.LONGEST_TITLE},
    )
    text = text_field(_l("Text"), reply_templates.SHORTEST, max(reply_templates.LONGEST.values()))


class DeleteTemplateForm(Form):
    """Delete a reply template: a button, and the CSRF token."""
