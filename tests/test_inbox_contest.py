"""A review (复查) in the reviewing body's inbox, linked to the decision it reviews; a follow-up
question (追问) waiting for an answer; the administrator's choice of reviewers per notice."""

from conftest import body, login, new_case
from page_forms import form_on
from sqlalchemy import select

from feedback.cases import operations
from feedback.extensions import db
from feedback.models import AuditAction, AuditEntry, BodyRole, Case, EventKind, Kind, Notice
from feedback.notices.loader import SEED_SLUG

REASONS = "不予受理的理由与事实不符，请求复查。"


def declined_and_reviewed(staff, **options) -> tuple[Case, Case]:
    case, _code = new_case(**options)
    operations.decline(db.session, case, staff[case.body.slug], "不属于受理范围。")
    review = operations.request_review(db.session, case, REASONS)
    db.session.commit()
    return case, review


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_review_is_in_the_reviewing_body_inbox_only_linked_to_the_decision(client, staff):
    case, review = declined_and_reviewed(staff)
    for slug in ("court", "discipline"):
        login(client, staff[slug])
        assert review.reference not in page(client, "/inbox/")
        assert client.get(f"/inbox/cases/{review.id}").status_code == 404
        client.post("/staff/logout")
    login(client, staff["inspection"])
    listed = page(client, "/inbox/")
    row = listed[listed.index(review.reference) :].split("</tr>")[0]
    assert '<span class="badge review">复查</span>' in row  # told apart from a first message
    shown = page(client, f"/inbox/cases/{review.id}")
    assert f'复查原件 <a href="#original"><span class="code">{case.reference}</span></a>' in shown
    assert 'id="original"' in shown and case.content in shown and "不属于受理范围。" in shown
    assert REASONS in shown
    # Reading the decision through the review is written to the log, as a view of that case.
    views = db.session.execute(
        select(AuditEntry).where(
            AuditEntry.action == AuditAction.CASE_VIEWED, AuditEntry.case_id == case.id
        )
    ).scalars()
    assert [v.detail for v in views] == [review.reference]


def test_the_original_shows_its_review_to_the_body_that_decided(client, staff):
    case, review = declined_and_reviewed(staff)
    login(client, staff["court"])
    shown = page(client, f"/inbox/cases/{case.id}")
    assert "群众已申请复查：" in shown and review.reference in shown and "县委巡察办" in shown
    assert REASONS not in shown  # the reasons are the reviewing body's to read
    assert f"/inbox/cases/{review.id}" not in shown


def test_a_review_is_never_transferred_back_to_the_body_that_decided(client, staff):
    _case, review = declined_and_reviewed(staff)
    assert not operations.may_hold(review, body("court"))
    assert operations.may_hold(review, body("discipline"))
    login(client, staff["inspection"])
    form = form_on(page(client, f"/inbox/cases/{review.id}"), f"/inbox/cases/{review.id}/transfer")
    assert f'"transfer-to_body", "{body("court").id}"' not in str(form.values)


def test_a_report_declined_by_the_discipline_group_is_reviewed_by_the_inspection_office(staff):
    _case, review = declined_and_reviewed(staff, kind=Kind.REPORT, chosen="discipline")
    assert review.body == body("inspection") and review.kind is Kind.REPORT


def test_a_follow_up_question_waits_in_the_inbox_until_answered_once(client, staff):
    case, _code = new_case()
    court = staff["court"]
    operations.accept(db.session, case, court)
    operations.close(db.session, case, court, "已整改。")
    operations.ask_follow_up(db.session, case, "具体哪天整改的？")
    db.session.commit()
    login(client, court)
    inbox = page(client, "/inbox/")
    assert "待答复的追问" in inbox and f"/inbox/cases/{case.id}#answer" in inbox
    shown = page(client, f"/inbox/cases/{case.id}")
    assert "群众提出了追问" in shown and "具体哪天整改的？" in shown
    refused = client.post(f"/inbox/cases/{case.id}/answer", data={"answer-answer": ""})
    assert refused.status_code == 400 and case.answered_at is None
    answered = client.post(f"/inbox/cases/{case.id}/answer", data={"answer-answer": "11月3日。"})
    assert answered.status_code == 302
    db.session.refresh(case)
    assert case.answered_at is not None and case.events[-1].kind is EventKind.ANSWERED
    assert case.events[-1].public and case.events[-1].actor == court
    assert "待答复的追问" not in page(client, "/inbox/")
    again = client.post(f"/inbox/cases/{case.id}/answer", data={"answer-answer": "再答一次。"})
    assert again.status_code == 409  # answered once: refused, nothing stored
    assert [e.kind for e in case.events].count(EventKind.ANSWERED) == 1
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.detail == "answer", AuditEntry.case_id == case.id)
    ).scalar_one()
    assert entry.actor == court


def test_the_administrator_sets_who_reviews_and_a_review_of_reports_never_goes_to_the_unit(
    client, staff
):
    notice = db.session.execute(select(Notice).where(Notice.slug == SEED_SLUG)).scalar_one()
    login(client, staff["admin"])
    path = f"/admin/notices/{notice.id}"
    form = form_on(page(client, path), path)
    refused = client.post(path, data=form.data({"reviewer_discipline": "court"}))
    assert refused.status_code == 400
    assert "检举控告的复查申请一律不交被巡察单位" in refused.get_data(as_text=True)
    db.session.refresh(notice)
    assert notice.chosen_reviewers == {}

    saved = client.post(path, data=form.data({"reviewer_court": "discipline"}))
    assert saved.status_code == 302
    db.session.refresh(notice)
    assert notice.chosen_reviewers == {BodyRole.COURT.value: BodyRole.DISCIPLINE.value}
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == AuditAction.NOTICE_CHANGED)
    ).scalar_one()
    assert "review court: inspection → discipline" in entry.detail

    _case, review = declined_and_reviewed(staff)
    assert review.body == body("discipline")
