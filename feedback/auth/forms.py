"""The login form, and the forms of two-factor login."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from feedback.web.forms import new_password
from feedback.web.text import NoControlCharacters, strip


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[InputRequired(_l("Enter your username.")), Length(max=40)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField(
        _l("Two-factor code"),
        filters=[strip],
        validators=[NoControlCharacters(), Length(max=20)],
        render_kw={
            "autocomplete": "one-time-code",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "maxlength": 20,
        },
    )


class CodeForm(FlaskForm):
    """The six digits an authenticator app shows, to confirm enrolment or new recovery codes."""

    code = StringField(
        _l("Code from the app"),
        filters=[strip],
        validators=[
            NoControlCharacters(),
            InputRequired(_l("Enter the six digits the app shows.")),
            Length(max=20),
        ],
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "spellcheck": "false",
            "maxlength": 20,
        },
    )


class PasswordChangeForm(FlaskForm):
    """The account's own new password, given with the current one and a second-factor code."""

    current = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Enter your current password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField(
        _l("Two-factor code"),
        filters=[strip],
        validators=[
            NoControlCharacters(),
            InputRequired(_l("Enter the six digits the app shows, or a recovery code.")),
            Length(max=20),
        ],
        render_kw={
            "autocomplete": "one-time-code",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "maxlength": 20,
        },
    )
    password = new_password(_l("New password"))
    again = PasswordField(
        _l("New password again"),
        validators=[
            InputRequired(_l("Enter the new password a second time.")),
            EqualTo("password", _l("The two new passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
