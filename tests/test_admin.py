"""The administrator's pages: bodies and their time limits, notices, accounts — and no case."""

from datetime import timedelta

import pytest
from conftest import PASSWORD, body, login, new_case
from sqlalchemy import select

from feedback.extensions import db
from feedback.models import Role, User

COURT_FORM = {
    "name": "五峰土家族自治县人民法院",
    "short_name": "法院",
    "name_en": "Wufeng Tujia Autonomous County People's Court",
    "phone": "0717-5193251",
    "address": "渔洋关镇幸福大道46号",
    "postcode": "443413",
    "accept_days": "10",
    "close_days": "45",
    "max_extension_days": "20",
}


def account(username):
    return db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()


@pytest.mark.parametrize("who", ["court", "court-manager"])
def test_only_the_admin_enters_the_admin_pages(client, staff, who):
    login(client, staff[who])
    for url in ("/admin/", "/admin/accounts", f"/admin/bodies/{body('court').id}"):
        assert client.get(url).status_code == 403
    assert client.post(f"/admin/bodies/{body('court').id}", data=COURT_FORM).status_code == 403
    assert body("court").accept_days == 15


def test_the_admin_reads_no_case(client, staff):
    case, _ = new_case(subject="SECRET-subject-for-admin", content="SECRET-content-for-admin")
    login(client, staff["admin"])
    for url in ("/admin/", "/admin/accounts", f"/admin/bodies/{case.body_id}"):
        page = client.get(url).get_data(as_text=True)
        assert "SECRET-" not in page and case.reference not in page
    assert client.get("/inbox/").status_code == 403
    assert client.get(f"/inbox/cases/{case.id}").status_code in (403, 404)


def test_the_admin_sees_bodies_and_notices(client, staff):
    login(client, staff["admin"])
    page = client.get("/admin/").get_data(as_text=True)
    for slug in ("court", "discipline", "inspection"):
        assert body(slug).name in page
        assert f'href="/admin/bodies/{body(slug).id}"' in page
    assert "中共五峰土家族自治县人民法院党组关于巡察整改情况的通报" in page
    assert "<td>30</td>" in page  # the notice's 30 items


def test_the_admin_changes_a_bodys_time_limits_and_new_cases_follow_them(client, staff):
    login(client, staff["admin"])
    court = body("court")
    page = client.get(f"/admin/bodies/{court.id}").get_data(as_text=True)
    assert 'value="15"' in page and 'value="0717-5193251"' in page
    response = client.post(f"/admin/bodies/{court.id}", data=COURT_FORM)
    assert response.status_code == 302
    assert "五峰土家族自治县人民法院 的信息已保存。" in client.get(response.location).get_data(
        as_text=True
    )
    db.session.refresh(court)
    assert (court.accept_days, court.close_days, court.max_extension_days) == (10, 45, 20)
    case, _ = new_case()
    assert case.due_at - case.received_at == timedelta(days=10)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("accept_days", "0", "请填写 1 至 60 之间的天数。"),
        ("close_days", "1000", "请填写 1 至 180 之间的天数。"),
        ("max_extension_days", "三十", "不是有效的整数"),
        ("accept_days", "", "请填写此项。"),
        ("postcode", "44341", "邮政编码为 6 位数字。"),
        ("name", "", "请填写此项。"),
        ("phone", "call us", "只能使用数字、空格、连字符和括号；两个号码之间用“、”隔开。"),
    ],
)
def test_invalid_body_details_are_explained_and_nothing_is_stored(
    client, staff, field, value, message
):
    login(client, staff["admin"])
    court = body("court")
    response = client.post(f"/admin/bodies/{court.id}", data={**COURT_FORM, field: value})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="{field}-error">{message}' in page
    assert 'value="渔洋关镇幸福大道46号"' in page  # the rest of what was typed stays
    db.session.refresh(court)
    assert court.accept_days == 15 and court.close_days == 60 and court.short_name == "法院"


def test_the_admin_creates_accounts_for_any_body(client, staff):
    login(client, staff["admin"])
    page = client.get("/admin/accounts").get_data(as_text=True)
    assert "court-staff" in page and "inspection-manager" in page
    form = {"username": "insp-clerk", "password": PASSWORD, "role": "manager", "body": ""}
    response = client.post("/admin/accounts", data=form)
    assert response.status_code == 400
    assert "工作人员和负责人必须属于一个受理机关，请选择。" in response.get_data(as_text=True)
    response = client.post("/admin/accounts", data={**form, "role": "admin", "body": "court"})
    assert "管理员不属于任何受理机关。" in response.get_data(as_text=True)
    response = client.post("/admin/accounts", data={**form, "password": "too short"})
    assert "密码至少需要 12 个字符。" in response.get_data(as_text=True)
    assert account("insp-clerk") is None

    response = client.post("/admin/accounts", data={**form, "body": "inspection"})
    assert response.status_code == 302
    clerk = account("insp-clerk")
    assert clerk.role is Role.MANAGER and clerk.body.slug == "inspection"
    response = client.post("/admin/accounts", data={**form, "username": "admin2", "role": "admin"})
    assert response.status_code == 302 and account("admin2").body is None


def test_the_admin_deactivates_an_account_but_not_their_own(client, staff):
    login(client, staff["admin"])
    response = client.post(f"/admin/accounts/{staff['inspection'].id}/deactivate")
    assert "账号 inspection-staff 已停用。" in client.get(response.location).get_data(as_text=True)
    response = client.post(f"/admin/accounts/{staff['admin'].id}/deactivate")
    assert "不能停用或启用自己的账号。" in client.get(response.location).get_data(as_text=True)
    db.session.refresh(staff["inspection"])
    db.session.refresh(staff["admin"])
    assert not staff["inspection"].active and staff["admin"].active
    assert client.post("/admin/accounts/999999/deactivate").status_code == 404
