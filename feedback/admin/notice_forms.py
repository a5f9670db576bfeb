"""The administrator's notice forms: import a notice, and correct and publish what was read."""

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, Field, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from feedback.admin.forms import line
from feedback.cases import routing
from feedback.extensions import DbSession
from feedback.models import Body, BodyRole, ItemStatus, Notice
from feedback.notices import editing
from feedback.notices.documents import TEXT_MAX, notice_text
from feedback.notices.errors import NoticeError
from feedback.notices.loader import SLUG
from feedback.web.forms import REQUIRED, Form, OneOf
from feedback.web.labels import BODY_ROLE, ITEM_STATUS
from feedback.web.text import NoControlCharacters, one_line_endings, strip

TITLE_MAX = 300
WRITE_DATE = _l("Write the date as 2026-12-31, or leave it empty.")
AT_MOST = _l("Write at most %(max)d characters.")


class LocalDateField(DateField):
    """A local date, optional, with our own message for one that is not a date."""

    def __init__(self, label: Any, **kwargs: Any) -> None:
        super().__init__(label, validators=[Optional()], **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if text:
            try:
                self.data = datetime.strptime(text, "%Y-%m-%d").date()
            except ValueError:
                raise ValueError(WRITE_DATE) from None


def later_or_same(form: FlaskForm, field: Field) -> None:
    """The window closes on or after the day it opens."""
    if field.data and form.opens_on.data and field.data < form.opens_on.data:
        raise ValidationError(_l("The closing date is before the opening date."))


def notice_text_field(rows: int) -> TextAreaField:
    """A notice's whole text, pasted or corrected."""
    return TextAreaField(
        _l("The notice's text"),
        filters=[one_line_endings],
        validators=[NoControlCharacters(multiline=True), Length(max=TEXT_MAX, message=AT_MOST)],
        render_kw={"rows": rows},
    )


class ImportForm(Form):
    """A notice pasted or uploaded, with the unit it belongs to and its feedback window."""

    unit = line(_l("Inspected unit"), 2, 100)
    title = StringField(
        _l("Title (optional)"),
        filters=[strip],
        validators=[NoControlCharacters(), Length(max=200, message=AT_MOST)],
        render_kw={"maxlength": 200},
    )
    slug = StringField(
        _l("Address name (optional)"),
        filters=[strip],
        validators=[
            Optional(),
            Regexp(
                SLUG.pattern,
                message=_l("Use lower-case letters, digits and dashes, such as wufeng-court-2020."),
            ),
        ],
        render_kw={"maxlength": 64, "autocapitalize": "none", "spellcheck": "false"},
    )
    opens_on = LocalDateField(_l("Takes comments from (optional)"))
    closes_on = LocalDateField(_l("Takes comments until (optional)"))
    text = notice_text_field(rows=14)
    upload = FileField(
        _l("Or a file: .txt, .docx, .pdf, .xlsx or .csv"),
        render_kw={"accept": ".txt,.docx,.pdf,.xlsx,.csv"},
    )

    def validate_closes_on(self, field: Field) -> None:
        later_or_same(self, field)

    def validate(self, extra_validators: Any = None) -> bool:
        """Check the answers, then read the text: pasted, or from the file in its format."""
        valid = super().validate(extra_validators)
        self.notice_text = str(self.text.data or "")
        upload = self.upload.data
        if not self.notice_text.strip() and upload and upload.filename:
            try:
                self.notice_text = one_line_endings(notice_text(upload.filename, upload.read()))
            except NoticeError as error:
                self.upload.errors = [*self.upload.errors, error.message]
                return False
        if not self.notice_text.strip():
            self.text.errors = [
                *self.text.errors,
                _l("Paste the notice's text, or choose a file."),
            ]
            return False
        return valid


def edit_form(notice: Notice, bodies: list[Body], **kwargs: Any) -> "NoticeForm":
    """A form with a field for every title, status and text of this notice, filled in."""

    class Form(NoticeForm):
        pass

    body_choices = [SelectChoice("", _l("— choose a body —"))] + [
        SelectChoice(str(b.id), f"{b.name} ({b.phone})") for b in bodies
    ]
    for role in BodyRole:
        current = notice.body_for(role)
        setattr(
            Form,
            f"body_{role.value}",
            SelectField(
                BODY_ROLE[role],
                choices=body_choices,
                default=str(current.id) if current else "",
                validators=[OneOf("", _l("Choose one of the bodies listed."), optional=True)],
                validate_choice=False,
            ),
        )
    for role in BodyRole:
        setattr(
            Form,
            f"reviewer_{role.value}",
            SelectField(
                _l("Reviews the decisions of the %(role)s", role=BODY_ROLE[role]),
                choices=[SelectChoice(r.value, BODY_ROLE[r]) for r in BodyRole if r is not role],
                default=routing.reviewer(role.value, notice.chosen_reviewers),
                validators=[OneOf(_l("Choose a role."), _l("Choose one of the roles listed."))],
                validate_choice=False,
            ),
        )
    for role in BodyRole:
        choices = [SelectChoice(r.value, BODY_ROLE[r]) for r in BodyRole if r is not role]
        if routing.SUPERVISORS[role.value] is None:
            choices.insert(0, SelectChoice("", _l("— no supervisor —")))
        setattr(
            Form,
            f"supervisor_{role.value}",
            SelectField(
                _l("Who supervises the %(role)s", role=BODY_ROLE[role]),
                choices=choices,
                default=routing.supervisor(role.value, notice.chosen_supervisors) or "",
                validators=[
                    OneOf(
                        _l("Choose a role."),
                        _l("Choose one of the roles listed."),
                        optional=routing.SUPERVISORS[role.value] is None,
                    )
                ],
                validate_choice=False,
            ),
        )
    for aspect in notice.aspects:
        setattr(Form, f"aspect_{aspect.id}", _title(_l("Aspect title"), aspect.title))
        for category in aspect.categories:
            setattr(Form, f"category_{category.id}", _title(_l("Category title"), category.title))
            for item in category.items:
                setattr(Form, f"item_{item.id}_title", _title(_l("Title of the item"), item.title))
                setattr(Form, f"item_{item.id}_status", _status(item.status))
                setattr(
                    Form,
                    f"item_{item.id}_text",
                    TextAreaField(
                        _l("Rectification text"),
                        default=item.rectification,
                        filters=[one_line_endings, strip],
                        validators=[
                            NoControlCharacters(multiline=True),
                            Length(max=20_000, message=AT_MOST),
                        ],
                        render_kw={"rows": 5},
                    ),
                )
    details = {"title": notice.title, "unit": notice.unit}
    window = {"opens_on": notice.opens_on, "closes_on": notice.closes_on}
    return Form(data=details | window, **kwargs)


class NoticeForm(Form):
    """The notice's own details; edit_form adds its titles, statuses, texts and bodies."""

    title = line(_l("Title"), 2, 200)
    unit = line(_l("Inspected unit"), 2, 100)
    opens_on = LocalDateField(_l("Takes comments from (optional)"))
    closes_on = LocalDateField(_l("Takes comments until (optional)"))

    def validate_closes_on(self, field: Field) -> None:
        later_or_same(self, field)

    def chosen_bodies(self, bodies: list[Body]) -> dict[BodyRole, Body]:
        by_id = {str(b.id): b for b in bodies}
        chosen = {role: by_id.get(self[f"body_{role.value}"].data or "") for role in BodyRole}
        return {role: body for role, body in chosen.items() if body is not None}

    def apply(self, session: DbSession, notice: Notice, bodies: list[Body]) -> list[str]:
        """Write the corrections into the notice, in place: no item is added, moved or removed.

        Return the changes of receiving bodies, for the audit log.
        """
        notice.title = self.title.data
        notice.unit = self.unit.data
        editing.set_window(notice, self.opens_on.data, self.closes_on.data)
        for aspect in notice.aspects:
            aspect.title = self[f"aspect_{aspect.id}"].data
            for category in aspect.categories:
                category.title = self[f"category_{category.id}"].data
                for item in category.items:
                    item.title = self[f"item_{item.id}_title"].data
                    item.rectification = self[f"item_{item.id}_text"].data
                    editing.set_status(item, ItemStatus(self[f"item_{item.id}_status"].data))
        changes = editing.set_bodies(session, notice, self.chosen_bodies(bodies))
        reviewers = {role: BodyRole(self[f"reviewer_{role.value}"].data) for role in BodyRole}
        supervisors = {
            role: BodyRole(value) if (value := self[f"supervisor_{role.value}"].data) else None
            for role in BodyRole
        }
        changes += editing.set_reviewers(notice, reviewers)
        return changes + editing.set_supervisors(notice, supervisors)


def _title(label: Any, value: str) -> StringField:
    return StringField(
        label,
        default=value,
        filters=[strip],
        validators=[
            NoControlCharacters(),
            DataRequired(REQUIRED),
            Length(max=TITLE_MAX, message=AT_MOST),
        ],
        render_kw={"maxlength": TITLE_MAX},
    )


def _status(value: ItemStatus) -> SelectField:
    return SelectField(
        _l("Rectification status"),
        choices=[SelectChoice(s.value, label) for s, label in ITEM_STATUS.items()],
        default=value.value,
        validators=[OneOf(_l("Choose a status."), _l("Choose a status."))],
        validate_choice=False,
    )
