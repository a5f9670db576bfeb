"""Who is told what by mail when a case changes, queued in the outbox with the change itself.

A message carries counts, reference numbers and a link, never a subject, text, name, contact or
the kind of a case. Bodies are told of every new case alike, in the same words for every kind:
a report of misconduct (检举控告) cannot be told from a mail, nor from whether one was sent. A
citizen is told only that the case with a reference has news and where to look; the tracking
code is never in a message. Messages are written in the language the reader chose.
"""

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from feedback.extensions import DbSession
from feedback.models import (
    Audience,
    Case,
    CaseNews,
    Event,
    EventKind,
    MailSetting,
    NewCaseMail,
    OutboxMessage,
    Status,
    User,
    utcnow,
)

# The events a citizen who asked for news hears of (受理, 不予受理, 转办, 答复, 办结).
CITIZEN_NEWS = frozenset(
    {
        EventKind.ACCEPTED,
        EventKind.DECLINED,
        EventKind.TRANSFERRED,
        EventKind.CLOSED,
        EventKind.ANSWERED,
    }
)
# The events that bring a case into a body's inbox.
NEW_IN_INBOX = frozenset({EventKind.SUBMITTED, EventKind.TRANSFERRED})
DUE_SOON = timedelta(days=3)
LISTED = 50  # references named in one daily message; the rest are counted


def link(path: str) -> str:
    """An address on the service, from BASE_URL: messages are written with no request to ask."""
    return current_app.config["BASE_URL"].rstrip("/") + path


def subscribe(session: DbSession, case: Case, email: str, locale: str) -> None:
    """Record that the citizen wants news of the case by mail, in the page's language."""
    session.add(
        CaseNews(case_id=case.id, email=email, locale=locale, token=secrets.token_urlsafe(32))
    )


def news_of(session: DbSession, token: str) -> CaseNews | None:
    """The citizen's request for news that an unsubscribe link names, if it still stands."""
    if not token or len(token) > 64:
        return None
    return session.execute(select(CaseNews).where(CaseNews.token == token)).scalar_one_or_none()


def follow_review(session: DbSession, case: Case, review: Case) -> None:
    """A review (复查) is followed with the original's code: its news goes where the original's did."""
    news = session.get(CaseNews, case.id)
    if news is not None:
        subscribe(session, review, news.email, news.locale)


def on_event(session: DbSession, case: Case, event: Event) -> None:
    """Queue what an event on the case makes known: news to the citizen, a new case to a body,
    an escalated case to the supervising body."""
    if event.kind in CITIZEN_NEWS:
        _citizen_news(session, case, event)
    if event.kind in NEW_IN_INBOX:
        holder = event.to_body_id if event.kind is EventKind.TRANSFERRED else case.body_id
        assert holder is not None
        _new_case(session, case, event, holder)
    if event.kind is EventKind.ESCALATED:
        assert event.to_body_id is not None
        _escalated(session, case, event, event.to_body_id)


def _citizen_news(session: DbSession, case: Case, event: Event) -> None:
    news = session.get(CaseNews, case.id)
    if news is None:
        return
    unsubscribe = link(f"/news/stop/{news.token}")
    with force_locale(news.locale):
        subject = _("News of your message %(reference)s", reference=case.reference)
        text = _(
            "There is news of the message you sent with the reference number %(reference)s.\n\n"
            "To read it, open %(track)s and enter the reference number with the tracking code "
            "you were given. This mail does not contain the tracking code, and nobody will ask "
            "you for it by mail.\n\n"
            "To receive no more mail about this message: %(unsubscribe)s",
            reference=case.reference,
            track=link("/track"),
            unsubscribe=unsubscribe,
        )
    _queue(
        session,
        key=f"news:{event.id}",
        audience=Audience.CITIZEN,
        what=event.kind.value,
        case=case,
        body_id=case.body_id,
        recipient=news.email,
        subject=subject,
        text=text,
        unsubscribe_url=unsubscribe,
    )


def _new_case(session: DbSession, case: Case, event: Event, holder: int) -> None:
    for setting in _settings(session, holder, NewCaseMail.EACH):
        with force_locale(setting.locale):
            subject = _("New case %(reference)s in your inbox", reference=case.reference)
            text = _(
                "A new case has arrived in your body's inbox: %(reference)s.\n\n"
                "Open the inbox to read it: %(inbox)s",
                reference=case.reference,
                inbox=link("/inbox/"),
            )
        _queue(
            session,
            key=f"case:{event.id}:{setting.account_id}",
            audience=Audience.ACCOUNT,
            what="new_case",
            case=case,
            body_id=holder,
            account_id=setting.account_id,
            recipient=setting.email,
            subject=subject,
            text=text,
        )


def _escalated(session: DbSession, case: Case, event: Event, supervisor: int) -> None:
    for setting in _settings(session, supervisor, NewCaseMail.EACH):
        with force_locale(setting.locale):
            subject = _("Case %(reference)s escalated to your body", reference=case.reference)
            text = _(
                "A case of a body you supervise is %(days)s days past its time limit and has "
                "been escalated (督办) to your body: %(reference)s.\n\n"
                "The cases escalated to your body: %(link)s",
                days=event.text,
                reference=case.reference,
                link=link("/inbox/escalated"),
            )
        _queue(
            session,
            key=f"escalated:{event.id}:{setting.account_id}",
            audience=Audience.ACCOUNT,
            what="escalated",
            case=case,
            body_id=supervisor,
            account_id=setting.account_id,
            recipient=setting.email,
            subject=subject,
            text=text,
        )


def _settings(session: DbSession, body_id: int, new_cases: NewCaseMail) -> Sequence[MailSetting]:
    query = (
        select(MailSetting)
        .join(User, User.id == MailSetting.account_id)
        .where(
            User.body_id == body_id,
            User.active.is_(True),
            MailSetting.email != "",
            MailSetting.new_cases == new_cases,
        )
        .order_by(MailSetting.account_id)
    )
    return session.execute(query).scalars().all()


def queue_daily(session: DbSession, now: datetime | None = None) -> int:
    """Queue each account's daily message, once a local day from MAIL_DAILY_HOUR: the cases new
    to its body since the last one (for a digest), and the open cases due within 3 days or
    overdue. Return how many were queued; the caller commits.

    The settings are locked (SKIP LOCKED on PostgreSQL; SQLite's commands take the write lock
    up front): two runners at once queue each message once, and the outbox key refuses a second.
    """
    now = now or utcnow()
    local = now.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    if local.hour < current_app.config["MAIL_DAILY_HOUR"]:
        return 0
    today = local.date().isoformat()
    query = (
        select(MailSetting)
        .join(User, User.id == MailSetting.account_id)
        .where(
            MailSetting.daily_on != today,
            MailSetting.email != "",
            (MailSetting.new_cases == NewCaseMail.DAILY) | MailSetting.due_list.is_(True),
            User.active.is_(True),
            User.body_id.is_not(None),
        )
        .order_by(MailSetting.account_id)
        .with_for_update(of=MailSetting, skip_locked=True)
        .execution_options(populate_existing=True)
    )
    queued = 0
    for setting in session.execute(query).scalars().all():
        since = setting.daily_since or now - timedelta(days=1)
        body_id = setting.account.body_id
        assert body_id is not None
        new = _new_since(session, body_id, since) if setting.new_cases is NewCaseMail.DAILY else []
        due, overdue = _due(session, body_id, now) if setting.due_list else ([], [])
        setting.daily_on, setting.daily_since = today, now
        if not (new or due or overdue):
            continue
        with force_locale(setting.locale):
            subject = _(
                "Your inbox today: %(new)d new, %(due)d due soon, %(overdue)d overdue",
                new=len(new),
                due=len(due),
                overdue=len(overdue),
            )
            parts = []
            if setting.new_cases is NewCaseMail.DAILY:
                parts.append(
                    _("New cases since the last message: %(n)d", n=len(new)) + _listed(new)
                )
            if setting.due_list:
                parts.append(_("Due within 3 days: %(n)d", n=len(due)) + _listed(due))
                parts.append(_("Overdue: %(n)d", n=len(overdue)) + _listed(overdue))
            parts.append(_("Open the inbox to read them: %(inbox)s", inbox=link("/inbox/")))
            text = "\n\n".join(parts)
        _queue(
            session,
            key=f"daily:{today}:{setting.account_id}",
            audience=Audience.ACCOUNT,
            what="daily",
            body_id=body_id,
            account_id=setting.account_id,
            recipient=setting.email,
            subject=subject,
            text=text,
        )
        queued += 1
    session.flush()
    return queued


def _listed(references: Sequence[str]) -> str:
    if not references:
        return ""
    shown = "\n".join(f"  {r}" for r in references[:LISTED])
    more = len(references) - LISTED
    return "\n" + shown + ("\n  " + _("and %(n)d more", n=more) if more > 0 else "")


def _new_since(session: DbSession, body_id: int, since: datetime) -> list[str]:
    """The cases that came into the body's inbox since then: received, or transferred to it."""
    arrived = Case.transferred_at.is_not(None) & (Case.transferred_at >= since)
    query = (
        select(Case.reference)
        .where(Case.body_id == body_id, (Case.received_at >= since) | arrived)
        .order_by(Case.received_at)
    )
    return list(session.execute(query).scalars())


def _due(session: DbSession, body_id: int, now: datetime) -> tuple[list[str], list[str]]:
    query = (
        select(Case.reference, Case.due_at)
        .where(
            Case.body_id == body_id,
            Case.status.in_([Status.RECEIVED, Status.ACCEPTED]),
            Case.due_at.is_not(None),
            Case.due_at <= now + DUE_SOON,
        )
        .order_by(Case.due_at)
    )
    due: list[str] = []
    overdue: list[str] = []
    for reference, due_at in session.execute(query):
        assert due_at is not None
        (overdue if due_at < now else due).append(reference)
    return due, overdue


def _queue(
    session: DbSession,
    *,
    key: str,
    audience: Audience,
    what: str,
    body_id: int | None,
    recipient: str,
    subject: str,
    text: str,
    case: Case | None = None,
    account_id: int | None = None,
    unsubscribe_url: str = "",
) -> None:
    now = utcnow()
    session.add(
        OutboxMessage(
            key=key,
            audience=audience,
            what=what,
            case_id=case.id if case is not None else None,
            reference=case.reference if case is not None else "",
            account_id=account_id,
            body_id=body_id,
            recipient=recipient,
            subject=subject,
            text=text,
            unsubscribe_url=unsubscribe_url,
            created_at=now,
            due_at=now,
        )
    )
