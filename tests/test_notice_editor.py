"""The administrator reshapes a draft notice's tree, reads its text again, and makes a body of a
contact the notice gives; each change is shown as citizens will see it, refused when stale."""

import re

import pytest
from conftest import login
from notice_helpers import UNITS, import_sample, sample
from public_helpers import field_error
from sqlalchemy import select
from werkzeug.test import TestResponse

from feedback.extensions import db
from feedback.models import AuditAction, AuditEntry, Body, BodyRole, Item, ItemStatus, Notice
from feedback.notices.loader import SEED_SLUG

# The draft "totals-mismatch" as imported, row by row, as its preview shows it.
IMPORTED = [
    "一 在贯彻落实党中央决策部署方面",
    "一.1 林长制落实不到位",
    "一.1.(1) 村级林长巡林记录不全",
    "一.1.(2) 森林防火宣传不到位",
    "一.2 生态保护修复推进缓慢",
    "二 在全面从严治党方面",
    "二.1 财务管理不规范",
    "二.1.(1) 公务用车使用登记不全",
    "二.1.(2) 部分项目资金拨付不及时",
]
STALE = "打开此页面后通报已有改动"


@pytest.fixture
def draft(client, staff) -> Notice:
    login(client, staff["admin"])
    return import_sample("totals-mismatch", publish=False)


def outline_page(client, notice: Notice) -> str:
    response = client.get(f"/admin/notices/{notice.id}/outline")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def preview(html: str) -> list[str]:
    """The headings of the notice as the page previews it: code and title."""
    section = html[html.index('id="preview"') :]
    return [
        f"{code} {title.strip()}"
        for code, title in re.findall(
            r'<h[234] lang="zh-CN"><span class="code">([^<]+)</span>([^<]+)</h[234]>', section
        )
    ]


def version(html: str) -> str:
    found = re.search(r'name="(?:contact\d+-)?version"[^>]*value="([^"]+)"', html)
    assert found, html
    return found[1]


def step(client, notice: Notice, row: int, name: str, seen: str | None = None) -> TestResponse:
    seen = seen or version(outline_page(client, notice))
    return client.post(f"/admin/notices/{notice.id}/outline/{row}/{name}", data={"version": seen})


def flashed(response: TestResponse) -> str:
    return " ".join(
        re.findall(r'class="flash[^"]*"[^>]*>([^<]*)<', response.get_data(as_text=True))
    )


def last_audit() -> AuditEntry:
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()


def audit_count() -> int:
    return len(db.session.scalars(select(AuditEntry.id)).all())


def moved(rows: list[str], *changes: tuple[int, str]) -> list[str]:
    """IMPORTED-like rows with some replaced, by index."""
    changed = list(rows)
    for index, text in changes:
        changed[index] = text
    return changed


def test_the_structure_page_previews_the_draft_as_citizens_will_see_it(client, draft):
    html = outline_page(client, draft)
    assert preview(html) == IMPORTED
    assert "群众将看到的通报" in html
    assert f'action="/admin/notices/{draft.id}/outline/3/up"' in html
    notice_page = client.get(f"/admin/notices/{draft.id}").get_data(as_text=True)
    assert f'href="/admin/notices/{draft.id}/outline"' in notice_page


def test_moving_an_item_up_renumbers_the_codes_and_is_audited(client, draft):
    response = step(client, draft, 3, "up")
    assert response.status_code == 302
    page = client.get(response.location)
    assert "已上移。" in flashed(page)
    assert preview(page.get_data(as_text=True))[2:4] == [
        "一.1.(1) 森林防火宣传不到位",
        "一.1.(2) 村级林长巡林记录不全",
    ]
    entry = last_audit()
    assert entry.action is AuditAction.NOTICE_CHANGED
    assert entry.detail == "totals-mismatch; up 一.1.(2) 森林防火宣传不到位"


def test_moving_past_the_last_sibling_goes_into_the_next_parent(client, draft):
    """一.2, the last category of aspect 一, moved down becomes the first of aspect 二."""
    assert step(client, draft, 4, "down").status_code == 302
    assert preview(outline_page(client, draft))[4:] == [
        "二 在全面从严治党方面",
        "二.1 生态保护修复推进缓慢",
        "二.2 财务管理不规范",
        "二.2.(1) 公务用车使用登记不全",
        "二.2.(2) 部分项目资金拨付不及时",
    ]


def test_an_item_outdented_becomes_a_category_that_is_its_own_item(client, draft):
    assert step(client, draft, 3, "outdent").status_code == 302
    db.session.expire_all()
    assert preview(outline_page(client, draft))[2:5] == [
        "一.1.(1) 村级林长巡林记录不全",
        "一.2 森林防火宣传不到位",
        "一.3 生态保护修复推进缓慢",
    ]
    fire = db.session.scalars(select(Item).where(Item.code == "一.2")).one()
    assert fire.rectification.startswith("在重点林区新设防火宣传牌40块")


def test_a_category_indented_becomes_an_item_of_the_category_above(client, draft):
    assert step(client, draft, 4, "indent").status_code == 302
    assert preview(outline_page(client, draft))[2:5] == [
        "一.1.(1) 村级林长巡林记录不全",
        "一.1.(2) 森林防火宣传不到位",
        "一.1.(3) 生态保护修复推进缓慢",
    ]


def test_merging_joins_the_texts_and_keeps_the_second_title_as_a_line(client, draft):
    assert step(client, draft, 2, "merge").status_code == 302
    assert preview(outline_page(client, draft))[1:4] == [
        "一.1 林长制落实不到位",
        "一.1.(1) 村级林长巡林记录不全",
        "一.2 生态保护修复推进缓慢",
    ]
    merged = db.session.scalars(
        select(Item).where(Item.notice_id == draft.id, Item.code == "一.1.(1)")
    ).one()
    assert merged.rectification.split("\n") == [
        "对全县林长巡林工作进行了专项督查，补齐巡林台账，建立巡林情况月通报制度。",
        "森林防火宣传不到位",
        "在重点林区新设防火宣传牌40块，开展防火宣传进村入户活动。",
    ]
    assert "merge 一.1.(1) 村级林长巡林记录不全" in last_audit().detail


def test_deleting_an_item_renumbers_the_rest(client, draft):
    assert step(client, draft, 7, "delete").status_code == 302
    assert preview(outline_page(client, draft))[-2:] == [
        "二.1 财务管理不规范",
        "二.1.(1) 部分项目资金拨付不及时",
    ]
    assert last_audit().detail == "totals-mismatch; delete 二.1.(1) 公务用车使用登记不全"


@pytest.mark.parametrize(
    ("row", "name", "message"),
    [
        (0, "indent", "通报只有三级：方面、类、项。"),
        (0, "outdent", "方面已在最高一级。"),
        (2, "indent", "通报只有三级：方面、类、项。"),
        (2, "up", "“村级林长巡林记录不全”不能再上移了。"),
        (1, "delete", "“林长制落实不到位”下面还有行：请先删除或移走它们。"),
        (1, "merge", "“林长制落实不到位”下面将有行，会丢失它自己的整改文字"),
        (8, "merge", "“部分项目资金拨付不及时”后面没有同级的行可以合并。"),
        (40, "delete", "通报中没有这一行。"),
    ],
)
def test_a_step_that_cannot_be_done_says_why_and_changes_nothing(client, draft, row, name, message):
    entries = audit_count()
    response = step(client, draft, row, name)
    assert response.status_code == 400
    assert message in flashed(response)
    assert preview(response.get_data(as_text=True)) == IMPORTED
    assert preview(outline_page(client, draft)) == IMPORTED
    assert audit_count() == entries


def test_the_last_problem_of_a_notice_cannot_be_deleted(client, staff):
    login(client, staff["admin"])
    text = sample("totals-mismatch").replace(
        "（2）森林防火宣传不到位\n整改情况：在重点林区新设防火宣传牌40块，开展防火宣传进村入户活动。\n",
        "",
    )
    text = text[: text.index("2.生态保护")] + text[text.index("二、下一步") :]
    client.post(
        "/admin/notices/new",
        data={"unit": UNITS["totals-mismatch"], "text": text, "slug": "one-item"},
    )
    notice = db.session.scalars(select(Notice).where(Notice.slug == "one-item")).one()
    assert preview(outline_page(client, notice))[-1] == "一.1.(1) 村级林长巡林记录不全"
    response = step(client, notice, 2, "delete")
    assert response.status_code == 400
    assert "通报至少要保留一个问题，这已是最后一个。" in flashed(response)


def test_a_form_drawn_before_another_change_is_refused_as_stale(client, draft):
    """Two tabs: the second still shows row 2 as 村级林长巡林记录不全, moved away since."""
    stale = version(outline_page(client, draft))
    assert step(client, draft, 3, "up", stale).status_code == 302
    response = step(client, draft, 2, "delete", stale)
    assert response.status_code == 409
    assert STALE in flashed(response)
    assert len(preview(outline_page(client, draft))) == len(IMPORTED)


def test_splitting_a_text_makes_a_new_row_with_the_title_typed(client, draft):
    item = db.session.scalars(
        select(Item).where(Item.notice_id == draft.id, Item.code == "一.1.(1)")
    ).one()
    item.rectification = "补齐巡林台账。\n建立巡林情况月通报制度。\n开展专项督查。"
    db.session.commit()
    page = client.get(f"/admin/notices/{draft.id}/outline/2/split")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "建立巡林情况月通报制度。" in html
    seen = version(html)
    url = f"/admin/notices/{draft.id}/outline/2/split"

    refused = client.post(url, data={"version": seen, "at": "5", "title": "巡林通报制度不健全"})
    assert refused.status_code == 400
    assert "请选择第 2 到第 3 段中的一段作为新一行的开头。" in flashed(refused)
    empty = client.post(url, data={"version": seen, "at": "2", "title": ""})
    assert empty.status_code == 400
    assert field_error(empty.get_data(as_text=True), "title") == "请填写此项。"
    assert preview(outline_page(client, draft)) == IMPORTED

    done = client.post(url, data={"version": seen, "at": "2", "title": "巡林通报制度不健全"})
    assert done.status_code == 302
    assert preview(outline_page(client, draft))[2:5] == [
        "一.1.(1) 村级林长巡林记录不全",
        "一.1.(2) 巡林通报制度不健全",
        "一.1.(3) 森林防火宣传不到位",
    ]
    db.session.expire_all()
    texts = {
        i.code: i.rectification
        for i in db.session.scalars(select(Item).where(Item.notice_id == draft.id))
    }
    assert texts["一.1.(1)"] == "补齐巡林台账。"
    assert texts["一.1.(2)"] == "建立巡林情况月通报制度。\n开展专项督查。"
    assert "split 一.1.(1)" in last_audit().detail


def test_adding_a_row_after_or_inside_another(client, draft):
    url = f"/admin/notices/{draft.id}/outline/3/add"
    seen = version(client.get(url).get_data(as_text=True))
    empty = client.post(
        url, data={"version": seen, "where": "after", "title": "", "status": "done"}
    )
    assert empty.status_code == 400
    assert field_error(empty.get_data(as_text=True), "title") == "请填写此项。"

    added = client.post(
        url,
        data={
            "version": seen,
            "where": "after",
            "title": "护林员管理不规范",
            "text": "拟于年底前完成护林员考核。",
            "status": "ongoing",
        },
    )
    assert added.status_code == 302
    html = outline_page(client, draft)
    assert preview(html)[4] == "一.1.(3) 护林员管理不规范"
    new = db.session.scalars(
        select(Item).where(Item.notice_id == draft.id, Item.code == "一.1.(3)")
    ).one()
    assert (new.status, new.status_by_hand) == (ItemStatus.ONGOING, True)

    inside = f"/admin/notices/{draft.id}/outline/0/add"
    response = client.post(
        inside,
        data={
            "version": version(html),
            "where": "inside",
            "title": "森林资源保护不力",
            "status": "done",
        },
    )
    assert response.status_code == 302
    assert preview(outline_page(client, draft))[1:3] == [
        "一.1 森林资源保护不力",
        "一.2 林长制落实不到位",
    ]


def test_an_aspect_added_empty_stops_publication_until_it_lists_a_problem(client, draft):
    seed_bodies = _seed_bodies()
    _choose_bodies(client, draft, seed_bodies)
    url = f"/admin/notices/{draft.id}/outline/5/add"
    html = client.get(url).get_data(as_text=True)
    added = client.post(
        url,
        data={
            "version": version(html),
            "where": "after",
            "title": "在作风建设方面",
            "status": "done",
        },
    )
    assert added.status_code == 302
    refused = _publish(client, draft)
    assert refused.status_code == 400
    assert "方面“在作风建设方面”下没有问题：请添加问题，或删除该方面。" in refused.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert draft.published_at is None


def test_statuses_set_by_hand_and_edited_titles_survive_the_steps(client, draft):
    fire = db.session.scalars(
        select(Item).where(Item.notice_id == draft.id, Item.code == "一.1.(2)")
    ).one()
    fire.status, fire.status_by_hand, fire.title = ItemStatus.ONGOING, True, "防火宣传不深入"
    db.session.commit()
    assert step(client, draft, 3, "up").status_code == 302
    assert step(client, draft, 4, "indent").status_code == 302
    db.session.expire_all()
    fire = db.session.scalars(
        select(Item).where(Item.notice_id == draft.id, Item.code == "一.1.(1)")
    ).one()
    assert (fire.title, fire.status, fire.status_by_hand) == (
        "防火宣传不深入",
        ItemStatus.ONGOING,
        True,
    )
    page = client.get(f"/admin/notices/{draft.id}").get_data(as_text=True)
    assert "由管理员手动设置。" in page


def test_the_codes_follow_the_numbering_the_notice_uses(client, staff):
    login(client, staff["admin"])
    notice = import_sample("paren-aspects-circled-items", publish=False)
    before = preview(outline_page(client, notice))
    assert before[2] == "一.1.① 部分河段巡河记录流于形式"
    assert step(client, notice, 2, "delete").status_code == 302
    after = preview(outline_page(client, notice))
    assert after[2] == "一.1.① “清四乱”问题整治不彻底"
    assert after[4] == "一.2.① 山洪灾害预警设施维护不及时"


def test_a_published_notice_offers_no_structural_change_and_refuses_one(client, staff):
    login(client, staff["admin"])
    notice = db.session.scalars(select(Notice).where(Notice.slug == SEED_SLUG)).one()
    html = outline_page(client, notice)
    assert "本通报已发布。其问题只能在通报页面原地修改" in html
    assert "/outline/3/up" not in html
    before = preview(html)
    response = client.post(
        f"/admin/notices/{notice.id}/outline/3/up", data={"version": version_of(notice)}
    )
    assert response.status_code == 400
    assert "已发布的通报保留其问题项" in flashed(response)
    assert preview(outline_page(client, notice)) == before
    assert client.get(f"/admin/notices/{notice.id}/outline/3/split").status_code == 400
    page = client.get(f"/admin/notices/{notice.id}").get_data(as_text=True)
    assert "已发布通报的问题只能原地修改" in page
    assert f"/admin/notices/{notice.id}/outline" not in page
    source = client.post(
        f"/admin/notices/{notice.id}/source",
        data={"version": version_of(notice), "text": notice.source_text, "action": "preview"},
    )
    assert source.status_code == 400 and "已发布的通报保留其问题项" in flashed(source)


def version_of(notice: Notice) -> str:
    from feedback.notices import outline

    return outline.version(notice)


# Reading the text again -------------------------------------------------------------------


def test_a_corrected_text_is_previewed_without_storing_then_applied(client, draft):
    fire = db.session.scalars(
        select(Item).where(Item.notice_id == draft.id, Item.code == "一.1.(2)")
    ).one()
    fire.title = "防火宣传不深入"  # edited by hand: reading again replaces it
    db.session.commit()
    court = draft.body_for(BodyRole.COURT).id
    url = f"/admin/notices/{draft.id}/source"
    html = client.get(url).get_data(as_text=True)
    assert "县林业局联系电话" in html
    corrected = sample("totals-mismatch").replace(
        "2.生态保护修复推进缓慢", "2.生态保护修复推进缓慢\n（1）退化林修复滞后"
    )

    shown = client.post(
        url, data={"version": version(html), "text": corrected, "action": "preview"}
    )
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert '<span class="code">一.2.(1)</span> 退化林修复滞后' in text
    assert re.search(r'id="source-counts"><td>重新识别后</td><td>2</td><td>3</td><td>5</td>', text)
    assert "导入后修改过标题或文字的 1 行将被替换" in text
    db.session.expire_all()
    assert draft.source_text == sample("totals-mismatch")
    assert preview(outline_page(client, draft))[3] == "一.1.(2) 防火宣传不深入"

    typed_after = client.post(
        url,
        data={
            "version": version(text),
            "text": corrected + "\n补充",
            "previewed": re.search(r'name="previewed"[^>]*value="([^"]+)"', text)[1],
            "action": "apply",
        },
    )
    assert typed_after.status_code == 200 and "预览后原文又有修改" in flashed(typed_after)
    db.session.expire_all()
    assert draft.source_text == sample("totals-mismatch")

    applied = client.post(
        url,
        data={
            "version": version(text),
            "text": corrected,
            "previewed": re.search(r'name="previewed"[^>]*value="([^"]+)"', text)[1],
            "action": "apply",
        },
    )
    assert applied.status_code == 302
    db.session.expire_all()
    assert draft.source_text == corrected
    assert draft.body_for(BodyRole.COURT).id == court
    rows = preview(outline_page(client, draft))
    assert "一.2.(1) 退化林修复滞后" in rows and "一.1.(2) 森林防火宣传不到位" in rows
    assert last_audit().detail.startswith("totals-mismatch; read again: 5 items")


def test_a_text_with_no_problems_is_refused_and_nothing_changes(client, draft):
    url = f"/admin/notices/{draft.id}/source"
    seen = version(client.get(url).get_data(as_text=True))
    response = client.post(
        url, data={"version": seen, "text": "这是一段没有编号问题的文字。", "action": "apply"}
    )
    assert response.status_code == 400
    assert "未在这段文字中找到问题" in flashed(response)
    db.session.expire_all()
    assert draft.source_text == sample("totals-mismatch")
    assert preview(outline_page(client, draft)) == IMPORTED


# A contact made a body ----------------------------------------------------------------------


def _seed_bodies() -> dict[BodyRole, Body]:
    seed = db.session.scalars(select(Notice).where(Notice.slug == SEED_SLUG)).one()
    return {role: seed.body_for(role) for role in BodyRole}


def _choose_bodies(client, notice: Notice, bodies: dict[BodyRole, Body]) -> None:
    from test_notice_admin import edit_data

    chosen = {f"body_{role.value}": str(body.id) for role, body in bodies.items()}
    assert (
        client.post(f"/admin/notices/{notice.id}", data=edit_data(notice, **chosen)).status_code
        == 302
    )
    db.session.expire_all()


def _publish(client, notice: Notice) -> TestResponse:
    from test_notice_admin import edit_data

    db.session.expire_all()
    return client.post(f"/admin/notices/{notice.id}", data=edit_data(notice, action="publish"))


def test_a_contact_no_body_has_becomes_a_new_body_in_its_role(client, draft):
    _choose_bodies(client, draft, _seed_bodies())  # the notice's own contacts are left unused
    page = client.get(f"/admin/notices/{draft.id}").get_data(as_text=True)
    assert "通报中尚未成为受理机关的联系方式" in page
    index = next(
        i
        for i, name in re.findall(r'id="contact-(\d+)">.*?<strong>([^<]+)</strong>', page, re.S)
        if "纪检监察组" in name
    )
    seen = version(page[page.index(f'id="contact-{index}"') :])
    response = client.post(
        f"/admin/notices/{draft.id}/contacts/{index}",
        data={
            f"contact{index}-version": seen,
            f"contact{index}-role": "discipline",
            f"contact{index}-name": "县纪委监委派驻第四纪检监察组",
            f"contact{index}-short_name": "第四纪检监察组",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    body = draft.body_for(BodyRole.DISCIPLINE)
    assert (body.name, body.short_name, body.phone) == (
        "县纪委监委派驻第四纪检监察组",
        "第四纪检监察组",
        "0717-5822415",
    )
    assert body.slug == "totals-mismatch-discipline"
    assert "new body totals-mismatch-discipline" in last_audit().detail
    after = client.get(f"/admin/notices/{draft.id}").get_data(as_text=True)
    assert "<strong>县纪委监委派驻第四纪检监察组</strong>" not in after


def test_the_inspected_units_contact_cannot_become_its_discipline_group(client, draft):
    _choose_bodies(client, draft, _seed_bodies())
    page = client.get(f"/admin/notices/{draft.id}").get_data(as_text=True)
    index = next(
        i
        for i, name in re.findall(r'id="contact-(\d+)">.*?<strong>([^<]+)</strong>', page, re.S)
        if name == "县林业局"
    )
    seen = version(page[page.index(f'id="contact-{index}"') :])
    bodies = db.session.scalars(select(Body.id)).all()
    response = client.post(
        f"/admin/notices/{draft.id}/contacts/{index}",
        data={
            f"contact{index}-version": seen,
            f"contact{index}-role": "discipline",
            f"contact{index}-name": "县林业局",
            f"contact{index}-short_name": "",
        },
    )
    assert response.status_code == 400
    assert "县林业局 看来就是被巡察单位本身，不能担任纪检监察组" in flashed(response)
    db.session.expire_all()
    assert db.session.scalars(select(Body.id)).all() == bodies
    assert draft.body_for(BodyRole.DISCIPLINE).slug == "discipline"


# From edits to the public page ----------------------------------------------------------------


def test_the_edited_tree_is_what_citizens_read_once_published(client, draft):
    assert step(client, draft, 7, "delete").status_code == 302
    assert step(client, draft, 3, "up").status_code == 302
    assert client.get(f"/n/{draft.slug}/").status_code == 404  # nothing public before publishing
    assert _publish(client, draft).status_code == 302
    public = client.get(f"/n/{draft.slug}/").get_data(as_text=True)
    shown = re.findall(
        r'<article class="item" id="item-\d+">\s*<h[34] lang="zh-CN"><span class="code">([^<]+)'
        r"</span>([^<]+)</h[34]>",
        public,
    )
    assert [f"{code} {title.strip()}" for code, title in shown] == [
        "一.1.(1) 森林防火宣传不到位",
        "一.1.(2) 村级林长巡林记录不全",
        "一.2 生态保护修复推进缓慢",
        "二.1.(1) 部分项目资金拨付不及时",
    ]
