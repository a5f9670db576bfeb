"""What a staff account is told by mail about its body's cases (feedback/cases/notifications.py)."""

from feedback.extensions import DbSession
from feedback.models import AuditAction, MailSetting, NewCaseMail, User
from feedback.staff import audit


def of(session: DbSession, account: User) -> MailSetting:
    """The account's choices; nothing is sent until it gives an address and chooses."""
    return session.get(MailSetting, account.id) or MailSetting(
        account_id=account.id, email="", new_cases=NewCaseMail.NONE, due_list=False
    )


def save(
    session: DbSession,
    account: User,
    email: str,
    new_cases: NewCaseMail,
    due_list: bool,
    locale: str,
) -> MailSetting:
    """Record the account's choices, and in its body's audit log what they are (no address)."""
    setting = of(session, account)
    setting.email, setting.new_cases, setting.due_list = email, new_cases, due_list
    setting.locale = locale
    session.add(setting)
    told = f"new cases: {new_cases.value}; due list: {'yes' if due_list else 'no'}; {locale}"
    audit.record(session, account, AuditAction.MAIL_SETTINGS, detail=told if email else "no mail")
    return setting
