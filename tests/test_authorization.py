"""Who sees which case, checked on every staff route the application has, found in its URL map.

For each rule under /inbox and /admin, and any rule anywhere with a <case_id>, every identity
(anonymous, the staff and the manager of each body, the admin) asks for it (GET and/or POST)
about a case of each body. A route added later is covered without touching this file.
"""

import uuid

import pytest
from conftest import BODIES, login, new_case

from feedback.cases import ContactDetails
from feedback.models import Kind

NO_SUCH_ID = 999_999  # for <int:...> arguments other than a case id (accounts, bodies)
KIND_FOR = {"court": Kind.OPINION, "discipline": Kind.REPORT, "inspection": Kind.COMPLAINT}


@pytest.fixture
def secret_cases(app):
    """One real-name case per body, every text of it unmistakable in a page."""
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
        made[slug] = case
    return {
        slug: {
            "id": case.id,
            "secrets": (case.subject, case.content, case.reference, case.contact.name),
        }
        for slug, case in made.items()
    }


def staff_rules(app):
    """Every rule a check applies to: the staff areas, and any route naming a case."""
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and (rule.rule.startswith(("/inbox", "/admin")) or "case_id" in rule.arguments)
    ]
    endpoints = {rule.endpoint for rule in rules}
    assert {"inbox.index", "inbox.case", "inbox.contact", "admin.home"} <= endpoints
    return rules


def urls(rule, case_id):
    """The rule's URL filled in: the case id for <case_id>, an unknown id for other numbers."""
    values = {}
    for name in rule.arguments:
        if name == "case_id":
            values[name] = case_id
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
    saw_own_case = False
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
    assert saw_own_case  # the search for secrets does find them where they belong


def test_the_admin_never_sees_any_case(app, client, staff, secret_cases):
    login(client, staff["admin"])
    for rule, method, _owner, url in visits(app, secret_cases):
        response = ask(client, method, url)
        page = response.get_data(as_text=True)
        assert not leaked(page, all_secrets(secret_cases)), (method, url)
        if rule.rule.startswith("/inbox"):
            assert response.status_code in (403, 404), (method, url, response.status_code)
