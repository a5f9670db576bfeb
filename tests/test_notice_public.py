"""Several notices at once, each with its own page, form, receiving bodies and feedback window."""

import re
from datetime import timedelta

from conftest import BODIES, PASSWORD, body, case_count, login
from notice_helpers import import_sample
from public_helpers import receipt, valid_form
from sqlalchemy import event, select

from feedback.extensions import db
from feedback.models import Body, BodyRole, Case, Role, User
from feedback.notices import window
from feedback.notices.loader import import_notice
from feedback.staff import accounts


def first_item(notice):
    return notice.aspects[0].categories[0].items[0]


def test_the_home_page_lists_every_open_notice_and_no_closed_one(client):
    today = window.today()
    town = import_sample("comma-aspects", closes_on=today + timedelta(days=30))
    import_sample("totals-mismatch", closes_on=today - timedelta(days=1))
    import_sample("guanyu-measures", publish=False)
    html = client.get("/").get_data(as_text=True)
    assert "中共五峰土家族自治县人民法院党组关于巡察整改情况的通报" in html
    assert f'href="/n/{town.slug}/"' in html and town.title in html
    assert f"征求意见截止：{(today + timedelta(days=30)).isoformat()}" in html
    assert "林业局" not in html  # its window has closed
    assert "人民医院" not in html  # a draft is not public
    assert '<section class="aspect"' not in html  # several notices: a list, each on its page


def test_the_home_page_stays_a_few_queries_with_several_notices_then_reads_only_the_stamp(client):
    for name in ("comma-aspects", "guanyu-measures", "paren-aspects-circled-items"):
        import_sample(name)
    statements: list[str] = []

    def count(_connection, _cursor, statement, *args):
        if not statement.startswith(("BEGIN", "SELECT 1")):  # SQLite's BEGIN, the pool's ping
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert "关于" in client.get("/").get_data(as_text=True)
        first = len(statements)
        statements.clear()
        again = client.get("/")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # The stamp, the notices with their bodies, their aspects, categories and items.
    assert first == 5
    # The catalog is kept: the next page reads only whether it changed.
    assert again.status_code == 200 and len(statements) == 1
    assert "catalog_stamps" in statements[0]


def test_a_notice_page_shows_its_items_statuses_and_its_bodies_contacts(client):
    notice = import_sample("comma-aspects")
    html = client.get(f"/n/{notice.slug}/").get_data(as_text=True)
    assert html.count('<article class="item"') == 10
    assert "村级后备干部储备不足" in html
    assert html.count('class="badge item-ongoing">持续推进</span>') == 2
    assert html.count('class="badge item-done">已完成</span>') == 8
    for name, phone in (
        ("中共渔洋关镇委员会", "0717-5561234"),
        ("县纪委监委信访室", "0717-5822100"),
        ("县委巡察办", "0717-5755079"),
    ):
        assert name in html
        assert f'<a href="tel:{phone.replace("-", "")}">{phone}</a>' in html
    assert "五峰土家族自治县渔洋关镇天池路8号" in html
    assert f'href="/n/{notice.slug}/submit"' in html
    item = first_item(notice)
    assert f'href="/submit?item={item.id}"' in html


def test_unknown_notices_and_drafts_have_no_page(client):
    draft = import_sample("guanyu-measures", publish=False)
    assert client.get("/n/no-such-notice/").status_code == 404
    assert client.get(f"/n/{draft.slug}/").status_code == 404
    assert client.get(f"/n/{draft.slug}/submit").status_code == 404
    html = client.get(f"/submit?item={first_item(draft).id}").get_data(as_text=True)
    assert "党委会研究党风廉政建设工作不够" not in html  # a draft's item is never offered


def test_a_notices_form_offers_its_own_bodies_and_items_and_delivers_to_its_unit(client):
    notice = import_sample("comma-aspects")
    form = client.get(f"/n/{notice.slug}/submit").get_data(as_text=True)
    assert f'<form method="post" action="/n/{notice.slug}/submit"' in form
    assert "中共渔洋关镇委员会" in form and "五峰土家族自治县人民法院" not in form
    assert "产业发展规划落实不到位" in form and "党组理论学习不够到位" not in form
    item = first_item(notice)
    response = client.post(f"/n/{notice.slug}/submit", data=valid_form(item=str(item.id)))
    reference, _ = receipt(response)
    case = db.session.query(Case).filter_by(reference=reference).one()
    assert case.body.name == "中共渔洋关镇委员会"
    assert (case.notice_id, case.item_id) == (notice.id, item.id)
    assert "0717-5561234" in response.get_data(as_text=True)


def test_submit_with_an_item_of_another_notice_opens_that_notices_form(client):
    notice = import_sample("paren-aspects-circled-items")
    item = first_item(notice)
    html = client.get(f"/submit?item={item.id}").get_data(as_text=True)
    assert f'<option selected value="{item.id}">一.1.① 部分河段巡河记录流于形式</option>' in html
    assert '<form method="post" action="/submit"' in html
    assert f'name="notice" value="{notice.slug}"' in html
    assert "长阳土家族自治县水利和湖泊局" in html
    # Without an item, the hidden notice field says which notice the message is about.
    response = client.post("/submit", data=valid_form(notice=notice.slug))
    reference, _ = receipt(response)
    case = db.session.query(Case).filter_by(reference=reference).one()
    assert case.body.name == "长阳土家族自治县水利和湖泊局"


def test_with_several_open_notices_the_bare_form_asks_which_notice(client):
    notice = import_sample("comma-aspects")
    html = client.get("/submit").get_data(as_text=True)
    assert "您要反映的是哪一份通报" in html
    assert f'href="/n/{notice.slug}/"' in html
    assert "<form" not in html


def test_outside_its_window_a_notices_form_gives_phone_numbers_and_stores_nothing(client):
    today = window.today()
    closed = import_sample(
        "comma-aspects", opens_on=today - timedelta(days=60), closes_on=today - timedelta(days=1)
    )
    for path in (f"/n/{closed.slug}/submit", f"/submit?item={first_item(closed).id}"):
        html = client.get(path).get_data(as_text=True)
        assert "征求意见期已于" in html and (today - timedelta(days=1)).isoformat() in html
        assert '<a href="tel:07175561234">0717-5561234</a>' in html
        assert "0717-5822100" in html and "0717-5755079" in html
        assert 'name="subject"' not in html
    refused = client.post(f"/n/{closed.slug}/submit", data=valid_form(confirm_routing="1"))
    assert refused.status_code == 403
    assert "没有发送，也没有保存" in refused.get_data(as_text=True)
    assert case_count() == 0
    page = client.get(f"/n/{closed.slug}/").get_data(as_text=True)
    assert "不在征求意见期内" in page and f'href="/n/{closed.slug}/submit"' not in page


def test_before_its_window_opens_the_form_says_when_it_will(client):
    opens = window.today() + timedelta(days=7)
    notice = import_sample("comma-aspects", opens_on=opens)
    html = client.get(f"/n/{notice.slug}/submit").get_data(as_text=True)
    assert f"征求意见期自 {opens.isoformat()} 开始" in html
    assert client.post(f"/n/{notice.slug}/submit", data=valid_form()).status_code == 403
    assert case_count() == 0


def test_a_report_about_a_new_unit_reaches_its_discipline_group_which_cannot_pass_it_back(client):
    notice = import_sample("totals-mismatch")
    discipline = notice.body_for(BodyRole.DISCIPLINE)
    court = notice.body_for(BodyRole.COURT)
    accounts.create(db.session, None, "linye-jijian", PASSWORD, Role.STAFF, discipline.slug)
    db.session.commit()
    response = client.post(
        f"/n/{notice.slug}/submit",
        data=valid_form(kind="report", body="court", confirm_routing="1"),
    )
    reference, _ = receipt(response)
    case = db.session.query(Case).filter_by(reference=reference).one()
    assert case.body_id == discipline.id
    assert "县纪委监委派驻第四纪检监察组" in response.get_data(as_text=True)
    login(client, db.session.query(User).filter_by(username="linye-jijian").one())
    page = client.get(f"/inbox/cases/{case.id}").get_data(as_text=True)
    transfer = re.search(r'<select[^>]*name="transfer-to_body".*?</select>', page, re.S)
    assert transfer is not None
    assert f'value="{court.id}"' not in transfer[0]
    assert "县林业局" in page  # the citizen chose the unit itself: shown as chosen


def test_a_notice_naming_no_office_gives_its_number_mailbox_and_12388_to_the_citizen(client):
    text = (
        "一、具体问题整改情况\n1.学习不深入\n整改情况：已完成。\n"
        "如有意见建议，请及时向我们反映。联系电话：0717-5550001、13900001111，"
        "电子邮箱：jtj@example.gov.cn。也可登录12388举报网站（www.12388.gov.cn）反映。"
    )
    notice = import_notice(
        db.session,
        text,
        "某某县交通运输局",
        slug="no-office",
        bodies={role: body(role.value) for role in (BodyRole.DISCIPLINE, BodyRole.INSPECTION)},
    ).notice
    db.session.commit()
    unit = notice.body_for(BodyRole.COURT)
    assert (unit.name, unit.phone, unit.email) == (
        "某某县交通运输局",
        "0717-5550001、13900001111",
        "jtj@example.gov.cn",
    )
    assert all("12388" not in b.phone for b in db.session.scalars(select(Body)))
    html = client.get("/n/no-office/").get_data(as_text=True)
    assert '<a href="tel:07175550001">0717-5550001</a>、<a href="tel:13900001111">' in html
    assert '<a href="mailto:jtj@example.gov.cn">jtj@example.gov.cn</a>' in html
    assert '通报中给出的其他监督渠道： <span lang="zh-CN">12388、www.12388.gov.cn</span>' in html


def test_a_body_without_an_english_name_is_marked_chinese_until_the_administrator_names_it(
    client, staff
):
    notice = import_sample("comma-aspects")
    made = next(link.body for link in notice.body_links if link.body.slug not in BODIES)
    client.set_cookie("lang", "en")
    html = client.get(f"/n/{notice.slug}/").get_data(as_text=True)
    assert f'<strong><span lang="zh-CN">{made.name}</span></strong>' in html

    login(client, staff["admin"])
    form = client.get(f"/admin/bodies/{made.id}").get_data(as_text=True)
    assert f'name="name_en" required type="text" value="{made.name}"' in form
    fields = {
        "name": made.name,
        "short_name": made.short_name,
        "name_en": "Yuyangguan Town Party Committee",
        "phone": made.phone,
        "address": made.address,
        "postcode": made.postcode,
        "email": made.email,
        "accept_days": "15",
        "close_days": "60",
        "max_extension_days": "30",
    }
    assert client.post(f"/admin/bodies/{made.id}", data=fields).status_code == 302
    html = client.get(f"/n/{notice.slug}/").get_data(as_text=True)
    assert "<strong>Yuyangguan Town Party Committee</strong>" in html
