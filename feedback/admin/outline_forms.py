"""The forms of a draft's structure page: each carries the tree's version it was drawn from."""

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Length

from feedback.admin.forms import line
from feedback.admin.notice_forms import AT_MOST, notice_text_field
from feedback.models import BodyRole, ItemStatus
from feedback.notices import outline
from feedback.notices.outline import Row
from feedback.web.forms import Form, OneOf
from feedback.web.labels import BODY_ROLE, ITEM_STATUS
from feedback.web.text import NoControlCharacters, one_line_endings, strip

CHOOSE = _l("Choose one of the options listed.")


class VersionForm(Form):
    """A step on one row: only the version of the tree the page showed."""

    version = HiddenField()


class AddForm(VersionForm):
    where = RadioField(
        _l("Where"),
        choices=[
            SelectChoice("after", _l("After this row and the rows below it, at its level")),
            SelectChoice("inside", _l("Below this row, as its first row")),
        ],
        default="after",
        validators=[OneOf(CHOOSE, CHOOSE)],
        validate_choice=False,
    )
    title = line(_l("Title"), 1, outline.TITLE_MAX)
    text = TextAreaField(
        _l("Rectification text (not for an aspect, nor for a row with rows below it)"),
        filters=[one_line_endings, strip],
        validators=[
            NoControlCharacters(multiline=True),
            Length(max=outline.TEXT_MAX, message=AT_MOST),
        ],
        render_kw={"rows": 5},
    )
    status = SelectField(
        _l("Rectification status"),
        choices=[SelectChoice(s.value, label) for s, label in ITEM_STATUS.items()],
        default=ItemStatus.DONE.value,
        validators=[OneOf(CHOOSE, CHOOSE)],
        validate_choice=False,
    )

    def row(self) -> Row:
        """The new row; its level is decided by where it goes. Its status was chosen by hand."""
        return Row(
            outline.ASPECT,
            self.title.data or "",
            self.text.data or "",
            ItemStatus(self.status.data),
            status_by_hand=True,
        )


def split_form(row: Row, **kwargs: Any) -> "SplitForm":
    """A form to split the row before one of its paragraphs, the second one by default."""

    class Form(SplitForm):
        pass

    parts = outline.paragraphs(row)
    Form.at = RadioField(
        _l("The new row starts at paragraph"),
        choices=[
            SelectChoice(str(n), f"{n}. {text[:60]}") for n, text in enumerate(parts, 1) if n > 1
        ],
        default="2",
        validate_choice=False,  # outline.split says which paragraphs can start the new row
    )
    return Form(**kwargs)


class SplitForm(VersionForm):
    title = line(_l("Title of the new row"), 1, outline.TITLE_MAX)

    def paragraph(self) -> int:
        value = str(self["at"].data or "")
        return int(value) if value.isdigit() else 0


class SourceForm(VersionForm):
    """The notice's text, to read again; `previewed` is the fingerprint of the text last shown."""

    text = notice_text_field(rows=20)
    previewed = HiddenField()


def contact_form(suggested: BodyRole | None, **kwargs: Any) -> "ContactForm":
    """A form to make a body of one contact: its role, and its name and short name."""
    form = ContactForm(**kwargs)
    if suggested is not None and not form.is_submitted():
        form.role.data = suggested.value
    return form


class ContactForm(VersionForm):
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice("", _l("— choose a role —"))]
        + [SelectChoice(role.value, label) for role, label in BODY_ROLE.items()],
        validators=[OneOf(_l("Choose a role."), CHOOSE)],
        validate_choice=False,
    )
    name = line(_l("Name"), 2, 100)
    short_name = StringField(
        _l("Short name (optional)"),
        filters=[strip],
        validators=[NoControlCharacters(), Length(max=40, message=AT_MOST)],
        render_kw={"maxlength": 40},
    )
