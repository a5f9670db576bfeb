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
    LOGIN_LIMITS = "10 per 15 minutes"
    TRACK_LIMITS = "30 per hour"
    WTF_CSRF_TIME_LIMIT = 3600 * 4
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_Hans_CN", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    INBOX_PAGE_SIZE = 50
    MAX_CONTENT_LENGTH = 1024 * 1024
    DEVELOPMENT = True


def load(app_instance_path: str, overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Build the configuration mapping for one app instance."""
    settings = {k: v for k, v in vars(Defaults).items() if k.isupper()}
    instance = Path(app_instance_path)
    env = os.environ
    settings["SQLALCHEMY_DATABASE_URI"] = env.get(
        "DATABASE_URL", f"sqlite:///{instance / 'feedback.sqlite3'}"
    )
    settings["RATELIMIT_STORAGE_URI"] = env.get("RATELIMIT_STORAGE_URI", "memory://")
    for key in ("SUBMIT_LIMITS", "LOGIN_LIMITS", "TRACK_LIMITS"):
        if key in env:
            settings[key] = env[key]
    settings["DEVELOPMENT"] = env.get("FEEDBACK_ENV", "development") == "development"
    settings["SECRET_KEY"] = env.get("SECRET_KEY") or _development_secret(instance)
    settings.update(overrides or {})
    return settings


def _development_secret(instance: Path) -> str:
    """Keep a random key under instance/ so that sessions and tracking codes survive a restart."""
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
