"""Who sees which case, checked on every route the application has, found in its URL map.

Every rule under /inbox, /admin and /staff (but logout) and any rule anywhere with a <case_id>,
GET and POST, is asked for by every identity
(anonymous, the staff and the manager of each body, the admin) about a case of each body: its
pages, its attached files, the audit log. Status codes are checked under /inbox and /admin; no
page anywhere may show another body's case. A route added later is covered without touching
this file.
"""

import uuid

import pytest
from conftest import BODIES, login, new_case

from feedback.cases import attachments
from feedback.cases.operations import ContactDetails
from feedback.extensions import db
from feedback.models import AuditAction, Kind
from feedback.staff import audit

NO_SUCH_ID = 999_999  # for <int:...> arguments other than a case id (accounts, bodies)
KIND_FOR = {"court": Kind.OPINION, "discipline": Kind.REPORT, "inspection": Kind.COMPLAINT}


@pytest.fixture
def secret_cases(app, staff, tmp_path):
    """One real-name case per body, with a file and an audit entry, all unmistakable in a page."""
    app.config["ATTACHMENT_DIR"] = str(tmp_path / "attachments")
    made = {}
    for slug in BODIES:
        tag = uuid.uuid4().hex[:12]
        case, _ = new_case(
            kind=KIND_FOR[slug],
            chosen=slug,
            subject=f"SECRET-{slug}-{tag}",
            content=f"CONTENT-{slug}-{tag}",
            contact=ContactDetails(f"NAME-{slug}-{tag}", "13900000000", f"{tag}@example.com"),
        )
        assert case.body.slug == slug
        pdf = f"%PDF-1.4 FILE-{slug}-{tag}".encode()
        attachments.store(db.session, case, [attachments.CleanFile("pdf", pdf)])
        audit.record(db.session, staff[slug], AuditAction.CASE_VIEWED, case)
        db.session.commit()
        made[slug] = (case, f"FILE-{slug}-{tag}")
    return {
        slug: {
            "id": case.id,
            "secrets": (case.subject, case.content, case.reference, case.contact.name, file),
        }
        for slug, (case, file) in made.items()
    }


def staff_rules(app):
    """Every staff rule, and any rule naming a case; not logging out (it ends the session)."""
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in ("static", "auth.logout")
        and (rule.rule.startswith(("/inbox", "/admin", "/staff")) or "case_id" in rule.arguments)
    ]
    endpoints = {rule.endpoint for rule in rules}
    assert {
        "inbox.index",
        "inbox.case",
        "inbox.contact",
        "inbox.attachment",
        "inbox.audit_log",
        "admin.home",
        "admin.audit_log",
    } <= endpoints
    return rules


def urls(rule, case_id):
    """The rule's URL filled in: the case id for <case_id>, file number 1 of it for <number>,
    an unknown id for other numbers."""
    values = {}
    for name in rule.arguments:
        if name == "case_id":
            values[name] = case_id
        elif name == "number" and "case_id" in rule.arguments:
            values[name] = 1
        elif f"<int:{name}>" in rule.rule:
            values[name] = NO_SUCH_ID
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def ask(client, method, url):
    return client.open(url, method=method)


def visits(app, cases):
    """Yield (rule, method, owner slug or None, url) for every request the check makes."""
    for rule in staff_rules(app):
        methods = sorted(rule.methods & {"GET", "POST"})
        if "case_id" in rule.arguments:
            targets = [(slug, cases[slug]["id"]) for slug in BODIES]
        else:
            targets = [(None, 0)]
        for method in methods:
            for owner, case_id in targets:
                yield rule, method, owner, urls(rule, case_id)


def all_secrets(cases, but=None):
    return [s for slug, c in cases.items() if slug != but for s in c["secrets"]]


def leaked(page, secrets):
    return [s for s in secrets if s in page]


def test_anonymous_visitors_are_sent_to_log_in_everywhere(app, client, secret_cases):
    for rule, method, _owner, url in visits(app, secret_cases):
        response = ask(client, method, url)
        page = response.get_data(as_text=True)
        assert not leaked(page, all_secrets(secret_cases)), (method, url)
        if rule.rule.startswith(("/inbox", "/admin")):
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.location.startswith("/staff/login"), (method, url)


@pytest.mark.parametrize("slug", BODIES)
@pytest.mark.parametrize("role", ["staff", "manager"])
def test_staff_never_see_another_bodys_case(app, client, staff, secret_cases, slug, role):
    user = staff[slug if role == "staff" else f"{slug}-manager"]
    login(client, user)
    own = secret_cases[slug]
    others = all_secrets(secret_cases, but=slug)
    saw_own_case = saw_own_file = saw_own_log = False
    for rule, method, owner, url in visits(app, secret_cases):
        response = ask(client, method, url)
        page = response.get_data(as_text=True)
        assert not leaked(page, others), (user.username, method, url)
        if owner is not None and owner != slug:
            assert response.status_code == 404, (user.username, method, url)
        if rule.rule.startswith("/admin"):
            assert response.status_code == 403, (user.username, method, url)
        if rule.endpoint == "inbox.case" and owner == slug:
            assert response.status_code == 200
            assert own["secrets"][0] in page and own["secrets"][1] in page
            saw_own_case = True
        if rule.endpoint == "inbox.attachment" and owner == slug:
            assert response.status_code == 200 and own["secrets"][4] in page
            saw_own_file = True
        if rule.endpoint == "inbox.audit_log" and role == "manager":
            assert response.status_code == 200 and own["secrets"][2] in page
            saw_own_log = True
    # The search for secrets does find them where they belong.
    assert saw_own_case and saw_own_file and (saw_own_log or role == "staff")


def test_the_admin_never_sees_any_case(app, client, staff, secret_cases):
    login(client, staff["admin"])
    for rule, method, _owner, url in visits(app, secret_cases):
        response = ask(client, method, url)
        page = response.get_data(as_text=True)
        assert not leaked(page, all_secrets(secret_cases)), (method, url)
        if rule.rule.startswith("/inbox"):
            assert response.status_code in (403, 404), (method, url, response.status_code)
