"""The login form, and the forms of two-factor login."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

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
