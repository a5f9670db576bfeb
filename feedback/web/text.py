"""Rules every typed text obeys, on the public and the staff side alike.

Text is trimmed, new lines are counted as one character, and control characters (a NUL byte
above all, which PostgreSQL refuses) are turned away with a clear message instead of an error.
"""

import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import StopValidation


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
