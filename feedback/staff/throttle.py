"""Failed logins counted per account, in the rate limiter's storage only, with expiry.

The client's own limit (LOGIN_LIMITS) is a decorator on the login view. This one counts the
failures against a username, whoever sends them, in tiers (ACCOUNT_LOGIN_LIMITS, such as
5 per 15 minutes; 10 per hour; 20 per day): each tier passed locks the account for longer. The
username is counted whether or not such an account exists, so a lock says nothing about that.
"""

from flask import current_app
from limits import RateLimitItem, parse_many

from feedback.extensions import limiter

SCOPE = "login-account"


def _tiers() -> list[RateLimitItem]:
    return parse_many(current_app.config["ACCOUNT_LOGIN_LIMITS"])


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def locked(username: str) -> bool:
    """Tell whether too many failures against this username forbid trying now."""
    if not _enabled():
        return False
    return any(not limiter.limiter.test(tier, SCOPE, username[:40]) for tier in _tiers())


def failed(username: str) -> None:
    if _enabled():
        for tier in _tiers():
            limiter.limiter.hit(tier, SCOPE, username[:40])


def forget(username: str) -> None:
    """After a successful login the account starts afresh."""
    if _enabled():
        for tier in _tiers():
            limiter.limiter.clear(tier, SCOPE, username[:40])
