"""`flask --app wsgi feedback import-notice PATH --unit 单位`: a notice file becomes a published catalog."""

from datetime import date, datetime
from pathlib import Path

import click
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from feedback.extensions import db
from feedback.models import AuditAction, Body, BodyRole, ItemStatus
from feedback.notices import documents, editing, window
from feedback.notices.errors import NoticeError
from feedback.notices.loader import (
    PHONES_SEPARATOR,
    BodyPlan,
    check_slug,
    import_notice,
    plan_bodies,
    read,
)
from feedback.notices.parser import ParsedNotice
from feedback.staff import audit
from feedback.web.labels import ITEM_STATUS, finding_text

OPTION_OF_FIELD = {"slug": "--slug", "closes_on": "--closes", "unit": "--unit"}


@click.command("import-notice")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--unit", required=True, help="The inspected unit, as the notice names it.")
@click.option("--slug", help="The notice's address name, /n/SLUG/ (default notice-YEAR-N).")
@click.option("--title", help="The notice's title (default: its first line, if a title).")
@click.option("--opens", help="First day it takes comments, YYYY-MM-DD (default: at once).")
@click.option("--closes", help="Last day it takes comments, YYYY-MM-DD (default: no end).")
@click.option("--court", "court", help="Slug of an existing body to receive as the unit.")
@click.option("--discipline", help="Slug of an existing body to act as the discipline group.")
@click.option("--inspection", help="Slug of an existing body to act as the inspection office.")
@click.option("--dry-run", is_flag=True, help="Print the tree, counts and warnings; store nothing.")
def import_notice_command(
    path: Path,
    unit: str,
    slug: str | None,
    title: str | None,
    opens: str | None,
    closes: str | None,
    court: str | None,
    discipline: str | None,
    inspection: str | None,
    dry_run: bool,
) -> None:
    """Read a rectification notice (.txt, .docx, .pdf, .xlsx or .csv) and publish it for comment.

    The text is read into aspects, categories and items with their rectification text and
    status; the receiving bodies come from its closing paragraph (a body of the same name is
    used again, otherwise a new one is made) unless --court/--discipline/--inspection name one.
    """
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        opens_on = _date(opens, "--opens")
        closes_on = _date(closes, "--closes")
        chosen = _chosen_bodies(
            {
                BodyRole.COURT: court,
                BodyRole.DISCIPLINE: discipline,
                BodyRole.INSPECTION: inspection,
            }
        )
        text = _read_file(path)
        try:
            if dry_run:
                window.check(opens_on, closes_on)
                if slug:
                    check_slug(db.session, slug)
                parsed = read(text)
                _report(parsed, plan_bodies(db.session, parsed, unit, chosen))
                click.echo("Dry run: nothing was stored.")
                return
            imported = import_notice(
                db.session,
                text,
                unit,
                slug=slug,
                title=title,
                opens_on=opens_on,
                closes_on=closes_on,
                bodies=chosen,
            )
        except NoticeError as error:
            db.session.rollback()
            option = OPTION_OF_FIELD.get(error.field)
            if option:
                raise click.BadParameter(str(error.message), param_hint=option) from None
            raise click.ClickException(f"{path}: {error.message}") from None
        notice = imported.notice
        for action in (AuditAction.NOTICE_IMPORTED, AuditAction.NOTICE_PUBLISHED):
            audit.record(db.session, None, action, detail=editing.summary(notice))
        db.session.commit()
        _report(imported.parsed, imported.plans)
        click.echo(f"Published {notice.slug}: {notice.title}")
        click.echo(
            f"Citizens comment at /n/{notice.slug}/ ; check and edit at /admin/notices/{notice.id}"
        )


def _read_file(path: Path) -> str:
    """The notice's text, read from a file in any of the import's formats."""
    if not path.is_file():
        raise click.BadParameter(f"no file {str(path)!r}.", param_hint="PATH")
    try:
        documents.check_size(path.stat().st_size)
        return documents.notice_text(path.name, path.read_bytes())
    except NoticeError as error:
        raise click.ClickException(f"{path}: {error.message}") from None


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-12-31.", param_hint=option
        ) from None


def _chosen_bodies(slugs: dict[BodyRole, str | None]) -> dict[BodyRole, Body]:
    chosen = {}
    for role, slug in slugs.items():
        if slug is None:
            continue
        body = db.session.scalars(select(Body).where(Body.slug == slug)).first()
        if body is None:
            known = ", ".join(db.session.scalars(select(Body.slug).order_by(Body.id)))
            raise click.BadParameter(
                f"no body {slug!r}; the bodies are: {known}.", param_hint=f"--{role.value}"
            )
        chosen[role] = body
    return chosen


def _report(parsed: ParsedNotice, plans: list[BodyPlan]) -> None:
    """Print the tree as read, the counts, the receiving bodies and the warnings."""
    for aspect in parsed.aspects:
        click.echo(f"{aspect.number} {aspect.title}")
        for category in aspect.categories:
            click.echo(f"  {aspect.number}.{category.number} {category.title}")
            for item in category.items:
                status = str(ITEM_STATUS[item.status])
                if item.status is ItemStatus.ONGOING:
                    status += f" · {item.status_cue}"
                click.echo(f"    {item.code} {item.title}  [{status}]")
    found = parsed.found
    click.echo(
        f"{found.aspects} aspects, {found.categories} categories, {found.items} items "
        f"({found.done} completed, {found.ongoing} ongoing)"
    )
    click.echo("Receiving bodies:")
    for plan in plans:
        contact = (
            f"{plan.contact.name} {PHONES_SEPARATOR.join(plan.contact.phones)}"
            if plan.contact
            else "—"
        )
        if plan.how == "new":
            what = "a new body"
        elif plan.body is not None:
            what = f"existing body {plan.body.slug!r} ({plan.how})"
        else:
            what = "none found: name one with --" + plan.role.value
        click.echo(f"  {plan.role.value:<11} {contact}  → {what}")
    if parsed.information:
        click.echo(f"Other channels (never a body): {'、'.join(parsed.information)}")
    if parsed.findings:
        click.echo("Warnings:")
        for finding in parsed.findings:
            click.echo(f"  - {finding_text(finding)}")
    else:
        click.echo("Warnings: none")
