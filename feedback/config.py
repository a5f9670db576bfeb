"""Configuration: defaults, then the environment, then an optional mapping from the caller."""

import os
import secrets
from pathlib import Path
from typing import Any, ClassVar

PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """Find a folder that lives beside the package in a checkout and inside it in a wheel."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


class Defaults:
    """Settings a fresh checkout runs with; production overrides them through the environment."""

    SQLALCHEMY_DATABASE_URI = ""  # filled in from DATABASE_URL or instance/feedback.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = {"pool_pre_ping": True}
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    SUBMIT_LIMITS = "5 per hour;20 per day"
    LOGIN_LIMITS = "10 per 15 minutes;50 per day"
    # Failed logins per account, whatever the client: each tier locks the account for longer.
    ACCOUNT_LOGIN_LIMITS = "5 per 15 minutes;10 per hour;20 per day"
    TRACK_LIMITS = "30 per hour"
    # 属实 / 不属实 / 不了解 taps: one per item, a notice has dozens of items.
    ANSWER_LIMITS = "60 per hour;200 per day"
    # Wrong codes per reference number, whatever the client; the right code always opens the case.
    TRACK_REFERENCE_LIMITS = "10 per hour;30 per day"
    SESSION_IDLE_MINUTES = 30
    SESSION_COOKIE_SECURE = False  # also Secure whenever the request came over HTTPS
    # Roles that must log in with a second factor (TOTP); "staff" may be added.
    TOTP_REQUIRED_ROLES: ClassVar[tuple[str, ...]] = ("manager", "admin")
    TOTP_ISSUER = "整改监督意见箱"
    # "database" or "disk"; unset, the database's kind chooses (feedback/storage/attachment_store.py)
    ATTACHMENT_STORE = ""
    ATTACHMENT_DIR = ""  # filled in from ATTACHMENT_DIR or instance/attachments
    ATTACHMENT_MAX_FILES = 3
    ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    ATTACHMENT_TYPES: ClassVar[tuple[str, ...]] = ("jpeg", "png", "pdf")
    # Pixels of all the pictures of one message together, as their headers declare them.
    ATTACHMENT_MAX_PIXELS = 40_000_000
    WTF_CSRF_TIME_LIMIT = 3600 * 4
    # Flask-WTF's HTTPS check wants a same-origin Referer, which no-referrer pages never get:
    # feedback.web.cross_site checks the Origin instead; the token is checked as before.
    WTF_CSRF_SSL_STRICT = False
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_Hans_CN", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    INBOX_PAGE_SIZE = 50
    # How long a worker trusts the catalog it holds before reading the stamp again: another
    # worker's (or a command's) edit of a notice shows on the public pages within this time.
    CATALOG_CHECK_SECONDS = 1.0
    MAX_CONTENT_LENGTH = 1024 * 1024
    # A notice file (.docx, .pdf…) that the administrator imports; that form alone takes it.
    NOTICE_UPLOAD_MAX = 20 * 1024 * 1024
    # A request body must have arrived within this many seconds (below gunicorn's worker timeout,
    # 60 s, which kills the worker): a body that stops arriving gets the 400 page.
    REQUEST_BODY_SECONDS = 30
    # When Redis, say, stops answering, limits fall back to each worker's memory (and a warning is
    # logged) rather than refusing citizens: see DEPLOY.md.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Mail (feedback/notify/smtp.py): smtp://user:password@host:587?starttls, or smtps://… for
    # TLS from the start; unset, messages wait in the outbox and the admin page says mail is off.
    MAIL_URL = ""
    MAIL_FROM = ""
    MAIL_TIMEOUT = 10  # seconds for the SMTP server to answer, in the sending command only
    # The address the service is reached at, for the links in messages (no request to ask).
    BASE_URL = "http://127.0.0.1:5000"
    # The local hour from which the daily messages (digest, cases due) are sent.
    MAIL_DAILY_HOUR = 8
    # 督办: a case this many days past its time limit is escalated to the supervising body.
    ESCALATE_AFTER_DAYS = 5


class ConfigurationError(RuntimeError):
    """A setting that would make the service unsafe or wrong; the message says what to set."""


def load(app_instance_path: str, overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Build the configuration for one app instance: defaults, environment, then overrides."""
    settings = {k: v for k, v in vars(Defaults).items() if k.isupper()}
    instance = Path(app_instance_path)
    env = os.environ
    settings["SQLALCHEMY_DATABASE_URI"] = env.get(
        "DATABASE_URL", f"sqlite:///{instance / 'feedback.sqlite3'}"
    )
    settings["RATELIMIT_STORAGE_URI"] = env.get("RATELIMIT_STORAGE_URI", "memory://")
    for key in (
        "SUBMIT_LIMITS",
        "LOGIN_LIMITS",
        "ACCOUNT_LOGIN_LIMITS",
        "TRACK_LIMITS",
        "TRACK_REFERENCE_LIMITS",
        "ANSWER_LIMITS",
    ):
        if key in env:
            settings[key] = env[key]
    settings["ATTACHMENT_DIR"] = env.get("ATTACHMENT_DIR") or str(instance / "attachments")
    settings["ATTACHMENT_STORE"] = env.get("ATTACHMENT_STORE", "")
    for key in ("TOTP_REQUIRED_ROLES", "ATTACHMENT_TYPES"):
        if key in env:
            settings[key] = tuple(v.strip() for v in env[key].split(",") if v.strip())
    for key in (
        "SESSION_IDLE_MINUTES",
        "ATTACHMENT_MAX_FILES",
        "ATTACHMENT_MAX_BYTES",
        "REQUEST_BODY_SECONDS",
        "ATTACHMENT_MAX_PIXELS",
        "NOTICE_UPLOAD_MAX",
    ):
        if key in env:
            settings[key] = int(env[key])
    for key in ("MAIL_URL", "MAIL_FROM", "BASE_URL"):
        if key in env:
            settings[key] = env[key]
    for key in ("MAIL_TIMEOUT", "MAIL_DAILY_HOUR", "ESCALATE_AFTER_DAYS"):
        if key in env:
            settings[key] = int(env[key])
    settings["SESSION_COOKIE_SECURE"] = env.get("SESSION_COOKIE_SECURE", "") in ("1", "true")
    settings["DEVELOPMENT"] = env.get("FEEDBACK_ENV", "production") == "development"
    settings["TRUSTED_PROXIES"] = int(env.get("TRUSTED_PROXIES", "0"))
    settings["WORKERS"] = int(env.get("WEB_CONCURRENCY", "1"))
    if env.get("SECRET_KEY"):
        settings["SECRET_KEY"] = env["SECRET_KEY"]
    if env.get("DATA_KEY"):
        settings["DATA_KEY"] = env["DATA_KEY"]
    settings["SECRET_KEY_FALLBACKS"] = [
        k.strip() for k in env.get("SECRET_KEY_FALLBACKS", "").split(",") if k.strip()
    ]
    settings.update(overrides or {})
    if not settings["ATTACHMENT_STORE"]:
        settings["ATTACHMENT_STORE"] = default_store(settings["SQLALCHEMY_DATABASE_URI"])
    check(settings)
    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = _development_secret(instance)
    # What is stored is keyed from DATA_KEY (feedback/storage/keys.py); until it is set, from SECRET_KEY.
    if not settings.get("DATA_KEY"):
        settings["DATA_KEY"] = settings["SECRET_KEY"]
    # Flask checks sessions against the fallbacks itself; Flask-WTF's CSRF tokens take a list of
    # keys, the one to sign with last, as Flask gives them to its own signer.
    settings["WTF_CSRF_SECRET_KEY"] = [*settings["SECRET_KEY_FALLBACKS"], settings["SECRET_KEY"]]
    return settings


def check(settings: dict[str, Any]) -> None:
    """Refuse settings that are wrong anywhere, or only safe on a developer's machine, and a
    rotation of SECRET_KEY that would take the stored keys along with it."""
    if settings["ATTACHMENT_STORE"] not in ("database", "disk"):
        raise ConfigurationError(
            f"ATTACHMENT_STORE={settings['ATTACHMENT_STORE']!r} is not a store: set it to "
            "`database` (attached files in the database, reached by every machine that shares "
            "it) or `disk` (in ATTACHMENT_DIR), or leave it unset."
        )
    if settings["SECRET_KEY_FALLBACKS"] and not settings.get("DATA_KEY"):
        raise ConfigurationError(
            "SECRET_KEY_FALLBACKS is set but DATA_KEY is not: tracking codes, recovery codes and "
            "two-factor secrets are keyed with the SECRET_KEY they were made under, and would "
            "no longer match. Set DATA_KEY to the SECRET_KEY the service ran with before this "
            "rotation, as DEPLOY.md says."
        )
    if settings["MAIL_URL"]:
        from feedback.notify import smtp  # the parser of MAIL_URL, which the sending uses

        try:
            smtp.server(settings["MAIL_URL"], settings["MAIL_FROM"], settings["MAIL_TIMEOUT"])
        except smtp.MailSettingError as error:
            raise ConfigurationError(str(error)) from None
    if settings["DEVELOPMENT"]:
        return
    if settings["MAIL_URL"] and settings["BASE_URL"] == Defaults.BASE_URL:
        raise ConfigurationError(
            "MAIL_URL is set but BASE_URL is not: the links in messages would point to "
            f"{Defaults.BASE_URL}. Set BASE_URL to the address citizens and staff use, such as "
            "https://feedback.example.gov.cn."
        )
    if not settings.get("SECRET_KEY"):
        raise ConfigurationError(
            "SECRET_KEY is not set. Outside development (FEEDBACK_ENV=development) the service "
            "needs a long random SECRET_KEY, the same for every worker: it signs sessions and "
            "CSRF tokens (and keys the tracking codes unless DATA_KEY is set). Generate one with "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`."
        )
    if settings["WORKERS"] > 1 and settings["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        raise ConfigurationError(
            f"{settings['WORKERS']} workers with RATELIMIT_STORAGE_URI=memory:// would let every "
            "client through that many times the limits: set RATELIMIT_STORAGE_URI to a shared "
            "store such as redis://127.0.0.1:6379/0, or run one worker."
        )


def default_store(database_url: str) -> str:
    """Where attached files go unless ATTACHMENT_STORE says: with the data on PostgreSQL, which
    several machines may share; beside the database file on SQLite, which one machine serves."""
    return "database" if database_url.startswith("postgresql") else "disk"


def _development_secret(instance: Path) -> str:
    """Keep a random key under instance/ so that sessions and tracking codes survive a restart."""
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
