"""Storing a notice: one import path, bodies per notice, drafts, and edits that keep cases' items."""

from datetime import timedelta

import pytest
from conftest import body, new_case
from notice_helpers import import_sample, sample
from sqlalchemy import func, select

from feedback.cases import exports, months, operations
from feedback.extensions import db
from feedback.models import Body, BodyRole, Case, Item, ItemStatus, Kind, Notice
from feedback.notices import editing, window
from feedback.notices.documents import decode
from feedback.notices.errors import NoticeError
from feedback.notices.loader import SEED_SLUG, import_notice, load_seed, seed_text


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_seed_is_stored_through_the_import_path_with_its_three_bodies(app):
    notice = load_seed(db.session)
    assert notice.slug == SEED_SLUG and notice.published_at is not None
    assert {link.role: link.body.slug for link in notice.body_links} == {
        BodyRole.COURT: "court",
        BodyRole.DISCIPLINE: "discipline",
        BodyRole.INSPECTION: "inspection",
    }
    items = db.session.scalars(select(Item).where(Item.notice_id == notice.id)).all()
    assert len(items) == 30
    assert sum(i.status is ItemStatus.ONGOING for i in items) == 4
    assert notice.source_text == seed_text()


def test_a_new_unit_gets_new_bodies_and_shares_the_county_inspection_office(app):
    bodies_before = count(Body)
    notice = import_sample("totals-mismatch")
    court = notice.body_for(BodyRole.COURT)
    discipline = notice.body_for(BodyRole.DISCIPLINE)
    assert (court.slug, court.name, court.phone) == (
        "totals-mismatch-court",
        "县林业局",
        "0717-5231188",
    )
    assert discipline.name == "县纪委监委派驻第四纪检监察组"
    # 县委巡察办 is already a body: the notice uses it rather than making another.
    assert notice.body_for(BodyRole.INSPECTION).id == body("inspection").id
    assert count(Body) == bodies_before + 2


def test_existing_bodies_can_be_chosen_for_a_role(app):
    notice = import_sample("comma-aspects", bodies={BodyRole.DISCIPLINE: body("discipline")})
    assert notice.body_for(BodyRole.DISCIPLINE).slug == "discipline"
    assert notice.body_for(BodyRole.COURT).name == "中共渔洋关镇委员会"


def test_a_slug_is_made_when_none_is_given_and_a_taken_one_is_refused(app):
    text = sample("comma-aspects")
    first = import_notice(db.session, text, "中共渔洋关镇委员会").notice
    assert first.slug == f"notice-{window.today().year}-1"
    with pytest.raises(NoticeError) as refused:
        import_notice(db.session, text, "中共渔洋关镇委员会", slug=first.slug)
    assert refused.value.field == "slug"
    with pytest.raises(NoticeError) as malformed:
        import_notice(db.session, text, "中共渔洋关镇委员会", slug="Bad Slug")
    assert malformed.value.field == "slug"


@pytest.mark.parametrize(
    ("text", "field"),
    [("", "text"), ("   \n  ", "text"), ("这不是一份通报。", "text")],
)
def test_empty_text_or_text_without_problems_stores_nothing(app, text, field):
    notices = count(Notice)
    with pytest.raises(NoticeError) as refused:
        import_notice(db.session, text, "某单位")
    assert refused.value.field == field
    db.session.rollback()
    assert count(Notice) == notices


def test_a_window_that_closes_before_it_opens_is_refused(app):
    today = window.today()
    with pytest.raises(NoticeError) as refused:
        import_notice(
            db.session,
            sample("comma-aspects"),
            "中共渔洋关镇委员会",
            opens_on=today,
            closes_on=today - timedelta(days=1),
        )
    assert refused.value.field == "closes_on"


def test_files_are_read_as_utf8_or_gb18030():
    text = sample("comma-aspects")
    assert decode(text.encode("utf-8")) == text
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert decode(text.encode("gb18030")) == text
    with pytest.raises(NoticeError):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_a_draft_cannot_be_published_without_a_body_for_each_role(app):
    text = sample("comma-aspects").split("欢迎广大干部群众")[0]  # no closing paragraph
    with pytest.raises(NoticeError) as refused:
        import_notice(db.session, text, "中共渔洋关镇委员会", slug="no-bodies")
    assert refused.value.field == "bodies"
    draft = import_notice(db.session, text, "中共渔洋关镇委员会", publish=False).notice
    with pytest.raises(NoticeError):
        editing.publish(db.session, draft)
    editing.set_bodies(db.session, draft, {role: body(role.value) for role in BodyRole})
    editing.publish(db.session, draft)
    assert draft.published_at is not None


def test_discarding_a_draft_removes_the_bodies_made_for_it_alone(app):
    bodies_before = count(Body)
    draft = import_sample("totals-mismatch", publish=False)
    assert count(Body) == bodies_before + 2
    editing.discard(db.session, draft)
    db.session.commit()
    assert count(Body) == bodies_before
    assert body("inspection")  # the shared inspection office stays
    published = import_sample("comma-aspects")
    with pytest.raises(NoticeError):
        editing.discard(db.session, published)


def test_replacing_a_body_made_for_the_notice_removes_it_if_unused(app):
    notice = import_sample("totals-mismatch", publish=False)
    made = notice.body_for(BodyRole.DISCIPLINE)
    made_id = made.id
    editing.set_bodies(db.session, notice, {BodyRole.DISCIPLINE: body("discipline")})
    db.session.commit()
    assert db.session.get(Body, made_id) is None
    assert notice.body_for(BodyRole.DISCIPLINE).slug == "discipline"


def test_editing_a_published_notice_keeps_the_item_a_case_refers_to(app):
    case, _ = new_case(item_code="二.4.(1)")
    item_id = case.item_id
    items_before = count(Item)
    item = db.session.get(Item, item_id)
    item.title = "主题党日活动记录造假"
    item.rectification = "已重新组织主题党日活动并如实记录。"
    editing.set_status(item, ItemStatus.ONGOING)
    db.session.commit()
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.item_id == item_id
    assert case.item.label == "二.4.(1) 主题党日活动记录造假"
    assert (case.item.status, case.item.status_by_hand) == (ItemStatus.ONGOING, True)
    assert count(Item) == items_before
    start, end = months.parse_month(months.month_of(case.received_at))
    row = next(exports.export_rows(None, start, end))
    assert (row.item_code, row.item_title) == ("二.4.(1)", "主题党日活动记录造假")


def test_a_citizens_choice_of_role_goes_to_that_notices_body(app):
    notice = import_sample("comma-aspects")
    item = next(i for a in notice.aspects for c in a.categories for i in c.items)
    case, _ = operations.submit(
        db.session,
        operations.Submission(
            kind=Kind.OPINION,
            chosen_body="court",
            item=item,
            subject="关于茶园建设",
            content="新建茶园实际面积与通报不符，请核实。",
            contact=None,
        ),
    )
    assert case.body.name == "中共渔洋关镇委员会" and case.notice_id == notice.id
    # A report never reaches the unit it may concern: it goes to this notice's discipline body.
    report, _ = operations.submit(
        db.session,
        operations.Submission(
            kind=Kind.REPORT,
            chosen_body="court",
            item=None,
            subject="检举某镇干部",
            content="某镇干部在项目验收中收受好处，请查处。",
            contact=None,
            notice=notice,
        ),
    )
    assert report.body.id == notice.body_for(BodyRole.DISCIPLINE).id
    assert not operations.may_hold(report, notice.body_for(BodyRole.COURT))
    # The seed's court is another unit: for this notice's report it has no role.
    assert operations.may_hold(report, body("court"))
