"""The public figures page of a notice (/n/<slug>/figures): counts per item and month, no text,
every count under 5 hidden together with whatever would give it back by subtraction."""

import re

from conftest import item, login, new_case
from hypothesis import given, settings
from hypothesis import strategies as st
from notice_helpers import import_sample
from public_helpers import send
from sqlalchemy import select

from feedback.cases import operations, public_figures, publication, suppression
from feedback.cases.operations import ContactDetails
from feedback.cases.public_figures import ALL_ITEMS, MEASURES, TOTAL
from feedback.extensions import db
from feedback.models import (
    AuditAction,
    AuditEntry,
    Case,
    EventKind,
    Kind,
    Notice,
    Rating,
)
from feedback.notices import catalog, window

SLUG = "wufeng-court-2020"
FIRST, SECOND = "一.1.(1)", "一.1.(2)"
HIDDEN = "少于5"


def recoverable(values, lines, hidden):
    """What a reader works out from the shown counts, line after line: a line with a single
    hidden member gives it back (its total minus its other cells, or the sum of its cells), and
    hidden cells that add up to the shown total minus the shown cells, 0, are each 0."""
    known = set(values) - hidden
    found = True
    while found:
        found = False
        for line in lines:
            unknown = [key for key in line.members if key not in known]
            rest = values[line.total] - sum(values[k] for k in line.cells if k in known)
            if len(unknown) == 1 or (unknown and line.total in known and rest == 0):
                known.update(unknown)
                found = bool(unknown)
    return known & hidden


def grid(rows: list[list[int]]):
    """A table of cells with its row totals, column totals and grand total, and its lines."""
    values = {}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            values[(r, c)] = value
    height, width = len(rows), len(rows[0])
    for r in range(height):
        values[(r, "T")] = sum(rows[r])
    for c in range(width):
        values[("T", c)] = sum(row[c] for row in rows)
    values[("T", "T")] = sum(map(sum, rows))
    lines = [
        suppression.Line([(r, c) for c in range(width)], (r, "T")) for r in [*range(height), "T"]
    ]
    lines += [
        suppression.Line([(r, c) for r in range(height)], ("T", c)) for c in [*range(width), "T"]
    ]
    return values, lines


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda width: st.lists(
            st.lists(st.integers(0, 12), min_size=width, max_size=width), min_size=1, max_size=6
        )
    )
)
def test_no_small_count_can_be_worked_out_from_the_totals(rows):
    values, lines = grid(rows)
    hidden = suppression.hidden_cells(values, lines)
    assert {key for key, value in values.items() if value < 5} <= hidden
    assert not recoverable(values, lines, hidden)


def test_a_lone_small_cell_takes_its_smallest_neighbours_with_it():
    values, lines = grid([[9, 2], [7, 8]])
    hidden = suppression.hidden_cells(values, lines)
    # Without more, 11 − 9 gives the 2 back: its row, its column and the crossing cell go too.
    assert hidden == {(0, 1), (0, 0), (1, 1), (1, 0)}
    assert not recoverable(values, lines, hidden)


def test_hidden_zeros_are_not_given_away_by_a_total():
    values, lines = grid([[7, 0, 0]])
    hidden = suppression.hidden_cells(values, lines)
    # 7 − 7 = 0 would say that both hidden cells are 0: the 7 is hidden too.
    assert (0, 0) in hidden
    assert not recoverable(values, lines, hidden)


def cells(html: str, row_id: str) -> list[str]:
    row = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert row is not None, row_id
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row[1])]


def test_the_page_counts_each_item_and_hides_small_counts(client, staff):
    for n in range(7):
        case, _ = new_case(item_code=FIRST, subject=f"第{n}件：窗口未开放")
        if n < 6:
            operations.accept(db.session, case, staff["court"])
            operations.close(db.session, case, staff["court"], "经核查已开放。")
        if n < 5:
            operations.rate(db.session, case, Rating.SATISFIED if n < 4 else Rating.UNSATISFIED, "")
        db.session.commit()
    for n in range(2):
        case, _ = new_case(item_code=SECOND, subject="另一项")
        if n == 0:
            operations.accept(db.session, case, staff["court"])
            operations.close(db.session, case, staff["court"], "已转告有关部门。")
            db.session.commit()
    new_case(kind=Kind.REPORT, chosen="discipline", item_code=FIRST, subject="检举某人")
    response = client.get(f"/n/{SLUG}/figures")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    first, second = item(FIRST).id, item(SECOND).id
    # Received, answered, closed, share satisfied: the report of misconduct is not counted.
    assert cells(html, f"figures-item-{first}") == ["7", "6", "6", "80%"]
    # Had the other item no closed case, its 0 and the total would give 6 away: hidden then.
    assert cells(html, f"figures-item-{second}") == [HIDDEN, HIDDEN, HIDDEN, "评价少于5份"]
    # No text of any case, no day: only months.
    assert "窗口未开放" not in html and "检举某人" not in html and "经核查" not in html
    assert "已转告" not in html
    assert not re.search(r"\d{4}-\d{2}-\d{2}", html)
    assert "少于5" in html and "公开数据" in html


def test_what_the_page_shows_gives_no_hidden_count_back(app, staff):
    """The figures of every item, month and total, as the page shows them, read as a reader
    would: each measure's rows, columns and grand total; nothing hidden can be worked out."""
    for n in range(9):
        new_case(item_code=FIRST if n < 7 else SECOND)
    published = catalog.current()
    notice = published.by_slug(SLUG)
    figures = public_figures.compute(db.session, notice, window.today())
    item_ids = [i.id for i in notice.items]
    for measure in MEASURES:
        values, shown = {}, set()
        for (item_id, month), row in figures.rows.items():
            value = getattr(row, measure)
            if value is not None:
                shown.add((item_id, month))
            values[(item_id, month)] = value if value is not None else -1
        lines = [
            suppression.Line([(i, m) for m in figures.months], (i, TOTAL))
            for i in [*item_ids, ALL_ITEMS]
        ] + [
            suppression.Line([(i, m) for i in item_ids], (ALL_ITEMS, m))
            for m in [*figures.months, TOTAL]
        ]
        hidden = set(values) - shown
        assert not recoverable(values, lines, hidden), measure
    assert figures.row(item(FIRST).id).received == 7
    assert figures.row(item(SECOND).id).received is None
    assert figures.row(ALL_ITEMS).received == 9


def test_a_month_shows_that_months_figures(client):
    for _ in range(5):
        new_case(item_code=FIRST)
    new_case(item_code=SECOND)  # else the other items' zeros would give the 5 back
    month = f"{window.today():%Y-%m}"
    html = client.get(f"/n/{SLUG}/figures?month={month}").get_data(as_text=True)
    assert f"{month} 各项目收到的反映" in html
    assert cells(html, f"figures-item-{item(FIRST).id}")[0] == "5"


def test_a_bad_month_gets_a_chinese_message(client):
    today = window.today()
    future = f"{today.year + 1}-01"
    for month, message in (
        ("2026-13", "月份应写作“年-月”，例如 2026-11。"),
        ("十一月", "月份应写作“年-月”，例如 2026-11。"),
        (future, f"{future} 尚未到来，没有该月的数据。"),
        ("2001-01", "之前没有收到反映。"),
    ):
        response = client.get(f"/n/{SLUG}/figures", query_string={"month": month})
        assert response.status_code == 400, month
        html = response.get_data(as_text=True)
        assert message in html, month
        assert "各项目收到的反映（全部月份）" in html  # the totals are still there


def test_an_unpublished_or_unknown_notice_is_a_chinese_404(client):
    assert "页面不存在" in client.get("/n/no-such-notice/figures").get_data(as_text=True)
    import_sample("comma-aspects", publish=False)
    response = client.get("/n/comma-aspects/figures")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_home_notice_and_each_item_link_to_the_figures(client):
    figures = f"/n/{SLUG}/figures"
    assert f'href="{figures}"' in client.get("/").get_data(as_text=True)
    notice = client.get(f"/n/{SLUG}/").get_data(as_text=True)
    assert f'href="{figures}"' in notice
    assert notice.count(f'href="{figures}#figures-item-') == 30


def test_a_new_case_shows_once_the_cached_figures_expire(client, monkeypatch):
    for _ in range(5):
        new_case(item_code=FIRST)
    new_case(item_code=SECOND)
    row = f"figures-item-{item(FIRST).id}"
    assert cells(client.get(f"/n/{SLUG}/figures").get_data(as_text=True), row)[0] == "5"
    new_case(item_code=FIRST)
    # Kept for CACHE_MINUTES: the same figures meanwhile, on this worker.
    assert cells(client.get(f"/n/{SLUG}/figures").get_data(as_text=True), row)[0] == "5"
    later = public_figures.time.monotonic() + public_figures.CACHE_MINUTES * 60 + 1
    monkeypatch.setattr(public_figures.time, "monotonic", lambda: later)
    assert cells(client.get(f"/n/{SLUG}/figures").get_data(as_text=True), row)[0] == "6"


def test_an_edit_of_the_notice_shows_at_once(client):
    client.get(f"/n/{SLUG}/figures")
    notice = db.session.execute(select(Notice).where(Notice.slug == SLUG)).scalar_one()
    notice.title = "五峰县法院关于巡察整改情况的通报（修订）"  # a new catalog stamp
    db.session.commit()
    assert notice.title in client.get(f"/n/{SLUG}/figures").get_data(as_text=True)


def test_the_answers_per_item_are_on_the_page(client):
    first, second = item(FIRST).id, item(SECOND).id
    for item_id, verdict in [(first, "untrue")] * 6 + [(first, "true"), (second, "untrue")]:
        other = client.application.test_client()  # each a browser of its own
        other.post(f"/items/{item_id}/answer", data={"verdict": verdict})
    html = client.get(f"/n/{SLUG}/figures").get_data(as_text=True)
    table = re.search(r'<table class="figures" id="answers">(.*?)</table>', html, re.S)[1]
    row = re.search(
        r"<tr>\s*<th scope=\"row\" lang=\"zh-CN\"><span class=\"code\">一.1.\(1\)</span></th>(.*?)</tr>",
        table,
        re.S,
    )
    assert [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row[1])] == [
        HIDDEN,
        "6",
        HIDDEN,
        "7",
    ]


# 公开答复: a reply published as the citizen allowed, names and contacts removed ---------------


def test_mask_removes_phone_numbers_e_mail_id_numbers_and_the_name():
    text = (
        "张三同志：请致电 139-1234-5678 或 0717-5193251，或发邮件至 zhang.san@example.com；"
        "身份证号 42052919800101123X 与 420529800101123 已核对。张三反映的窗口已开放。"
    )
    masked = publication.mask(text, ["张三"])
    for gone in ("张三", "139", "5193251", "zhang.san", "42052919800101123X", "420529800101123"):
        assert gone not in masked
    assert masked.startswith("＊＊＊同志：请致电 ＊＊＊ 或 ＊＊＊，或发邮件至 ＊＊＊；")
    assert "窗口已开放" in masked
    # Dates and small numbers in a reply stay.
    assert publication.mask("已于2026年11月20日整改，共3处。") == "已于2026年11月20日整改，共3处。"


def test_the_citizen_allows_publishing_with_a_box_that_is_off_by_default(client):
    form = client.get("/submit").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="allow_publishing"[^>]*>', form)[0]
    assert "checked" not in box
    assert "答复可以在通报的公开数据页上公开" in form
    send(client, item=str(item(FIRST).id))
    for subject, kind, body in (("另一件", "opinion", "court"), ("检举", "report", "discipline")):
        content = f"{subject}：通报说已设便民窗口，但我本周两次去都没有开放。"
        send(client, kind=kind, body=body, subject=subject, content=content, allow_publishing="y")
    cases = db.session.execute(select(Case.subject, Case.publish_allowed).order_by(Case.id)).all()
    allowed = {subject: flag for subject, flag in cases}
    assert allowed["另一件"] is True
    assert allowed["检举"] is False  # a report of misconduct is never published
    assert list(allowed.values()).count(True) == 1


def replied_case(staff, allowed: bool = True) -> Case:
    contact = ContactDetails(name="王小明", phone="13912345678", email="")
    case, _ = new_case(item_code=FIRST, contact=contact, subject="窗口")
    case.publish_allowed = allowed
    operations.accept(db.session, case, staff["court"])
    reply = "王小明您好：便民窗口已于11月起每日开放，如有问题请拨打13912345678。"
    operations.close(db.session, case, staff["court"], reply)
    db.session.commit()
    return case


def test_staff_confirm_the_masked_reply_and_the_public_page_shows_it(client, staff):
    case = replied_case(staff)
    login(client, staff["court"])
    page = client.get(f"/inbox/cases/{case.id}").get_data(as_text=True)
    draft = re.search(r'<textarea[^>]*id="publish-text"[^>]*>\s*([^<]*)</textarea>', page)[1]
    assert draft == "＊＊＊您好：便民窗口已于11月起每日开放，如有问题请拨打＊＊＊。"
    # Staff shorten it, and type a number back in by mistake: it is removed again.
    confirmed = "您好：便民窗口已于11月起每日开放。详询 0717-5193251。"
    response = client.post(f"/inbox/cases/{case.id}/publish", data={"publish-text": confirmed})
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.published_reply == "您好：便民窗口已于11月起每日开放。详询 ＊＊＊。"
    assert case.events[-1].kind is EventKind.PUBLISHED
    entry = db.session.execute(select(AuditEntry).order_by(AuditEntry.id.desc())).scalars().first()
    assert entry.action is AuditAction.CASE_STEP and entry.detail == "publish"
    assert entry.case_reference == case.reference
    html = client.get(f"/n/{SLUG}/figures").get_data(as_text=True)
    assert "您好：便民窗口已于11月起每日开放。详询 ＊＊＊。" in html
    assert "王小明" not in html and "13912345678" not in html and "5193251" not in html
    month = f"{window.today():%Y-%m}"
    assert re.search(rf"一\.1\.\(1\)</span> · {month}</p>", html)


def test_a_reply_the_citizen_did_not_allow_is_never_published(client, staff):
    case = replied_case(staff, allowed=False)
    login(client, staff["court"])
    assert 'id="publish"' not in client.get(f"/inbox/cases/{case.id}").get_data(as_text=True)
    response = client.post(f"/inbox/cases/{case.id}/publish", data={"publish-text": "已整改。"})
    assert response.status_code == 409
    assert "群众未同意公开此答复" in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.published_reply is None
    assert "已整改。" not in client.get(f"/n/{SLUG}/figures").get_data(as_text=True)


def test_another_body_cannot_publish_the_reply(client, staff):
    case = replied_case(staff)
    login(client, staff["inspection"])
    response = client.post(f"/inbox/cases/{case.id}/publish", data={"publish-text": "已整改。"})
    assert response.status_code == 404
    db.session.refresh(case)
    assert case.published_reply is None
