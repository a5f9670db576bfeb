"""The administrator's forms: a body's details and time limits, and the accounts of any body."""

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from feedback.models import Body, Role
from feedback.web.forms import LENGTH, REQUIRED, AccountForm, Form
from feedback.web.labels import ROLE
from feedback.web.text import NoControlCharacters, strip

DAYS = _l("Enter a number of days from %(min)s to %(max)s.")
NO_BODY = _l("None (administrator)")


def days(label: Any, low: int, high: int) -> IntegerField:
    """A whole number of days within [low, high]."""
    return IntegerField(
        label,
        validators=[InputRequired(REQUIRED), NumberRange(low, high, DAYS)],
        render_kw={"min": low, "max": high, "inputmode": "numeric"},
    )


def line(label: Any, low: int, high: int, *more: Any, **kwargs: Any) -> StringField:
    """A required line of text of `low` to `high` characters, trimmed."""
    return StringField(
        label,
        filters=[strip],
        validators=[
            NoControlCharacters(),
            DataRequired(REQUIRED),
            Length(low, high, LENGTH),
            *more,
        ],
        render_kw={"maxlength": high},
        **kwargs,
    )


class BodyForm(Form):
    """A receiving body's public details and its time limits."""

    name = line(_l("Name"), 2, 100)
    short_name = line(_l("Short name"), 2, 40)
    name_en = line(_l("Name in English"), 2, 120)
    phone = line(
        _l("Phone"),
        5,
        40,
        Regexp(
            r"^[0-9+() -]+(?:、[0-9+() -]+)*$",
            message=_l(
                "Use digits, spaces, dashes and brackets only; separate two numbers with 、."
            ),
        ),
    )
    address = StringField(
        _l("Address"),
        filters=[strip],
        validators=[NoControlCharacters(), Optional(), Length(max=200)],
    )
    email = StringField(
        _l("E-mail (optional)"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=120),
            Email(message=_l("Write an e-mail address such as name@example.gov.cn.")),
        ],
        render_kw={"inputmode": "email", "maxlength": 120, "autocapitalize": "none"},
    )
    postcode = StringField(
        _l("Postcode"),
        filters=[strip],
        validators=[Optional(), Regexp(r"^\d{6}$", message=_l("A postcode has six digits."))],
        render_kw={"inputmode": "numeric", "maxlength": 6},
    )
    accept_days = days(_l("Days to decide on acceptance"), 1, 60)
    close_days = days(_l("Days to close after acceptance"), 1, 180)
    max_extension_days = days(_l("Longest extension, in days"), 1, 90)

    FIELDS = (
        "name",
        "short_name",
        "name_en",
        "phone",
        "address",
        "postcode",
        "email",
        "accept_days",
        "close_days",
        "max_extension_days",
    )

    def apply(self, body: Body) -> None:
        """Write the form's values into the body."""
        for name in self.FIELDS:
            value = self[name].data
            setattr(body, name, "" if value is None else value)


class AdminAccountForm(AccountForm):
    """A new account of any body, or another administrator (who belongs to none)."""

    role = SelectField(
        _l("Role"), choices=[SelectChoice(r.value, ROLE[r]) for r in Role], default=Role.STAFF.value
    )
    body = SelectField(_l("Body"), choices=[SelectChoice("", NO_BODY)], default="")

    def offer_bodies(self, bodies: list[Body]) -> None:
        self.body.choices = [SelectChoice("", NO_BODY)] + [
            SelectChoice(b.slug, b.name) for b in bodies
        ]

    def validate_body(self, field: Field) -> None:
        if self.role.data == Role.ADMIN.value and field.data:
            raise ValidationError(_l("An administrator belongs to no body."))
        if self.role.data != Role.ADMIN.value and not field.data:
            raise ValidationError(_l("Staff and managers belong to a body: choose one."))


class MoveForm(Form):
    """Another body for an account (its managers approve)."""

    body = SelectField(_l("Move to"), validators=[InputRequired(REQUIRED)])

    def offer_bodies(self, bodies: list[Body], current: Body | None) -> None:
        self.body.choices = [SelectChoice(b.slug, b.name) for b in bodies if b != current]
