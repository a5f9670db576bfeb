"""Contesting an outcome from the tracking page: a review (复查) within 30 days, one follow-up
question (追问), and files with added information (补充材料).

Every citizen step goes through the real pages with CSRF protection on: the test opens the
tracking page as a browser does and posts the forms the page offers, tokens included.
"""

import io
from datetime import timedelta

import pytest
from conftest import body, new_case
from page_forms import form_on
from public_helpers import field_error
from security_helpers import jpeg_with_gps, pdf
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

from feedback.cases import contest, operations
from feedback.cases.operations import ContactDetails
from feedback.extensions import db
from feedback.models import (
    Attachment,
    BodyRole,
    Case,
    Event,
    EventKind,
    Kind,
    NoticeReviewer,
    Rating,
    Status,
    utcnow,
)

REASONS = "不予受理的理由与事实不符，我有照片为证，请求复查。"


@pytest.fixture
def app(app_factory, tmp_path):
    """The app with CSRF protection on, as browsers meet it; files kept under tmp_path."""
    app = app_factory(WTF_CSRF_ENABLED=True, ATTACHMENT_DIR=str(tmp_path / "attachments"))
    with app.app_context():
        yield app
        db.session.remove()


def case_page(client, reference: str, code: str) -> str:
    """Open the case as a citizen does: the tracking form, then its result."""
    form = form_on(client.get("/track").get_data(as_text=True), "/track")
    response = client.post("/track", data=form.data({"reference": reference, "code": code}))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def send_form(client, page: str, action: str, typed: dict[str, str], files=()) -> TestResponse:
    """Fill in and send the form of the page that goes to `action`, with files if any."""
    form = form_on(page, action)
    fields = MultiDict(form.data(typed))
    for data, name in files:
        fields.add("attachments", FileStorage(io.BytesIO(data), name))
    if form.enctype == "multipart/form-data":
        boundary, data = encode_multipart(fields)
        return client.post(
            action, data=data, content_type=f"multipart/form-data; boundary={boundary}"
        )
    return client.post(action, data=fields)


def declined(staff, **options) -> tuple[Case, str]:
    case, code = new_case(**options)
    operations.decline(db.session, case, staff[case.body.slug], "不属于本单位受理范围。")
    db.session.commit()
    return case, code


def closed(staff, **options) -> tuple[Case, str]:
    case, code = new_case(**options)
    holder = staff[case.body.slug]
    operations.accept(db.session, case, holder)
    operations.close(db.session, case, holder, "经核实，已整改到位。")
    db.session.commit()
    return case, code


def reviews() -> list[Case]:
    return list(db.session.execute(select(Case).where(Case.review_of_id.is_not(None))).scalars())


def html(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def test_a_declined_case_is_reviewed_by_the_inspection_office_and_followed_with_its_code(
    client, staff
):
    case, code = declined(staff, contact=ContactDetails("张三", "13812345678", ""))
    page = case_page(client, case.reference, code)
    assert "申请复查" in page and "县委巡察办" in page
    last_day = (contest.local_day(case.closed_at) + timedelta(days=30)).isoformat()
    assert last_day in page

    response = send_form(
        client, page, "/track/review", {"reasons": REASONS}, [(jpeg_with_gps(), "证据.jpg")]
    )
    assert response.status_code == 200
    assert "复查申请已收到" in html(response) and 'id="review"' in html(response)
    [review] = reviews()
    assert review.review_of_id == case.id and review.body == body("inspection")
    assert review.kind is case.kind and review.item_id == case.item_id
    assert review.status is Status.RECEIVED and review.content == REASONS
    assert review.reference != case.reference
    assert review.contact.name == "张三" and not review.anonymous
    assert [a.media_type for a in review.attachments] == ["image/jpeg"]
    assert EventKind.REVIEW_REQUESTED in [e.kind for e in case.events]

    # Followed with the first case's reference and code: the review's status and reference show.
    page = case_page(client, case.reference, code)
    assert review.reference in page and "待受理" in page and REASONS in page
    assert 'action="/track/review"' not in page  # asked for once only
    # The review is followed as a case is: its own status, days left and step bar.
    review_part = page[page.index('id="review"') :]
    assert 'id="review-status"' in review_part and "还剩 15 天" in review_part
    assert review_part.count('aria-current="step"') == 1

    # The review's reply reaches the same page.
    inspection = staff["inspection"]
    operations.accept(db.session, review, inspection)
    operations.close(db.session, review, inspection, "经复查，维持原处理意见。")
    db.session.commit()
    assert "经复查，维持原处理意见。" in case_page(client, case.reference, code)


def test_a_closing_rated_not_satisfied_can_be_reviewed_and_a_satisfied_one_cannot(client, staff):
    unhappy, code = closed(staff)
    page = case_page(client, unhappy.reference, code)
    assert 'action="/track/review"' not in page  # not before the rating
    rated = send_form(client, page, "/track/rate", {"rating": "unsatisfied"})
    assert 'action="/track/review"' in html(rated)
    response = send_form(client, html(rated), "/track/review", {"reasons": REASONS})
    assert response.status_code == 200 and len(reviews()) == 1

    happy, code = closed(staff)
    page = html(
        send_form(
            client, case_page(client, happy.reference, code), "/track/rate", {"rating": "satisfied"}
        )
    )
    assert 'action="/track/review"' not in page
    # A forged post, with the form of the unsatisfied case's page, is refused in Chinese.
    form = form_on(html(rated), "/track/review")
    refused = client.post(
        "/track/review",
        data=form.data({"reference": happy.reference, "code": code, "reasons": REASONS}),
    )
    assert refused.status_code == 409
    assert "评价为“不满意”" in html(refused)
    assert len(reviews()) == 1


def test_the_review_is_offered_for_30_days_only(client, staff):
    case, code = declined(staff)
    page = case_page(client, case.reference, code)
    decided = case.closed_at
    # Declined 30 days ago: still offered.
    db.session.execute(
        update(Case).where(Case.id == case.id).values(closed_at=decided - timedelta(days=30))
    )
    assert 'action="/track/review"' in case_page(client, case.reference, code)
    # 31 days ago: no form, a reason, and a post with the earlier page is refused.
    db.session.execute(
        update(Case).where(Case.id == case.id).values(closed_at=decided - timedelta(days=31))
    )
    late = case_page(client, case.reference, code)
    assert 'action="/track/review"' not in late and "30日内" in late
    refused = send_form(client, page, "/track/review", {"reasons": REASONS})
    assert refused.status_code == 409 and "30日内" in html(refused)
    assert reviews() == []


def test_no_review_before_a_decision(client, staff):
    case, code = new_case()
    other, other_code = declined(staff)
    form = form_on(case_page(client, other.reference, other_code), "/track/review")
    assert 'action="/track/review"' not in case_page(client, case.reference, code)
    refused = client.post(
        "/track/review",
        data=form.data({"reference": case.reference, "code": code, "reasons": REASONS}),
    )
    assert refused.status_code == 409 and "不予受理" in html(refused)
    assert reviews() == []


def test_a_review_sent_twice_is_stored_once(client, staff):
    case, code = declined(staff)
    page = case_page(client, case.reference, code)
    first = send_form(client, page, "/track/review", {"reasons": REASONS})
    again = send_form(client, page, "/track/review", {"reasons": REASONS})
    assert first.status_code == again.status_code == 200
    assert "复查申请此前已经收到，本次没有重复保存。" in html(again)
    other = send_form(client, page, "/track/review", {"reasons": "另一段理由，另一段理由。"})
    assert other.status_code == 409 and "已申请复查" in html(other)
    assert len(reviews()) == 1


def test_bad_reasons_and_files_are_explained_and_nothing_is_stored(client, staff, tmp_path):
    case, code = declined(staff)
    page = case_page(client, case.reference, code)
    empty = send_form(client, page, "/track/review", {"reasons": "  "})
    assert empty.status_code == 400
    assert field_error(html(empty), "reasons") == "请填写申请复查的理由。"
    text_file = send_form(
        client, page, "/track/review", {"reasons": REASONS}, [(b"just text", "note.txt")]
    )
    assert text_file.status_code == 400 and "note.txt" in html(text_file)
    assert "只能附加照片" in field_error(html(text_file), "attachments")
    four = [(pdf(), f"{n}.pdf") for n in range(4)]
    too_many = send_form(client, page, "/track/review", {"reasons": REASONS}, four)
    assert too_many.status_code == 400 and "最多只能附加 3 个文件" in html(too_many)
    assert reviews() == []
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert not list((tmp_path / "attachments").rglob("*.*"))


def test_a_report_is_never_reviewed_by_the_inspected_unit(client, staff):
    report, code = declined(staff, kind=Kind.REPORT, chosen="discipline")
    assert report.body == body("discipline")
    # Even if the data said the court reviews the discipline group (the setting refuses it).
    db.session.add(
        NoticeReviewer(notice=report.notice, role=BodyRole.DISCIPLINE, reviewer=BodyRole.COURT)
    )
    db.session.commit()
    page = case_page(client, report.reference, code)
    assert 'action="/track/review"' not in page
    other, other_code = declined(staff)
    form = form_on(case_page(client, other.reference, other_code), "/track/review")
    refused = client.post(
        "/track/review",
        data=form.data({"reference": report.reference, "code": code, "reasons": REASONS}),
    )
    assert refused.status_code == 409
    assert all(r.body != body("court") for r in reviews()) and report.review is None


def test_one_follow_up_question_after_the_reply_and_its_answer(client, staff):
    case, code = closed(staff)
    page = case_page(client, case.reference, code)
    asked = send_form(client, page, "/track/follow-up", {"question": "整改的具体时间是哪天？"})
    assert asked.status_code == 200 and "追问已发送" in html(asked)
    assert 'action="/track/follow-up"' not in html(asked)
    again = send_form(client, page, "/track/follow-up", {"question": "整改的具体时间是哪天？"})
    assert again.status_code == 200 and "没有重复保存" in html(again)
    other = send_form(client, page, "/track/follow-up", {"question": "还有一个问题。"})
    assert other.status_code == 409 and "已经追问过" in html(other)
    questions = [e for e in case.events if e.kind is EventKind.FOLLOW_UP]
    assert len(questions) == 1 and questions[0].public

    operations.answer_follow_up(db.session, case, staff["court"], "整改于11月3日完成。")
    db.session.commit()
    shown = case_page(client, case.reference, code)
    assert "整改的具体时间是哪天？" in shown and "整改于11月3日完成。" in shown


def test_a_follow_up_question_needs_a_reply_and_a_text(client, staff):
    case, code = new_case()
    assert 'action="/track/follow-up"' not in case_page(client, case.reference, code)
    done, done_code = closed(staff)
    page = case_page(client, done.reference, done_code)
    empty = send_form(client, page, "/track/follow-up", {"question": ""})
    assert empty.status_code == 400
    assert field_error(html(empty), "question") == "请填写您的问题。"
    form = form_on(page, "/track/follow-up")
    refused = client.post(
        "/track/follow-up",
        data=form.data({"reference": case.reference, "code": code, "question": "什么时候办？"}),
    )
    assert refused.status_code == 409 and "答复后" in html(refused)
    assert (
        db.session.scalar(
            select(func.count()).select_from(Event).where(Event.kind == EventKind.FOLLOW_UP)
        )
        == 0
    )


def test_information_added_with_files_as_the_form_takes_them(client, staff, tmp_path):
    case, code = new_case()
    page = case_page(client, case.reference, code)
    added = send_form(
        client,
        page,
        "/track/add",
        {"text": "补充一张现场照片。"},
        [(jpeg_with_gps(), "现场.jpg"), (pdf(), "材料.pdf")],
    )
    assert added.status_code == 200 and "补充材料已添加" in html(added)
    db.session.refresh(case)
    assert [(a.number, a.media_type) for a in case.attachments] == [
        (1, "image/jpeg"),
        (2, "application/pdf"),
    ]
    stored = b"".join(p.read_bytes() for p in (tmp_path / "attachments").rglob("*") if p.is_file())
    assert b"SECRET-CAMERA" not in stored  # the photo's hidden details are gone, as on the form

    refused = send_form(
        client, page, "/track/add", {"text": "再补充。"}, [(b"MZ\x90\x00", "tool.exe")]
    )
    assert refused.status_code == 400 and "tool.exe" in html(refused)
    db.session.refresh(case)
    assert len(case.attachments) == 2
    assert [e.kind for e in case.events].count(EventKind.SUPPLEMENT) == 1


def test_the_rating_event_starts_the_window_for_an_unsatisfied_rating(app, staff):
    case, _code = closed(staff)
    operations.rate(db.session, case, Rating.UNSATISFIED, "")
    db.session.commit()
    rated_at = next(e.at for e in case.events if e.kind is EventKind.RATED)
    assert contest.review_last_day(case) == contest.local_day(rated_at) + timedelta(days=30)
    assert contest.review_offer(case, utcnow()) is not None
    assert contest.review_offer(case, rated_at + timedelta(days=32)) is None
