"""`flask --app wsgi feedback …`: set up, accounts and the monthly export, for operators and cron."""

import importlib.util
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_migrate import upgrade
from sqlalchemy import select

from feedback.cases import escalation, exports, months, notifications, resubmission, retention
from feedback.extensions import db
from feedback.models import AuditAction, Body, Role, utcnow
from feedback.notices.commands import import_notice_command
from feedback.notices.loader import load_seed
from feedback.notify import outbox, smtp
from feedback.staff import accounts, audit, two_factor
from feedback.storage import attachment_store
from feedback.storage.backup import backup

group = AppGroup("feedback", help="Set up and run the feedback service.")
group.add_command(import_notice_command)
if importlib.util.find_spec("demo") is not None:  # a checkout: the demo data is not in the wheel
    from demo.data import demo_data_command

    group.add_command(demo_data_command)


@group.command("init")
def init_command() -> None:
    """Apply the migrations and load the notice and its receiving bodies (safe to repeat)."""
    upgrade(directory=current_app.extensions["migrate"].directory, revision="heads")
    notice = load_seed(db.session)
    db.session.commit()
    bodies = db.session.execute(select(Body).order_by(Body.id)).scalars().all()
    categories = [c for aspect in notice.aspects for c in aspect.categories]
    items = sum(len(c.items) for c in categories)
    click.echo(
        f"Notice: {notice.title} — {len(notice.aspects)} aspects, {len(categories)} categories, "
        f"{items} items"
    )
    click.echo("Receiving bodies:")
    for body in bodies:
        click.echo(f"  {body.slug:<11} {body.name}  {body.phone}")
    if waiting := _files_left_on_disk():
        click.echo(
            f"Warning: {waiting} files are still in {current_app.config['ATTACHMENT_DIR']}, but "
            "attached files are kept in the database: run "
            "`flask --app wsgi feedback move-attachments` (DEPLOY.md).",
            err=True,
        )


def _files_left_on_disk() -> int:
    """Files in ATTACHMENT_DIR while the database keeps them: left by an earlier release."""
    folder = Path(current_app.config["ATTACHMENT_DIR"])
    if current_app.config["ATTACHMENT_STORE"] != "database" or not folder.is_dir():
        return 0
    return sum(1 for path in folder.iterdir() if path.is_file())


@group.command("move-attachments")
def move_attachments_command() -> None:
    """Move attached files an earlier release kept in ATTACHMENT_DIR into the database.

    For a PostgreSQL deployment upgraded from a release that kept them on disk. Each file is
    deleted from the folder once the database has it; safe to repeat, and to run while serving.
    """
    if current_app.config["ATTACHMENT_STORE"] != "database":
        raise click.ClickException(
            "ATTACHMENT_STORE is disk: attached files stay in ATTACHMENT_DIR, nothing to move."
        )
    disk = attachment_store.DiskStore(Path(current_app.config["ATTACHMENT_DIR"]))
    database = attachment_store.DatabaseStore()
    moved = 0
    missing: list[str] = []
    for attachment in attachment_store.not_in_database(db.session):
        try:
            with disk.open(db.session, attachment) as file:
                data = file.read()
        except FileNotFoundError:
            missing.append(f"{attachment.case.reference}-{attachment.number}")
            continue
        database.put(db.session, attachment, data)
        disk.delete(db.session, [attachment])
        db.session.commit()
        moved += 1
    click.echo(f"{moved} files moved into the database.")
    if missing:
        raise click.ClickException(
            f"{len(missing)} files are in neither the database nor {disk.folder}: "
            + ", ".join(missing)
        )


@group.command("create-user")
@click.option("--body", "body_slug", help="The body the account belongs to (not for admin).")
@click.option("--username", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.STAFF.value)
def create_user_command(body_slug: str | None, username: str, role: str) -> None:
    """Create a staff account; the password comes from a prompt or standard input."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        change = accounts.create(db.session, None, username, password, Role(role), body_slug)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    user = change.account
    assert user is not None
    if change.waiting:
        assert change.request is not None
        click.echo(
            f"Created {user.role.value} {username} of {body_slug}, inactive: it can log in once a "
            f"manager of {body_slug} approves request #{change.request.id} (their next page shows it)."
        )
        return
    click.echo(f"Created {user.role.value} {username}" + (f" of {body_slug}" if body_slug else ""))
    _say_if_unapproved(change, body_slug)
    if two_factor.required(user):
        click.echo("It sets up two-factor login (an authenticator app) at its first login.")


def _say_if_unapproved(change: accounts.Change, body_slug: str | None) -> None:
    if change.unapproved:
        click.echo(
            f"{body_slug} has no active manager to approve this: it was done without approval, "
            "is in the body's audit log and will be shown to its managers."
        )


@group.command("demo-accounts")
def demo_accounts_command() -> None:
    """Create one demo manager per body and an admin, printing their passwords once (development)."""
    if not current_app.config["DEVELOPMENT"]:
        raise click.ClickException("Demo accounts are for development only.")
    bodies = db.session.execute(select(Body).order_by(Body.id)).scalars().all()
    wanted: list[tuple[str, Role, str | None]] = [
        (f"{b.slug}-demo", Role.MANAGER, b.slug) for b in bodies
    ]
    wanted.append(("admin-demo", Role.ADMIN, None))
    click.echo("Demo accounts (development only; a password is shown once, when it is made):")
    for username, role, body_slug in wanted:
        if accounts.exists(db.session, username):
            click.echo(f"  {username:<18} exists already (its password was printed when made)")
            continue
        password = secrets.token_urlsafe(12)
        change = accounts.create(db.session, None, username, password, role, body_slug)
        user = change.account
        assert user is not None
        click.echo(
            f"  {username:<18} {password}   ({role.value}{', ' + body_slug if body_slug else ''})"
            + (" — waits for the approval of a manager of the body" if change.waiting else "")
        )
        if two_factor.required(user):
            secret, _codes = two_factor.enrol_now(db.session, user)
            click.echo(f"  {'':<18} two-factor key {secret}")
    db.session.commit()
    click.echo("Staff sign in at /staff/login.")
    click.echo(
        "Managers and the administrator also give a two-factor code: add the key to an "
        "authenticator app, or print the current code with "
        "`FEEDBACK_ENV=development .venv/bin/flask --app wsgi feedback demo-code USERNAME`."
    )


@group.command("demo-code")
@click.argument("username")
def demo_code_command(username: str) -> None:
    """Print the two-factor code a demo account's app would show now (development)."""
    if not current_app.config["DEVELOPMENT"]:
        raise click.ClickException("Demo codes are for development only.")
    user = accounts.find(db.session, username)
    if user is None or not username.endswith("-demo") or not user.has_two_factor:
        raise click.ClickException(f"{username} is not a demo account with two-factor login.")
    click.echo(two_factor.current_code(user))


@group.command("reset-two-factor")
@click.option("--username", required=True)
def reset_two_factor_command(username: str) -> None:
    """Forget an account's second factor (a lost phone); it sets one up at its next login."""
    user = accounts.find(db.session, username)
    if user is None:
        raise click.ClickException(f"There is no account {username}.")
    body_slug = user.body.slug if user.body else None
    try:
        change = accounts.reset_two_factor(db.session, None, user)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    if change.waiting:
        assert change.request is not None
        click.echo(
            f"Asked the managers of {body_slug} to approve request #{change.request.id}: the "
            f"second factor of {username} is reset once one of them approves (their next page "
            "shows it)."
        )
        return
    click.echo(f"Two-factor login of {username} is reset; it sets it up again at its next login.")
    _say_if_unapproved(change, body_slug)


@group.command("purge")
@click.option(
    "--closed-before",
    "closed_before",
    required=True,
    help="A local date, YYYY-MM-DD: cases closed or declined before it are deleted.",
)
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
def purge_command(closed_before: str, dry_run: bool) -> None:
    """Delete closed and declined cases with their contacts and files; keep anonymous counts.

    Each deletion is written to the audit log of the body that held the cases. Receipts kept for
    a citizen to see again (feedback/cases/resubmission.py) whose time is up go too. The database is
    then scrubbed so that its files no longer hold the deleted text (DEPLOY.md, "Retention").
    """
    try:
        day = datetime.strptime(closed_before.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(
            f"{closed_before!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-01-01.",
            param_hint="--closed-before",
        ) from None
    report = retention.purge(db.session, day, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
        expired = 0
    else:
        expired = resubmission.forget_expired(db.session, utcnow())
        db.session.commit()
    verb = "would be deleted" if dry_run else "deleted"
    bodies = ", ".join(f"{slug} {n}" for slug, n in sorted(report.by_body.items())) or "none"
    click.echo(
        f"{report.cases} closed cases {verb} (closed before {day.isoformat()}), "
        f"with {report.files} files; by body: {bodies}."
    )
    if expired:
        click.echo(f"{expired} expired kept receipts deleted.")
    if not dry_run and not retention.scrub(db.engine):
        raise click.ClickException(
            "The cases are deleted, but the database is busy and may still hold their text in "
            "its files: run the same command again when the service is quieter."
        )


@group.command("export")
@click.option("--month", required=True, help="The local month to export, as 2026-11.")
@click.option(
    "--body",
    "body_slug",
    help="The body whose cases to export (those it holds now). Without it: every body, "
    "with a body column.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(exports.FORMATS),
    default="csv",
    show_default=True,
    help="csv (UTF-8 with a BOM, for Excel) or xlsx.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The file to write; it appears only once complete. Without it, the export goes to "
    "standard output, which for xlsx must be redirected (not a terminal).",
)
def export_command(month: str, body_slug: str | None, fmt: str, output: Path | None) -> None:
    """Export the cases received in a month, one row per case, for a scheduled job.

    Headers and words are in the default language (Chinese). A summary goes to standard error.
    """
    try:
        start, end = months.parse_month(month)
    except ValueError:
        raise click.BadParameter(
            f"{month!r} is not a month; write it as YYYY-MM, e.g. 2026-11.", param_hint="--month"
        ) from None
    month = month.strip()
    body = None
    if body_slug is not None:
        body = db.session.execute(select(Body).where(Body.slug == body_slug)).scalar_one_or_none()
        if body is None:
            known = ", ".join(db.session.execute(select(Body.slug).order_by(Body.id)).scalars())
            raise click.BadParameter(
                f"no body {body_slug!r}; the bodies are: {known}.", param_hint="--body"
            )
    if output is not None and not output.parent.is_dir():
        raise click.BadParameter(f"no folder {str(output.parent)!r}.", param_hint="--output")
    stdout = click.open_file("-", "wb")
    if output is None and fmt == "xlsx" and stdout.isatty():
        raise click.UsageError("An xlsx file is binary: give --output PATH or redirect stdout.")
    count = 0

    def counted(rows: Iterator[exports.ExportRow]) -> Iterator[exports.ExportRow]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    for held_by in [body] if body else db.session.execute(select(Body)).scalars().all():
        audit.record(db.session, None, AuditAction.EXPORTED, body=held_by, detail=f"{month} {fmt}")
    db.session.commit()
    rows = counted(exports.export_rows(body.id if body else None, start, end))
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        data = exports.chunks(fmt, rows, with_body=body is None, month=month)
        if output is None:
            for chunk in data:
                stdout.write(chunk)
            stdout.flush()
        else:
            _write_atomically(output, data)
    cases = "case" if count == 1 else "cases"
    click.echo(f"{count} {cases} exported to {output or 'standard output'}", err=True)


def _write_atomically(path: Path, data: Iterable[bytes]) -> None:
    """Write beside the target and rename, so that a reader never finds half a file."""
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            for chunk in data:
                file.write(chunk)
        os.replace(partial, path)
    except BaseException:
        os.unlink(partial)
        raise


@group.command("send-notifications")
def send_notifications_command() -> None:
    """Escalate overdue cases, queue the daily messages, send what the outbox holds, and
    delete the messages sent or given up more than 30 days ago.

    For cron or a systemd timer, every few minutes (DEPLOY.md); safe to run twice at once.
    Without MAIL_URL the messages stay in the outbox. Exits 1 when an attempt failed.
    """
    _escalate()
    queued = notifications.queue_daily(db.session)
    db.session.commit()
    if queued:
        click.echo(f"{queued} daily messages queued.")
    # The settings were checked when the app was made (feedback/config.py).
    server = smtp.server(
        current_app.config["MAIL_URL"],
        current_app.config["MAIL_FROM"],
        current_app.config["MAIL_TIMEOUT"],
    )
    if server is None:
        waiting = outbox.status(db.session, configured=False).waiting
        click.echo(f"Mail is off (MAIL_URL is not set): {waiting} messages wait in the outbox.")
        return
    run = outbox.send_due(db.session, server)
    outbox.forget_old(db.session, utcnow())
    db.session.commit()
    click.echo(f"{run.sent} sent, {run.failed} to be tried again, {run.given_up} given up.")
    if run.failed or run.given_up:
        last = outbox.status(db.session, configured=True).last_error
        raise click.ClickException(f"Some messages were not sent: {last}.")


@group.command("escalate")
def escalate_command() -> None:
    """督办: escalate the open cases ESCALATE_AFTER_DAYS past their time limit (send-notifications
    does it too)."""
    _escalate()


def _escalate() -> None:
    days = current_app.config["ESCALATE_AFTER_DAYS"]
    done = escalation.escalate_overdue(db.session, utcnow(), days)
    db.session.commit()
    if done:
        click.echo(f"{len(done)} cases escalated ({days} days or more past their time limit).")


@group.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Back up the database to PATH while the service runs (SQLite copy, or pg_dump)."""
    if not path.parent.is_dir():
        raise click.BadParameter(f"no folder {str(path.parent)!r}.", param_hint="PATH")
    try:
        backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except subprocess.CalledProcessError as error:
        raise click.ClickException(f"pg_dump failed: {error.stderr.strip()}") from None
    except (OSError, ValueError, sqlite3.Error) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up to {path}")


def init_app(app: Flask) -> None:
    app.cli.add_command(group)
