"""What every form shares: the rules every typed text obeys, on the public and the staff side alike,
the common messages and checks, and the account form of the managers and the administrator.

Text is trimmed, new lines are counted as one character, and control characters (a NUL byte
above all, which PostgreSQL refuses) are turned away with a clear message instead of an error.
"""

import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Regexp,
    StopValidation,
    ValidationError,
)

from feedback.models import Role
from feedback.staff import accounts
from feedback.web.labels import ROLE

REQUIRED = _l("Please fill this in.")
LENGTH = _l("Write %(min)d to %(max)d characters.")


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def one_line_endings(value: Any) -> Any:
    """Browsers send CRLF from a textarea; count and store a new line as one character."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class NoControlCharacters:
    """Refuse NUL bytes and other control characters; a multi-line text may hold new lines and tabs."""

    def __init__(self, multiline: bool = False) -> None:
        self.allowed = {"\n", "\t"} if multiline else set()

    def __call__(self, form: FlaskForm, field: Field) -> None:
        text = field.data or ""
        if any(unicodedata.category(c) == "Cc" and c not in self.allowed for c in text):
            raise StopValidation(
                _l("Remove the invisible control characters from this text and try again.")
            )


class OneOf:
    """Require one of the field's own choices: a missing and a forged value get clear messages."""

    def __init__(self, missing: str, invalid: str, optional: bool = False) -> None:
        self.missing = missing
        self.invalid = invalid
        self.optional = optional

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if not field.data:
            if self.optional:
                return
            raise StopValidation(self.missing)
        if field.data not in {c.value for c in field.choices}:
            raise StopValidation(self.invalid)


def new_password(label: Any = None) -> PasswordField:
    """A new password: long enough here; accounts.check_password refuses the guessable."""
    return PasswordField(
        label or _l("Password"),
        validators=[
            InputRequired(REQUIRED),
            Length(
                accounts.MIN_PASSWORD_LENGTH,
                200,
                _l("A password needs at least %(min)d characters."),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class AccountForm(FlaskForm):
    """A new account of the manager's own body."""

    username = StringField(
        _l("Username"),
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(3, 40, LENGTH),
            Regexp(
                r"^[A-Za-z0-9._-]+$",
                message=_l("Use letters, digits, dots, dashes or underscores."),
            ),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = new_password()
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(r.value, ROLE[r]) for r in (Role.STAFF, Role.MANAGER)],
        default=Role.STAFF.value,
    )

    def validate_password(self, field: Field) -> None:
        """Refuse a common or guessable password beside its field (accounts.check_password)."""
        try:
            accounts.check_password(field.data or "", self.username.data or "")
        except accounts.AccountError as error:
            raise ValidationError(str(error)) from None
