"""`flask --app wsgi feedback …`: set up, accounts and the monthly export, for operators and cron."""

import secrets
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy import select

from feedback import accounts
from feedback.extensions import db
from feedback.models import Body, Role
from feedback.notices.loader import load_seed

group = AppGroup("feedback", help="Set up and run the feedback service.")


@group.command("init")
def init_command() -> None:
    """Apply the migrations and load the notice and its receiving bodies (safe to repeat)."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    notice = load_seed(db.session)
    db.session.commit()
    bodies = db.session.execute(select(Body).order_by(Body.id)).scalars().all()
    click.echo(f"Notice loaded: {notice.title} ({len(notice.aspects)} aspects)")
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
    click.echo(f"Created {user.role.value} {user.username}" + (f" of {body_slug}" if body_slug else ""))


@group.command("demo-accounts")
def demo_accounts_command() -> None:
    """Create one demo manager per body and an admin, printing their passwords once (development)."""
    if not current_app.config["DEVELOPMENT"]:
        raise click.ClickException("Demo accounts are for development only.")
    bodies = db.session.execute(select(Body).order_by(Body.id)).scalars().all()
    wanted = [(f"{b.slug}-demo", Role.MANAGER, b.slug) for b in bodies]
    wanted.append(("admin-demo", Role.ADMIN, None))
    for username, role, body_slug in wanted:
        if accounts.exists(db.session, username):
            click.echo(f"  {username:<18} exists already (its password was printed when made)")
            continue
        password = secrets.token_urlsafe(12)
        accounts.create(db.session, username, password, role, body_slug)
        click.echo(f"  {username:<18} {password}   ({role.value}{', ' + body_slug if body_slug else ''})")
    db.session.commit()


def init_app(app: Flask) -> None:
    app.cli.add_command(group)
