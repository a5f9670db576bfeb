"""`flask --app wsgi feedback …`: set up, accounts and the monthly export, for operators and cron."""

import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_migrate import upgrade
from sqlalchemy import select

from feedback import accounts, exports, months
from feedback.backup import backup
from feedback.extensions import db
from feedback.models import Body, Role
from feedback.notices.loader import load_seed

group = AppGroup("feedback", help="Set up and run the feedback service.")


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
        user = accounts.create(db.session, username, password, Role(role), body_slug)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(
        f"Created {user.role.value} {user.username}" + (f" of {body_slug}" if body_slug else "")
    )


@group.command("demo-accounts")
def demo_accounts_command() -> None:
    """Create one demo manager per body and an admin, printing their passwords once (development)."""
    if not current_app.config["DEVELOPMENT"]:
        raise click.ClickException("Demo accounts are for development only.")
    bodies = db.session.execute(select(Body).order_by(Body.id)).scalars().all()
    wanted = [(f"{b.slug}-demo", Role.MANAGER, b.slug) for b in bodies]
    wanted.append(("admin-demo", Role.ADMIN, None))
    click.echo("Demo accounts (development only; a password is shown once, when it is made):")
    for username, role, body_slug in wanted:
        if accounts.exists(db.session, username):
            click.echo(f"  {username:<18} exists already (its password was printed when made)")
            continue
        password = secrets.token_urlsafe(12)
        accounts.create(db.session, username, password, role, body_slug)
        click.echo(
            f"  {username:<18} {password}   ({role.value}{', ' + body_slug if body_slug else ''})"
        )
    db.session.commit()
    click.echo("Staff sign in at /staff/login.")


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

    rows = counted(exports.export_rows(db.session, body, start, end))
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
