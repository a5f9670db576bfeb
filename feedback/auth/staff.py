"""Changes to staff accounts made from the managers' and the administrator's pages."""

from flask_babel import lazy_gettext as _l

from feedback.accounts import AccountError
from feedback.models import User


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate or reactivate an account; nobody switches off their own."""
    if user.id == actor.id:
        raise AccountError(_l("You cannot deactivate or reactivate your own account."))
    user.active = active
