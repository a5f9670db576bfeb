"""Reply templates on a case page: which are offered in which step's form, and putting the chosen
one's text into that form, without JavaScript.

Each form offers a select of the body's templates for its use, with an "insert" button that
sends the choice with GET to the case page (`<step>_template=<id>`); the page comes back with
the text in the form's field, to be edited and sent as usual.
"""

import re
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from feedback.extensions import DbSession
from feedback.models import ReplyTemplate, TemplateUse
from feedback.staff import reply_templates

# The step each use serves, and the field of that step's form the text goes into.
FIELDS = {TemplateUse.REPLY: ("close", "reply"), TemplateUse.DECLINE: ("decline", "reason")}
AN_ID = re.compile(r"[0-9]{1,9}")


def offered(
    session: DbSession, body_id: int, steps: Mapping[str, FlaskForm]
) -> dict[str, list[ReplyTemplate]]:
    """The body's templates for each step on the page that takes one."""
    return {
        step: reply_templates.of_body(session, body_id, use)
        for use, (step, _name) in FIELDS.items()
        if step in steps
    }


def insert(
    session: DbSession, body_id: int, forms: Mapping[str, FlaskForm], asked: Mapping[str, str]
) -> str | None:
    """Put the text of each template asked for into its step's field; say what went wrong, if."""
    for use, (step, name) in FIELDS.items():
        value = asked.get(f"{step}_template")
        if value is None or step not in forms:
            continue
        template = (
            reply_templates.find(session, body_id, int(value)) if AN_ID.fullmatch(value) else None
        )
        if template is None or template.use is not use:
            return str(
                _l("There is no such reply template in this body: choose one from the list.")
            )
        forms[step][name].data = template.text
    return None
