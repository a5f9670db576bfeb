"""What the blueprints' forms share: the base of every form, the common messages, a choice
among the field's own options, and the fields of a new staff account."""

from functools import cache
from typing import Any

from babel import Locale
from babel.support import NullTranslations, Translations
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, SelectChoice, SelectField, StringField
from wtforms.i18n import messages_path
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
from feedback.web.text import strip


class Form(FlaskForm):
    """Every form of the service. WTForms' own messages (a number that is none, a choice that was
    not offered) are in the visitor's language, from WTForms' catalog read once per language;
    Flask-WTF would read it again on every request that builds a form."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form: FlaskForm) -> NullTranslations | None:
            locale = get_locale()
            return None if locale is None else wtforms_messages(locale)


@cache
def wtforms_messages(locale: Locale) -> NullTranslations:
    return Translations.load(messages_path(), [locale], domain="wtforms")


REQUIRED = _l("Please fill this in.")
LENGTH = _l("Write %(min)d to %(max)d characters.")


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


class AccountForm(Form):
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


class PasswordResetForm(Form):
    """A new password that someone gives another account, which then chooses its own."""

    password = new_password(_l("New password"))
