"""The citizen's forms: a submission, a tracking look-up, added information, a rating, a review
request (复查) and a follow-up question (追问).

Every message is in the citizen's language and sits beside its field. Choices are checked here
with our own messages, so that a forged value gets the same clear answer as a missing one.
"""

import re
from collections.abc import Sequence
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, StopValidation, ValidationError

from feedback.cases import attachments, receipts, resubmission, routing
from feedback.cases.attachments import CleanFile
from feedback.cases.operations import ContactDetails, ReportedPerson, Submission
from feedback.models import Kind, Rating, Verdict
from feedback.notices import catalog
from feedback.web.forms import Form, OneOf
from feedback.web.i18n import body_name
from feedback.web.labels import KIND, RATING
from feedback.web.text import NoControlCharacters, one_line_endings, strip

SUBJECT_MAX = 60
CONTENT_MIN = 10
CONTENT_MAX = 5000
NAME_MAX = 40
REPORTED_NAME_MAX = 40
REPORTED_UNIT_MAX = 100
REPORTED_POST_MAX = 60
EMAIL_MAX = 254
COMMENT_MAX = 500
QUESTION_MAX = 1000
REAL_NAME = "real"
ANONYMOUS = "anonymous"

# A Chinese mobile number, or a landline with its area code (010 and 02x have three digits).
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^(0(?:10|2\d|[3-9]\d{2}))(\d{7,8})$")
PHONE_SEPARATORS = str.maketrans("", "", " -\u00a0\u3000")


def normalise_phone(text: str) -> str | None:
    """Return a phone number in one stored form (13812345678, 0717-5193251), or None if invalid."""
    digits = text.translate(PHONE_SEPARATORS)
    if digits.startswith("+86"):
        digits = digits[3:]
    if MOBILE.match(digits):
        return digits
    landline = LANDLINE.match(digits)
    if landline:
        return f"{landline[1]}-{landline[2]}"
    return None


class Required(DataRequired):
    """Like DataRequired, without the HTML required attribute: the field may be needed only sometimes."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.field_flags: dict[str, Any] = {}


def only_for_real_name(form: FlaskForm, field: Field) -> None:
    """Skip a contact field when the citizen writes anonymously: it will not be stored."""
    if form.identity.data != REAL_NAME:
        field.errors = []
        raise StopValidation()


def needs_email(form: FlaskForm, field: Field) -> None:
    """News by mail goes to the e-mail address given with a real-name message: ask for one."""
    if field.data and not (form.identity.data == REAL_NAME and form.email.data):
        raise ValidationError(_l("To get news by e-mail, give your e-mail address above."))


def only_for_report(form: FlaskForm, field: Field) -> None:
    """Skip a field about the person reported unless the message is a report: it is not stored."""
    if form.kind.data != Kind.REPORT.value:
        field.errors = []
        raise StopValidation()


def message_text(label: Any, required: Any, rows: int) -> TextAreaField:
    """What the citizen writes to a body, a message or the reasons for a review: long enough to
    be handled, at most CONTENT_MAX characters."""
    return TextAreaField(
        label,
        filters=[one_line_endings, strip],
        validators=[
            NoControlCharacters(multiline=True),
            DataRequired(required),
            Length(
                min=CONTENT_MIN,
                message=_l("Write at least %(min)d characters so that it can be handled."),
            ),
            Length(
                max=CONTENT_MAX,
                message=_l("The text can be at most %(max)d characters; it has %(length)d."),
            ),
        ],
        render_kw={"rows": rows, "inputmode": "text"},
    )


def reported(label: Any, limit: int, message: Any) -> StringField:
    """One optional line about the person a report names (被举报人), at most `limit` characters."""
    return StringField(
        label,
        filters=[strip],
        validators=[only_for_report, NoControlCharacters(), Length(max=limit, message=message)],
        # Not the citizen's own details: the browser must not offer to fill them in.
        render_kw={"maxlength": limit, "autocomplete": "off", "inputmode": "text"},
    )


def valid_phone(form: FlaskForm, field: Field) -> None:
    if normalise_phone(field.data or "") is None:
        raise ValidationError(
            _l(
                "Enter a mobile number such as 13812345678, "
                "or a landline with its area code such as 0717-5193251."
            )
        )


def valid_email(form: FlaskForm, field: Field) -> None:
    if not field.data:
        return
    try:
        validate_email(field.data, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationError(
            _l("Enter an e-mail address such as name@example.com, or leave it empty.")
        ) from error


def empty_honeypot(form: FlaskForm, field: Field) -> None:
    """A person never sees this field; software that fills it gets a vague answer and nothing is stored."""
    if field.data:
        raise ValidationError(_l("Your message could not be sent. Check the form and try again."))


def one_time_token(form: FlaskForm, field: Field) -> None:
    """Require the token the form was rendered with; without it, give the form a new one."""
    if not resubmission.is_form_token(field.raw_data[0] if field.raw_data else ""):
        field.data = resubmission.new_form_token()
        raise ValidationError(
            _l(
                "This form was incomplete or out of date, so nothing was sent. "
                "Check your answers and send them again."
            )
        )


def attachments_field() -> MultipleFileField:
    """The file input of every citizen form that takes files (AttachedFiles checks them)."""
    return MultipleFileField(
        _l("Photos or documents (optional)"),
        render_kw={"accept": ".jpg,.jpeg,.png,.pdf,image/jpeg,image/png,application/pdf"},
    )


class AttachedFiles:
    """Files on a citizen's form, under the rules of feedback/cases/attachments.py: checked
    cheaply on every POST (`validate_attachments`), decoded and cleaned only when stored."""

    attachments: MultipleFileField
    checked_files: Sequence[attachments.CheckedFile] = ()

    def validate_attachments(self, field: Field) -> None:
        """Check the files by their content, without decoding them; keep them for storing."""
        try:
            self.checked_files = attachments.check_all(field.data or [])
        except attachments.AttachmentError as error:
            raise ValidationError(str(error)) from None

    def clean_files(self) -> list[CleanFile] | None:
        """Decode and clean the files, for storing; None, with the reason beside the field, if not."""
        try:
            return attachments.clean_all(self.checked_files)
        except attachments.AttachmentError as error:
            self.attachments.errors = [str(error)]
            return None


# Choices that are the same on every form; their labels are translated when shown.
KIND_CHOICES = [SelectChoice(kind.value, label) for kind, label in KIND.items()]
NOT_SURE = SelectChoice(routing.UNSURE, _l("Not sure"))
NO_ITEM = SelectChoice("", _l("None: about the notice in general or other"))


class SubmissionForm(AttachedFiles, Form):
    """意见 / 投诉 / 检举控告: what a citizen sends, to which body, by real name or anonymously."""

    kind = RadioField(
        _l("What kind of message is this?"),
        validators=[
            OneOf(_l("Choose the kind of message."), _l("Choose one of the kinds listed.")),
        ],
        validate_choice=False,
    )
    item = SelectField(
        _l("Related item of the notice (optional)"),
        validators=[
            OneOf("", _l("Choose an item from the list, or none."), optional=True),
        ],
        validate_choice=False,
    )
    body = RadioField(
        _l("Who should receive it?"),
        validators=[
            OneOf(
                _l("Choose who should receive it, or “Not sure”."),
                _l("Choose one of the bodies listed, or “Not sure”."),
            ),
        ],
        validate_choice=False,
        default=routing.UNSURE,
    )
    subject = StringField(
        _l("Subject"),
        filters=[strip],
        validators=[
            NoControlCharacters(),
            DataRequired(_l("Write a short subject.")),
            Length(
                max=SUBJECT_MAX,
                message=_l("The subject can be at most %(max)d characters; it has %(length)d."),
            ),
        ],
        render_kw={"maxlength": SUBJECT_MAX, "autocomplete": "off", "inputmode": "text"},
    )
    content = message_text(
        _l("What you want to tell them"), _l("Write what you want to tell them."), rows=10
    )
    identity = RadioField(
        _l("Real name or anonymous?"),
        choices=[
            SelectChoice(REAL_NAME, _l("Real name: the body can contact me about it")),
            SelectChoice(ANONYMOUS, _l("Anonymous: I give no name or contact details")),
        ],
        validators=[
            OneOf(
                _l("Choose real name or anonymous."),
                _l("Choose real name or anonymous."),
            ),
        ],
        validate_choice=False,
    )
    name = StringField(
        _l("Your name"),
        filters=[strip],
        validators=[
            only_for_real_name,
            NoControlCharacters(),
            Required(_l("Write your name, or choose anonymous.")),
            Length(max=NAME_MAX, message=_l("A name can be at most %(max)d characters.")),
        ],
        render_kw={"maxlength": NAME_MAX, "autocomplete": "name", "inputmode": "text"},
    )
    phone = StringField(
        _l("Phone number"),
        filters=[strip],
        validators=[
            only_for_real_name,
            NoControlCharacters(),
            Required(_l("Give a phone number, or choose anonymous.")),
            valid_phone,
        ],
        render_kw={"type": "tel", "autocomplete": "tel", "inputmode": "tel", "maxlength": 30},
    )
    email = StringField(
        _l("E-mail (optional)"),
        filters=[strip],
        validators=[
            only_for_real_name,
            NoControlCharacters(),
            Length(
                max=EMAIL_MAX, message=_l("An e-mail address can be at most %(max)d characters.")
            ),
            valid_email,
        ],
        render_kw={
            "type": "email",
            "autocomplete": "email",
            "inputmode": "email",
            "maxlength": EMAIL_MAX,
        },
    )
    news = BooleanField(
        _l("Tell me by e-mail when there is news of this message"),
        validators=[needs_email],
    )
    reported_name = reported(
        _l("Their name"),
        REPORTED_NAME_MAX,
        _l("The name can be at most %(max)d characters; it has %(length)d."),
    )
    reported_unit = reported(
        _l("Their unit (where they work)"),
        REPORTED_UNIT_MAX,
        _l("The unit can be at most %(max)d characters; it has %(length)d."),
    )
    reported_post = reported(
        _l("Their post"),
        REPORTED_POST_MAX,
        _l("The post can be at most %(max)d characters; it has %(length)d."),
    )
    attachments = attachments_field()
    # 公开答复: optional; never for a report of misconduct (feedback/cases/publication.py).
    allow_publishing = BooleanField(
        _l(
            "The reply to me may be published on the notice's public page, "
            "without my name or contact details (optional)"
        ),
    )
    consent = BooleanField(
        _l("I confirm that what I wrote is true, and I agree that the receiving body handles it."),
        validators=[DataRequired(_l("Tick this box to send your message."))],
    )
    # The honeypot: hidden from people, filled in by careless software.
    website = StringField(
        _l("Leave this field empty"),
        validators=[empty_honeypot],
        render_kw={"tabindex": "-1", "autocomplete": "off"},
    )
    # Set when the citizen has seen which body the rules chose and why. No label (a hidden input
    # shows none): WTForms would translate a default one, loading its catalog for every form.
    confirm_routing = HiddenField(label="")
    proposed_body = HiddenField(label="")
    # Names this rendered form: posted again, it stores nothing more (feedback/cases/resubmission.py).
    form_token = HiddenField(
        label="", default=resubmission.new_form_token, validators=[one_time_token]
    )

    def __init__(self, notice: catalog.PublishedNotice, **kwargs: Any) -> None:
        """Offer the notice's bodies by role (court, discipline, inspection) and its items."""
        super().__init__(**kwargs)
        self.kind.choices = KIND_CHOICES
        self.body.choices = [
            *(
                SelectChoice(link.role.value, body_name(link.body, short=True))
                for link in notice.body_links
            ),
            NOT_SURE,
        ]
        self.item.choices = [
            NO_ITEM,
            *(SelectChoice(str(i.id), i.label, optgroup=i.group) for i in notice.items),
        ]

    @property
    def chosen_kind(self) -> Kind:
        return Kind(self.kind.data)

    @property
    def item_id(self) -> int | None:
        return int(self.item.data) if self.item.data else None

    def contact(self) -> ContactDetails | None:
        """The real-name details in their stored form; None for an anonymous message."""
        if self.identity.data != REAL_NAME:
            return None
        email = self.email.data or ""
        if email:
            email = validate_email(email, check_deliverability=False).normalized
        phone = normalise_phone(self.phone.data)
        assert phone is not None  # the form validated it
        return ContactDetails(name=self.name.data, phone=phone, email=email)

    def reported_person(self) -> ReportedPerson | None:
        """Whom a report names, as far as the citizen said; None for other kinds or if blank."""
        if self.chosen_kind is not Kind.REPORT:
            return None
        person = ReportedPerson(
            name=self.reported_name.data or "",
            unit=self.reported_unit.data or "",
            post=self.reported_post.data or "",
        )
        return person if person.name or person.unit or person.post else None

    def submission(self, notice: catalog.PublishedNotice, item: catalog.Item | None) -> Submission:
        """What the citizen sent, as `operations.submit` stores it (the form has validated it)."""
        return Submission(
            kind=self.chosen_kind,
            chosen_body=self.body.data,
            item=item,
            subject=self.subject.data,
            content=self.content.data,
            contact=self.contact(),
            notice=notice,
            form_token=self.form_token.data,
            reported=self.reported_person(),
            news_locale=str(get_locale()) if self.news.data else None,
            publish_allowed=bool(self.allow_publishing.data)
            and self.chosen_kind is not Kind.REPORT,
        )

    def confirmed(self, proposed_body: str) -> bool:
        """Tell whether the citizen confirmed this very proposal (not one for other answers)."""
        if self.confirm_routing.data != "1":
            return False
        return (self.proposed_body.data or "") in ("", proposed_body)

    def ask_confirmation(self, proposed_body: str) -> None:
        self.confirm_routing.data = "1"
        self.proposed_body.data = proposed_body


def as_reference(value: Any) -> Any:
    """Read a reference as typed: full-width, any dash or none (receipts.normalise_reference)."""
    return receipts.normalise_reference(value) if isinstance(value, str) else value


def as_code(value: Any) -> Any:
    """Read a tracking code as typed: full-width, any dash or none, any case."""
    return receipts.normalise_code(value) if isinstance(value, str) else value


def reference_shape(form: FlaskForm, field: Field) -> None:
    """Refuse what cannot be a reference number: its shape is public, so saying so tells nothing."""
    if not receipts.is_reference(field.data or ""):
        raise StopValidation(
            _l(
                "A reference number is the year, the month and a number, such as "
                "2026-11-000123; the dashes may be left out."
            )
        )


def code_shape(form: FlaskForm, field: Field) -> None:
    if not receipts.is_code(field.data or ""):
        raise StopValidation(
            _l(
                "A tracking code has 20 letters and digits, such as 7KQ2-M9XD-4TPB-H3WZ-8NCF; "
                "the dashes may be left out."
            )
        )


class TrackingForm(Form):
    """Look a case up by its reference number and tracking code, as the citizen types them."""

    reference = StringField(
        _l("Reference number"),
        filters=[as_reference],
        validators=[
            NoControlCharacters(),
            DataRequired(_l("Enter the reference number from your receipt.")),
            reference_shape,
        ],
        # Digits are enough (the dashes are optional): a phone shows its number pad.
        render_kw={
            "inputmode": "numeric",
            "autocomplete": "off",
            "spellcheck": "false",
            "placeholder": "2026-01-000001",
        },
    )
    code = StringField(
        _l("Tracking code"),
        filters=[as_code],
        validators=[
            NoControlCharacters(),
            DataRequired(_l("Enter the tracking code from your receipt.")),
            code_shape,
        ],
        render_kw={
            "inputmode": "text",
            "autocomplete": "off",
            "autocorrect": "off",
            "spellcheck": "false",
            "autocapitalize": "characters",
            "placeholder": "XXXX-XXXX-XXXX-XXXX-XXXX",
        },
    )


class SupplementForm(AttachedFiles, TrackingForm):
    """补充材料: more information, and files, for an open case; reference and code travel as
    hidden fields."""

    text = TextAreaField(
        _l("Information to add"),
        filters=[one_line_endings, strip],
        validators=[
            NoControlCharacters(multiline=True),
            DataRequired(_l("Write the information you want to add.")),
            Length(
                max=CONTENT_MAX,
                message=_l("The text can be at most %(max)d characters; it has %(length)d."),
            ),
        ],
        render_kw={"rows": 5, "inputmode": "text"},
    )
    attachments = attachments_field()


class RatingForm(TrackingForm):
    """评价: how satisfied the citizen is with the outcome, with an optional comment."""

    rating = RadioField(
        _l("How satisfied are you with how your case was handled?"),
        choices=[SelectChoice(r.value, label) for r, label in RATING.items()],
        validators=[
            OneOf(_l("Choose how satisfied you are."), _l("Choose how satisfied you are.")),
        ],
        validate_choice=False,
    )
    comment = TextAreaField(
        _l("Comment (optional)"),
        filters=[one_line_endings, strip],
        validators=[
            NoControlCharacters(multiline=True),
            Length(
                max=COMMENT_MAX,
                message=_l("A comment can be at most %(max)d characters; it has %(length)d."),
            ),
        ],
        render_kw={"rows": 3, "inputmode": "text"},
    )

    @property
    def chosen_rating(self) -> Rating:
        return Rating(self.rating.data)


class ReviewForm(AttachedFiles, TrackingForm):
    """申请复查: why the citizen contests the decision, with files; reference and code hidden."""

    reasons = message_text(
        _l("Why you ask for a review"), _l("Write why you ask for a review."), rows=6
    )
    attachments = attachments_field()


class FollowUpForm(TrackingForm):
    """追问: one question about the reply; reference and code travel as hidden fields."""

    question = TextAreaField(
        _l("Your question about the reply"),
        filters=[one_line_endings, strip],
        validators=[
            NoControlCharacters(multiline=True),
            DataRequired(_l("Write your question.")),
            Length(
                max=QUESTION_MAX,
                message=_l("The text can be at most %(max)d characters; it has %(length)d."),
            ),
        ],
        render_kw={"rows": 4},
    )


class ReceiptFileForm(TrackingForm):
    """回执下载: the receipt as a file; reference and code travel as hidden fields, never in a URL."""


class AnswerForm(Form):
    """属实 / 不属实 / 不了解: one tap on one of three buttons named `verdict`, nothing to write."""

    verdict = StringField(
        label="",
        validators=[
            AnyOf(
                [verdict.value for verdict in Verdict],
                message=_l("Choose one of the three answers."),
            )
        ],
    )

    @property
    def chosen(self) -> Verdict:
        return Verdict(self.verdict.data)
