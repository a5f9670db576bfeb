"""Staff login and logout: one answer for every failure, a fresh session, a rate limit."""

import re
from urllib.parse import parse_qs, quote, urlsplit

from conftest import PASSWORD, login

from feedback.extensions import db

GENERIC_FAILURE = "用户名或密码不正确，或该账号无法登录。"


def failed_login(client, username, password=PASSWORD):
    return client.post("/staff/login", data={"username": username, "password": password})


def test_staff_log_in_to_their_inbox_and_the_admin_to_the_admin_pages(client, staff):
    response = client.post("/staff/login", data={"username": "court-staff", "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/inbox/"
    assert "五峰土家族自治县人民法院收件箱" in client.get("/inbox/").get_data(as_text=True)
    client.post("/staff/logout")
    response = client.post("/staff/login", data={"username": "admin", "password": PASSWORD})
    assert response.location == "/admin/"


def test_every_failure_gets_the_same_answer(client, staff):
    staff["court"].active = False
    db.session.commit()
    unknown = failed_login(client, "nobody-here")
    wrong = failed_login(client, "court-manager", "wrong password, long enough")
    disabled = failed_login(client, "court-staff")
    pages = [r.get_data(as_text=True) for r in (unknown, wrong, disabled)]
    for response, page in zip((unknown, wrong, disabled), pages, strict=True):
        assert response.status_code == 200
        assert GENERIC_FAILURE in page
        assert "不存在" not in page and "停用" not in page
    # Apart from the username typed back into the field, the three pages are the same.
    normalised = {
        p.replace("nobody-here", "X").replace("court-manager", "X").replace("court-staff", "X")
        for p in pages
    }
    assert len(normalised) == 1
    assert client.get("/inbox/").status_code == 302


def test_an_empty_form_asks_for_both_fields(client):
    page = failed_login(client, "", "").get_data(as_text=True)
    assert "请输入用户名。" in page and "请输入密码。" in page
    assert GENERIC_FAILURE not in page


def test_logging_in_starts_a_new_session(client, staff):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    login(client, staff["court"])
    with client.session_transaction() as session:
        assert "planted" not in session


def test_pages_ask_for_a_login_and_come_back_afterwards(client, staff):
    response = client.get("/inbox/?status=received")
    assert response.status_code == 302
    target = urlsplit(response.location)
    assert target.path == "/staff/login"
    assert parse_qs(target.query) == {"next": ["/inbox/?status=received"]}
    assert "请先登录后再查看此页面。" in client.get(response.location).get_data(as_text=True)
    response = client.post(
        response.location, data={"username": "court-staff", "password": PASSWORD}
    )
    assert response.location == "/inbox/?status=received"


def test_a_return_address_off_the_site_or_outside_ones_area_is_ignored(client, staff):
    for target in ("//evil.example/inbox/", "https://evil.example/inbox/", "/admin/"):
        client.post("/staff/logout")
        response = client.post(
            "/staff/login?next=" + quote(target, safe=""),
            data={"username": "court-staff", "password": PASSWORD},
        )
        assert response.location == "/inbox/", target


def test_logout_is_a_post_and_ends_the_session(client, staff):
    login(client, staff["court"])
    assert client.get("/staff/logout").status_code == 405
    assert client.get("/inbox/").status_code == 200
    response = client.post("/staff/logout")
    assert response.status_code == 302 and response.location == "/staff/login"
    assert "您已退出登录。" in client.get("/staff/login").get_data(as_text=True)
    assert client.get("/inbox/").status_code == 302


def test_the_inbox_shows_a_logout_button_not_a_link(client, staff):
    login(client, staff["court"])
    page = client.get("/inbox/").get_data(as_text=True)
    assert '<form class="nav-form" method="post" action="/staff/logout">' in page
    assert 'href="/staff/logout"' not in page


def test_a_deactivated_account_is_signed_out_at_its_next_request(client, staff):
    login(client, staff["court"])
    staff["court"].active = False
    db.session.commit()
    response = client.get("/inbox/")
    assert response.status_code == 302 and response.location.startswith("/staff/login")


def test_login_attempts_are_limited(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_LIMITS="3 per minute")
    client = app.test_client()
    codes = [failed_login(client, "court-staff", "wrong password!!").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/staff/login").status_code == 200  # only POSTs count
    with app.app_context():
        db.engine.dispose()


def test_a_copy_of_the_session_cookie_stops_working_at_logout(client, staff):
    login(client, staff["court"])
    assert client.get("/inbox/").status_code == 200
    copied = client.get_cookie("session").value
    client.post("/staff/logout")
    client.set_cookie("session", copied)  # replayed by whoever took a copy
    response = client.get("/inbox/", headers={"User-Agent": "Another browser/1.0"})
    assert response.status_code == 302 and response.location.startswith("/staff/login")


def token(page, name="csrf_token"):
    return re.search(rf'name="{name}"[^>]*value="([^"]+)"', page)[1]


def test_login_and_logout_forms_carry_the_csrf_token_they_need(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    credentials = {"username": "court-staff", "password": PASSWORD}
    page = client.get("/staff/login").get_data(as_text=True)
    assert client.post("/staff/login", data=credentials).status_code == 400
    response = client.post("/staff/login", data={**credentials, "csrf_token": token(page)})
    assert response.status_code == 302
    page = client.get("/inbox/").get_data(as_text=True)
    assert client.post("/staff/logout").status_code == 400
    assert client.get("/inbox/").status_code == 200  # still logged in
    assert client.post("/staff/logout", data={"csrf_token": token(page)}).status_code == 302
    assert client.get("/inbox/").status_code == 302
    with app.app_context():
        db.engine.dispose()
