"""What the managers' and the administrator's account pages share: switching an account on or
off, and saying what an account change did."""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from feedback.extensions import db
from feedback.models import User
from feedback.staff import accounts
from feedback.staff.sessions import signed_in_user


def switch_account(user_id: int, *, active: bool) -> Response:
    """Deactivate or reactivate an account, for the managers' and the administrator's pages."""
    user = db.session.get(User, user_id)
    try:
        if user is None:
            raise LookupError(user_id)
        change = accounts.set_active(db.session, signed_in_user(), user, active)
    except LookupError:
        abort(404)
    except accounts.AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        name = user.username
        db.session.commit()
        announce(
            change,
            _("The account %(name)s is active.", name=name)
            if active
            else _("The account %(name)s is deactivated.", name=name),
        )
    return redirect(url_for(".accounts_page"))


def announce(change: accounts.Change, done: str) -> None:
    """Say what an account operation did: made the change, asked a manager, or did it unasked."""
    if change.request is not None:
        flash(
            _(
                "Request sent: it takes effect once a manager of %(body)s approves it; "
                "they see it on their next page.",
                body=change.request.body.name,
            ),
            "success",
        )
        return
    flash(done, "success")
    if change.unapproved and change.account is not None and change.account.body is not None:
        flash(
            _(
                "%(body)s has no active manager to approve this: it was done without approval, "
                "is written to its audit log and will be shown to its managers.",
                body=change.account.body.name,
            ),
            "warning",
        )
