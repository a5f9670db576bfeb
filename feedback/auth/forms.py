"""The login form, the forms of two-factor login, and what an account is told by mail."""

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, PasswordField, RadioField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from feedback.web.forms import Form, new_password
from feedback.web.text import NoControlCharacters, strip


class LoginForm(Form):
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


class CodeForm(Form):
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


class PasswordChangeForm(Form):
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


def optional_email(form: FlaskForm, field: Field) -> None:
    if not field.data:
        return
    try:
        field.data = validate_email(field.data, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationError(
            _l("Enter an e-mail address such as name@example.com, or leave it empty.")
        ) from None


class MailSettingsForm(Form):
    """What the account is told by mail: new cases one by one or daily, and the due list."""

    email = StringField(
        _l("E-mail address for these messages"),
        filters=[strip],
        validators=[NoControlCharacters(), Length(max=254), optional_email],
        render_kw={"type": "email", "autocomplete": "email", "maxlength": 254},
    )
    new_cases = RadioField(
        _l("New cases in your body's inbox"),
        choices=[
            SelectChoice("each", _l("A message for each new case")),
            SelectChoice("daily", _l("One message a day with the new cases")),
            SelectChoice("none", _l("No message")),
        ],
        default="none",
    )
    due_list = BooleanField(_l("Each day, the cases due within 3 days and the overdue ones"))
    locale = RadioField(
        _l("Language of the messages"),
        choices=[SelectChoice("zh_Hans_CN", "中文"), SelectChoice("en", "English")],
        default="zh_Hans_CN",
    )

    def validate_email(self, field: Field) -> None:
        if not field.data and (self.new_cases.data != "none" or self.due_list.data):
            raise ValidationError(_l("Give the e-mail address the messages should go to."))
