"""The managers' pages: the body's accounts and the monthly export."""

import pytest
from conftest import PASSWORD, login, new_case
from sqlalchemy import select

from feedback.cases import months
from feedback.extensions import db
from feedback.models import Role, User


def account(username):
    return db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()


@pytest.mark.parametrize(
    "url", ["/inbox/accounts", "/inbox/export", "/inbox/export/download?month=2026-01&format=csv"]
)
def test_staff_may_not_use_the_managers_pages(client, staff, url):
    login(client, staff["court"])
    assert client.get(url).status_code == 403
    assert (
        client.post(
            "/inbox/accounts", data={"username": "x-new", "password": PASSWORD * 2}
        ).status_code
        == 403
    )
    assert account("x-new") is None
    page = client.get("/inbox/").get_data(as_text=True)
    assert 'href="/inbox/accounts"' not in page and 'href="/inbox/export"' not in page


def test_a_manager_lists_the_bodys_accounts_only(client, staff):
    login(client, staff["court-manager"])
    page = client.get("/inbox/").get_data(as_text=True)
    assert 'href="/inbox/accounts"' in page and 'href="/inbox/export"' in page
    page = client.get("/inbox/accounts").get_data(as_text=True)
    assert "court-staff" in page and "court-manager" in page
    assert "inspection-staff" not in page and "admin" not in page.split("<main>")[1]


def test_a_manager_creates_an_account_with_a_long_enough_password(client, staff):
    login(client, staff["court-manager"])
    response = client.post(
        "/inbox/accounts", data={"username": "court-clerk", "password": "short", "role": "staff"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "密码至少需要 12 个字符。" in page and 'value="court-clerk"' in page
    assert account("court-clerk") is None

    response = client.post(
        "/inbox/accounts", data={"username": "court-staff", "password": PASSWORD, "role": "staff"}
    )
    assert response.status_code == 400
    assert "用户 court-staff 已存在。" in response.get_data(as_text=True)

    response = client.post(
        "/inbox/accounts", data={"username": "court-clerk", "password": PASSWORD, "role": "admin"}
    )
    assert response.status_code == 400 and account("court-clerk") is None

    response = client.post(
        "/inbox/accounts", data={"username": "court-clerk", "password": PASSWORD, "role": "staff"}
    )
    assert "账号 court-clerk 已创建。" in client.get(response.location).get_data(as_text=True)
    clerk = account("court-clerk")
    assert clerk.role is Role.STAFF and clerk.body.slug == "court"
    client.post("/staff/logout")
    login(client, clerk)


def test_a_manager_deactivates_and_reactivates_a_colleague_but_not_themselves(client, staff):
    login(client, staff["court-manager"])
    response = client.post(f"/inbox/accounts/{staff['court'].id}/deactivate")
    assert "账号 court-staff 已停用。" in client.get(response.location).get_data(as_text=True)
    db.session.refresh(staff["court"])
    assert not staff["court"].active

    response = client.post(f"/inbox/accounts/{staff['court-manager'].id}/deactivate")
    assert "不能停用或启用自己的账号。" in client.get(response.location).get_data(as_text=True)
    assert client.post(f"/inbox/accounts/{staff['inspection'].id}/deactivate").status_code == 404
    db.session.refresh(staff["inspection"])
    assert staff["inspection"].active

    other = staff["court"].id
    client.post("/staff/logout")
    refused = client.post("/staff/login", data={"username": "court-staff", "password": PASSWORD})
    assert refused.status_code == 200
    login(client, staff["court-manager"])
    client.post(f"/inbox/accounts/{other}/reactivate")
    client.post("/staff/logout")
    login(client, staff["court"])


def test_an_unknown_format_is_refused(client, staff):
    login(client, staff["court-manager"])
    response = client.get("/inbox/export/download?month=2026-01&format=pdf")
    assert response.status_code == 400 and "不是有效的选择" in response.get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_manager_downloads_the_bodys_month(client, staff, fmt):
    case, _ = new_case(subject="本月收到的意见")
    new_case(chosen="inspection", subject="巡察办收到的意见")
    login(client, staff["court-manager"])
    month = months.month_of(case.received_at)
    response = client.get(f"/inbox/export/download?month={month}&format={fmt}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert month in response.headers["Content-Disposition"]
    data = response.get_data()
    if fmt == "csv":
        text = data.decode("utf-8-sig")
        assert "本月收到的意见" in text and "巡察办收到的意见" not in text
    else:
        assert data[:2] == b"PK"
