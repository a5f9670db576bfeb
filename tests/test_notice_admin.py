"""The administrator imports a notice, checks the preview, corrects it and publishes it."""

import io
import re
from datetime import timedelta

import pytest
from conftest import login, new_case
from notice_helpers import import_sample, sample
from public_helpers import field_error
from sqlalchemy import func, select

from feedback.extensions import db
from feedback.models import BodyRole, Case, Item, ItemStatus, Notice
from feedback.notices import window
from feedback.notices.loader import SEED_SLUG


def notices() -> int:
    return db.session.scalar(select(func.count()).select_from(Notice))


def paste(client, **overrides):
    data = {"unit": "五峰土家族自治县林业局", "text": sample("totals-mismatch")}
    data.update(overrides)
    return client.post("/admin/notices/new", data=data)


def edit_data(notice: Notice, **overrides: str) -> dict[str, str]:
    """Every field of the notice's edit form, as the page fills it in, with some changed."""
    data = {
        "title": notice.title,
        "unit": notice.unit,
        "opens_on": notice.opens_on.isoformat() if notice.opens_on else "",
        "closes_on": notice.closes_on.isoformat() if notice.closes_on else "",
    }
    for role in BodyRole:
        current = notice.body_for(role)
        data[f"body_{role.value}"] = str(current.id) if current else ""
    for aspect in notice.aspects:
        data[f"aspect_{aspect.id}"] = aspect.title
        for category in aspect.categories:
            data[f"category_{category.id}"] = category.title
            for item in category.items:
                data[f"item_{item.id}_title"] = item.title
                data[f"item_{item.id}_status"] = item.status.value
                data[f"item_{item.id}_text"] = item.rectification
    data.update(overrides)
    return data


def seed() -> Notice:
    return db.session.scalars(select(Notice).where(Notice.slug == SEED_SLUG)).one()


@pytest.mark.parametrize("who", ["court", "court-manager"])
def test_only_the_administrator_imports_notices(client, staff, who):
    assert client.get("/admin/notices/new").status_code == 302  # to the login page
    login(client, staff[who])
    assert client.get("/admin/notices/new").status_code == 403
    assert paste(client).status_code == 403
    assert client.get(f"/admin/notices/{seed().id}").status_code == 403


def test_a_pasted_notice_becomes_a_draft_with_a_preview_of_what_was_read(client, staff):
    login(client, staff["admin"])
    response = paste(client, slug="linye-2021")
    assert response.status_code == 302
    notice = db.session.scalars(select(Notice).where(Notice.slug == "linye-2021")).one()
    assert response.location == f"/admin/notices/{notice.id}"
    assert notice.published_at is None
    page = client.get(response.location).get_data(as_text=True)
    assert "草稿" in page
    assert "共 2 个方面、3 类、5 项问题：已完成 4 项，持续推进 1 项。" in page
    assert "通报称有 4 个方面，实际识别出 2 个。" in page
    assert "通报称有 35 项问题，实际识别出 5 项。" in page
    assert "根据“拟”一词识别为持续推进。" in page
    assert "通报中：县林业局，0717-5231188" in page
    assert 'value="村级林长巡林记录不全"' in page
    # Nothing is public yet.
    assert client.get("/n/linye-2021/").status_code == 404


def test_a_notice_file_in_gb18030_is_read(client, staff):
    login(client, staff["admin"])
    upload = (io.BytesIO(sample("comma-aspects").encode("gb18030")), "通报.txt")
    response = client.post(
        "/admin/notices/new",
        data={"unit": "中共渔洋关镇委员会", "text": "", "upload": upload},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert 'value="产业发展规划落实不到位"' in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"text": ""}, "text", "请粘贴通报全文，或选择一个文件。"),
        ({"text": "这是一段没有编号问题的文字。"}, "text", "未在这段文字中找到问题"),
        ({"unit": ""}, "unit", None),
        ({"slug": "Not A Slug"}, "slug", "请使用小写字母、数字和连字符"),
        ({"slug": SEED_SLUG}, "slug", f"网址名称 {SEED_SLUG} 已被其他通报使用。"),
        ({"opens_on": "2026-02-30"}, "opens_on", "请按 2026-12-31 的格式填写日期，或留空。"),
        (
            {"opens_on": "2026-12-01", "closes_on": "2026-11-01"},
            "closes_on",
            "截止日期早于开始日期。",
        ),
    ],
)
def test_bad_answers_are_explained_beside_their_field_and_nothing_is_stored(
    client, staff, overrides, field, message
):
    login(client, staff["admin"])
    before = notices()
    response = paste(client, **overrides)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    error = field_error(html, field)
    assert error is not None
    if message:
        assert message in error
    assert notices() == before
    if overrides.get("text"):
        assert overrides["text"] in html  # what was typed is kept


def test_a_file_that_is_not_text_is_refused_beside_the_upload(client, staff):
    login(client, staff["admin"])
    binary = (io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\xff"), "scan.txt")
    response = client.post(
        "/admin/notices/new",
        data={"unit": "某单位", "text": "", "upload": binary},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "UTF-8 或 GB18030" in field_error(response.get_data(as_text=True), "upload")


def test_the_administrator_corrects_titles_and_statuses_then_publishes(client, staff):
    login(client, staff["admin"])
    draft = import_sample("totals-mismatch", publish=False)
    items = {i.code: i for a in draft.aspects for c in a.categories for i in c.items}
    fire = items["一.1.(2)"]
    data = edit_data(
        draft,
        action="publish",
        closes_on=(window.today() + timedelta(days=30)).isoformat(),
        **{
            f"item_{fire.id}_title": "森林防火宣传不到位、不深入",
            f"item_{fire.id}_status": "ongoing",
        },
    )
    response = client.post(f"/admin/notices/{draft.id}", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert draft.published_at is not None
    fire = db.session.get(Item, fire.id)
    assert (fire.title, fire.status, fire.status_by_hand) == (
        "森林防火宣传不到位、不深入",
        ItemStatus.ONGOING,
        True,
    )
    page = client.get(f"/admin/notices/{draft.id}").get_data(as_text=True)
    assert "由管理员手动设置。" in page and "已发布" in page
    public = client.get(f"/n/{draft.slug}/").get_data(as_text=True)
    assert "森林防火宣传不到位、不深入" in public


def test_a_draft_without_a_body_for_each_role_is_not_published(client, staff):
    login(client, staff["admin"])
    text = sample("comma-aspects").split("欢迎广大干部群众")[0]
    response = paste(client, text=text, unit="中共渔洋关镇委员会", slug="no-contacts")
    draft = db.session.scalars(select(Notice).where(Notice.slug == "no-contacts")).one()
    page = client.get(response.location).get_data(as_text=True)
    assert "通报末尾未找到受理机关的联系电话。" in page
    refused = client.post(f"/admin/notices/{draft.id}", data=edit_data(draft, action="publish"))
    assert refused.status_code == 400
    assert "请为以下角色选择受理机关：被巡察单位、纪检监察组、巡察办。" in refused.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert draft.published_at is None
    chosen = {f"body_{role.value}": str(seed().body_for(role).id) for role in BodyRole}
    assert (
        client.post(
            f"/admin/notices/{draft.id}", data=edit_data(draft, action="publish", **chosen)
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert draft.published_at is not None
    assert draft.body_for(BodyRole.COURT).slug == "court"


def test_editing_a_published_notice_never_breaks_a_cases_item(client, staff):
    case, code = new_case(item_code="二.4.(1)")
    login(client, staff["admin"])
    notice = seed()
    item_id = case.item_id
    items_before = db.session.scalar(select(func.count()).select_from(Item))
    data = edit_data(notice, **{f"item_{item_id}_title": "主题党日活动记录不实"})
    assert client.post(f"/admin/notices/{notice.id}", data=data).status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.item_id == item_id and case.item.label == "二.4.(1) 主题党日活动记录不实"
    assert db.session.scalar(select(func.count()).select_from(Item)) == items_before
    client.post("/staff/logout")
    tracked = client.post("/track", data={"reference": case.reference, "code": code})
    assert "主题党日活动记录不实" in tracked.get_data(as_text=True)


def test_an_edit_with_an_empty_title_is_refused_and_nothing_changes(client, staff):
    login(client, staff["admin"])
    notice = seed()
    aspect = notice.aspects[0]
    response = client.post(
        f"/admin/notices/{notice.id}", data=edit_data(notice, **{f"aspect_{aspect.id}": ""})
    )
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), f"aspect_{aspect.id}") == "请填写此项。"
    db.session.expire_all()
    assert aspect.title == "在贯彻落实中央决策部署,履行职责使命方面"


def test_a_draft_can_be_deleted_but_a_published_notice_cannot(client, staff):
    login(client, staff["admin"])
    draft = import_sample("guanyu-measures", publish=False)
    draft_id = draft.id
    assert client.post(f"/admin/notices/{draft_id}/discard").status_code == 302
    db.session.expire_all()
    assert db.session.get(Notice, draft_id) is None
    client.post(f"/admin/notices/{seed().id}/discard")
    assert db.session.get(Notice, seed().id) is not None


def test_the_admin_home_lists_drafts_and_links_each_notice(client, staff):
    login(client, staff["admin"])
    draft = import_sample("guanyu-measures", publish=False)
    page = client.get("/admin/").get_data(as_text=True)
    assert f'href="/admin/notices/{draft.id}"' in page and "草稿" in page
    assert 'href="/admin/notices/new"' in page
    assert re.search(r"<td>30</td>", page)
