"""The seed notice becomes the catalog: 3 aspects, 11 categories, 30 items, and the three bodies."""

from sqlalchemy import func, select

from feedback.extensions import db
from feedback.models import Aspect, Body, Category, Item
from feedback.notices.loader import load_seed, seed_text
from feedback.notices.parser import parse


def test_the_seed_notice_parses_into_the_tree_it_states():
    notice = parse(seed_text())
    assert [a.number for a in notice.aspects] == ["一", "二", "三"]
    assert sum(len(a.categories) for a in notice.aspects) == 11
    assert len(notice.items) == 30
    assert notice.aspects[1].title == "在贯彻落实全面从严治党战略部署方面"


def test_items_carry_codes_titles_and_their_rectification_text():
    items = {item.code: item for item in parse(seed_text()).items}
    assert items["二.4.(1)"].title == "主题党日活动记录存在造假现象"
    assert items["二.4.(1)"].rectification.startswith("对主题党日活动记录存在造假问题进一步核实后")
    # A category with no sub-items is itself an item, with its own rectification text.
    assert items["二.3"].title == "督察反馈问题整改不到位"
    assert items["二.3"].rectification.startswith("一是督察反馈问题已经整改到位")
    assert items["三.3.(2)"].rectification.startswith("进一步明确党费缴纳要求")
    assert all(item.rectification for item in items.values())


def test_the_preamble_and_closing_sections_are_not_problems():
    titles = {item.title for item in parse(seed_text()).items}
    assert not titles & {"统一思想认识,加强组织领导", "持续强化整改", "加强建章立制"}


def test_the_closing_paragraph_gives_each_body_its_contacts():
    contacts = {c.name: c for c in parse(seed_text()).contacts}
    court = contacts["五峰土家族自治县人民法院"]
    assert (court.phone, court.postcode) == ("0717-5193251", "443413")
    assert court.address == "五峰土家族自治县渔洋关镇幸福大道46号"
    assert contacts["县委巡察办"].phone == "0717-5755079"
    assert contacts["县纪委监委派出第五纪检监察组"].phone == "0717-5822179"


def test_loading_the_seed_twice_duplicates_nothing(app):
    load_seed(db.session)
    db.session.commit()
    counts = [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Body, Aspect, Category, Item)
    ]
    assert counts == [3, 3, 11, 30]
    slugs = db.session.scalars(select(Body.slug).order_by(Body.id)).all()
    assert slugs == ["court", "discipline", "inspection"]
