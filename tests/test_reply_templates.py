"""Reply templates: a body's managers keep them, its staff start a reply or a reason from one.

Through the pages as a browser uses them, over HTTPS with CSRF on (test_forms_over_https.Site).
"""

import pytest
from conftest import body, new_case
from sqlalchemy import func, select
from test_forms_over_https import Site, deployed

from feedback.cases import operations
from feedback.extensions import db
from feedback.models import AuditAction, AuditEntry, ReplyTemplate, Status, TemplateUse
from feedback.staff import reply_templates

MARKUP_REFUSED = "模板只能是纯文本"


@pytest.fixture
def site(app_factory, tmp_path):
    with deployed(app_factory, tmp_path) as made:
        yield made


def template_of(site: Site, manager: str, use: TemplateUse, title: str, text: str) -> int:
    made = reply_templates.create(db.session, site.user(manager), use, title, text)
    db.session.commit()
    return made.id


def templates() -> list[tuple[str, str, str]]:
    rows = db.session.execute(
        select(ReplyTemplate.title, ReplyTemplate.use, ReplyTemplate.text).order_by(
            ReplyTemplate.id
        )
    )
    return [(title, str(use), text) for title, use, text in rows]


def audited(action: AuditAction) -> list[str]:
    entries = select(AuditEntry.detail).where(AuditEntry.action == action)
    return list(db.session.execute(entries).scalars())


def test_a_manager_keeps_the_bodys_templates_and_each_change_is_audited(site):
    browser = site.signed_in("court-manager")
    assert 'href="/inbox/templates"' in browser.page("/inbox/")
    browser.page("/inbox/templates")
    typed = {"use": "reply", "title": "已整改答复", "text": "您好：\n经核实，已按通报整改到位。"}
    page = browser.follow(browser.submit("/inbox/templates", typed)).text
    assert "模板“已整改答复”已保存。" in page and "经核实，已按通报整改到位。" in page
    assert templates() == [("已整改答复", "reply", "您好：\n经核实，已按通报整改到位。")]

    (made,) = reply_templates.of_body(db.session, body("court").id)
    browser.page(f"/inbox/templates/{made.id}")
    edited = {"use": "decline", "title": "不受理说明", "text": "不属于本机关职责范围。"}
    browser.follow(browser.submit(f"/inbox/templates/{made.id}", edited))
    assert templates() == [("不受理说明", "decline", "不属于本机关职责范围。")]

    page = browser.follow(browser.submit(f"/inbox/templates/{made.id}/delete")).text
    assert "模板“不受理说明”已删除。" in page and templates() == []
    assert audited(AuditAction.TEMPLATE_CREATED) == ["已整改答复"]
    assert audited(AuditAction.TEMPLATE_CHANGED) == ["不受理说明"]
    assert audited(AuditAction.TEMPLATE_DELETED) == ["不受理说明"]


@pytest.mark.parametrize(
    "title, text",
    [
        ("已整改答复", "<p>经核实，已整改到位。</p>"),
        ("已整改答复", "经核实<br>已整改到位。"),
        ("已整改答复", "经核实，已整改到位。<script>alert(1)</script>"),
        ("已整改答复", "经核实&nbsp;已整改到位。"),
        ("已整改答复", "经核实&#60;已整改到位。"),
        ("已整改答复", "经核实<!-- 内部 -->已整改到位。"),
        ("<b>已整改</b>", "经核实，已整改到位。"),
    ],
)
def test_a_template_with_markup_is_refused_in_chinese_and_nothing_is_stored(site, title, text):
    browser = site.signed_in("court-manager")
    browser.page("/inbox/templates")
    refused = browser.submit("/inbox/templates", {"use": "reply", "title": title, "text": text})
    assert refused.status_code == 400 and MARKUP_REFUSED in refused.text
    assert templates() == [] and audited(AuditAction.TEMPLATE_CREATED) == []


def test_an_edit_with_markup_changes_nothing(site):
    made = template_of(site, "court-manager", TemplateUse.REPLY, "答复", "经核实，已整改到位。")
    browser = site.signed_in("court-manager")
    browser.page(f"/inbox/templates/{made}")
    refused = browser.submit(f"/inbox/templates/{made}", {"text": "经核实，<i>已</i>整改到位。"})
    assert refused.status_code == 400 and MARKUP_REFUSED in refused.text
    assert templates() == [("答复", "reply", "经核实，已整改到位。")]
    assert audited(AuditAction.TEMPLATE_CHANGED) == []


def test_plain_text_with_angle_brackets_and_ampersands_is_kept_as_written(site):
    browser = site.signed_in("court-manager")
    browser.page("/inbox/templates")
    text = "依据《信访工作条例》，费用 < 100 元 & 期限 > 3 日的事项另行答复。"
    browser.follow(
        browser.submit("/inbox/templates", {"use": "reply", "title": "依据", "text": text})
    )
    assert templates() == [("依据", "reply", text)]


def test_a_reason_template_is_no_longer_than_the_reason_field_takes(site):
    browser = site.signed_in("court-manager")
    browser.page("/inbox/templates")
    typed = {"use": "decline", "title": "过长", "text": "理" * 1001}
    refused = browser.submit("/inbox/templates", typed)
    assert refused.status_code == 400 and "1000" in refused.text and templates() == []
    typed["use"] = "reply"  # a reply may be longer
    browser.follow(browser.submit("/inbox/templates", typed))
    assert templates() == [("过长", "reply", "理" * 1001)]


def test_a_title_the_body_uses_already_is_refused_but_another_body_may_use_it(site):
    template_of(site, "court-manager", TemplateUse.REPLY, "已整改答复", "经核实，已整改到位。")
    browser = site.signed_in("court-manager")
    browser.page("/inbox/templates")
    typed = {"use": "decline", "title": "已整改答复", "text": "另一段文字。"}
    refused = browser.submit("/inbox/templates", typed)
    assert refused.status_code == 400 and "已有名为“已整改答复”的模板" in refused.text
    other = site.signed_in("inspection-manager")
    other.page("/inbox/templates")
    other.follow(other.submit("/inbox/templates", typed))
    assert len(templates()) == 2


def test_staff_use_templates_but_do_not_manage_them(site):
    made = template_of(site, "court-manager", TemplateUse.REPLY, "答复", "经核实，已整改到位。")
    browser = site.signed_in("court-staff")
    assert 'href="/inbox/templates"' not in browser.page("/inbox/")
    assert browser.get("/inbox/templates").status_code == 403
    assert browser.get(f"/inbox/templates/{made}").status_code == 403


def test_another_bodys_manager_neither_sees_nor_changes_a_bodys_templates(site):
    made = template_of(site, "court-manager", TemplateUse.REPLY, "法院答复", "法院的答复文字。")
    browser = site.signed_in("inspection-manager")
    page = browser.page("/inbox/templates")
    assert "法院答复" not in page and "法院的答复文字。" not in page
    assert browser.get(f"/inbox/templates/{made}").status_code == 404
    # A form of its own page, sent to the court's template: as if there were none.
    browser.page("/inbox/templates")
    forged = browser.open("POST", f"/inbox/templates/{made}/delete", {}, data={})
    assert forged.status_code in (400, 404)
    assert templates() == [("法院答复", "reply", "法院的答复文字。")]


def test_staff_insert_a_reply_template_edit_it_and_close_the_case(site):
    template_of(site, "court-manager", TemplateUse.DECLINE, "不受理", "不属于本院受理范围。")
    made = template_of(site, "court-manager", TemplateUse.REPLY, "已整改", "经核实，已整改到位。")
    template_of(site, "inspection-manager", TemplateUse.REPLY, "巡察办答复", "巡察办的答复。")
    case, _code = new_case()
    operations.accept(db.session, case, site.user("court-staff"))
    db.session.commit()
    browser = site.signed_in("court-staff")
    page = browser.page(f"/inbox/cases/{case.id}")
    assert "已整改" in page  # offered for the reply
    assert "不受理" not in page and "巡察办答复" not in page  # not a reply's; not this body's

    chooser = f"/inbox/cases/{case.id}#close-template-choice"
    filled = browser.submit(chooser, {"close_template": str(made)})
    assert filled.status_code == 200
    assert "经核实，已整改到位。</textarea>" in filled.text
    assert case.status is Status.ACCEPTED  # inserting sends nothing

    text = "经核实，已整改到位。感谢您的监督。"
    action = f"/inbox/cases/{case.id}/close"
    shown = browser.submit(action, {"close-reply": text})
    assert "此操作无法撤销。" in shown.text and text in shown.text  # the edited text, to confirm
    done = browser.follow(browser.submit(action, button=("close-confirmed", "yes")))
    assert "已答复并办结。" in done.text
    db.session.refresh(case)
    assert case.status is Status.CLOSED and case.reply == text


def test_staff_insert_a_reason_template_when_not_accepting(site):
    made = template_of(site, "court-manager", TemplateUse.DECLINE, "不受理", "不属于本院受理范围。")
    case, _code = new_case()
    browser = site.signed_in("court-staff")
    browser.page(f"/inbox/cases/{case.id}")
    browser.submit(
        f"/inbox/cases/{case.id}#decline-template-choice", {"decline_template": str(made)}
    )
    action = f"/inbox/cases/{case.id}/decline"
    browser.submit(action)
    browser.follow(browser.submit(action, button=("decline-confirmed", "yes")))
    db.session.refresh(case)
    assert case.status is Status.DECLINED and case.reply == "不属于本院受理范围。"


@pytest.mark.parametrize("asked", ["other body", "wrong use", "", "abc", "9" * 30, "１"])
def test_a_template_that_is_not_the_bodys_for_that_form_is_not_inserted(site, asked):
    theirs = template_of(
        site, "inspection-manager", TemplateUse.DECLINE, "巡察办", "巡察办的理由。"
    )
    reply = template_of(site, "court-manager", TemplateUse.REPLY, "答复", "法院的答复。")
    value = {"other body": str(theirs), "wrong use": str(reply)}.get(asked, asked)
    case, _code = new_case()
    browser = site.signed_in("court-staff")
    response = browser.get(f"/inbox/cases/{case.id}?decline_template={value}")
    assert response.status_code == 400 and "本机关没有这个答复模板" in response.text
    assert "巡察办的理由。" not in response.text and "法院的答复。" not in response.text
    count = select(func.count()).select_from(ReplyTemplate)
    assert db.session.execute(count).scalar_one() == 2
