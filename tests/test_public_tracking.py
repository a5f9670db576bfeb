"""Following a case: only the right reference and code open it, and only its public side shows."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import body, new_case, take_the_sqlite_write_lock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from public_helpers import CJK, field_error, send
from sqlalchemy import select

from feedback.cases import operations, progress, receipts, tracking
from feedback.extensions import db
from feedback.models import Event, EventKind, Rating

NOT_FOUND = "未查到相关件，请核对受理编号和查询码后重试。"


def track(client, reference, code):
    return client.post("/track", data={"reference": reference, "code": code})


def public_events(case_id: int) -> list[EventKind]:
    rows = db.session.execute(select(Event).where(Event.case_id == case_id).order_by(Event.id))
    return [e.kind for e in rows.scalars()]


def test_the_track_page_asks_for_reference_and_code_in_a_post_form(client):
    html = client.get("/track").get_data(as_text=True)
    assert '<form method="post" action="/track">' in html
    assert 'name="reference"' in html and 'name="code"' in html


def test_the_right_pair_shows_status_content_and_the_body_to_call(client):
    reference, code = send(client, subject="执行款迟迟未兑付", item="")
    response = track(client, reference, code)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert reference in html
    assert "执行款迟迟未兑付" in html
    assert "整改通报说已经整改到位" in html  # the content the citizen sent
    assert "五峰土家族自治县人民法院" in html and "0717-5193251" in html
    assert "待受理" in html  # received, awaiting acceptance
    assert "补充材料" in html  # the case is open: information can be added


def test_the_code_may_be_typed_in_lower_case_without_dashes(client):
    reference, code = send(client)
    html = track(client, f" {reference} ", code.lower().replace("-", " ")).get_data(as_text=True)
    assert "待受理" in html and NOT_FOUND not in html


def test_a_wrong_code_and_an_unknown_reference_look_exactly_the_same(client):
    reference, code = send(client)
    wrong_code = "0000-0000-0000-0000-0000"
    wrong = track(client, reference, wrong_code)
    unknown = track(client, "2020-01-999999", code)
    assert wrong.status_code == unknown.status_code == 200
    wrong_html = wrong.get_data(as_text=True).replace(reference, "REF").replace(wrong_code, "CODE")
    unknown_html = (
        unknown.get_data(as_text=True).replace("2020-01-999999", "REF").replace(code, "CODE")
    )
    assert wrong_html == unknown_html
    assert field_error(wrong_html, "code") == NOT_FOUND
    assert "待受理" not in wrong_html


def test_empty_fields_are_explained_beside_them(client):
    html = track(client, "", "").get_data(as_text=True)
    assert field_error(html, "reference") == "请填写回执上的受理编号。"
    assert field_error(html, "code") == "请填写回执上的查询码。"


def test_the_timeline_shows_only_public_events_and_the_reply_after_closing(app, client, staff):
    case, code = new_case()
    court = staff["court"]
    operations.add_note(db.session, case, court, "内部备注：此人多次来访，注意核实")
    operations.assign(db.session, case, court, court)
    operations.accept(db.session, case, court)
    operations.extend(db.session, case, court, 10, "需要调取三年前的档案")
    operations.close(db.session, case, court, "经核实，已督促相关部门整改到位。")
    db.session.commit()

    html = track(client, case.reference, code).get_data(as_text=True)
    assert "已办结" in html
    assert "经核实，已督促相关部门整改到位。" in html
    assert "需要调取三年前的档案" in html  # the reason for the extension is public
    assert "内部备注" not in html and "多次来访" not in html
    assert court.username not in html  # nor who it was assigned to
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S)[1]
    assert timeline.count("<li>") == 4  # received, accepted, extended, closed
    assert "评价办理结果" in html  # closed: the outcome can be rated
    assert 'action="/track/add"' not in html  # closed: no more information


def test_a_transfer_shows_the_new_body_and_why(client, staff):
    case, code = new_case()
    operations.transfer(
        db.session, case, staff["court"], body("inspection"), "涉及整改落实情况，由巡察办核查"
    )
    db.session.commit()
    html = track(client, case.reference, code).get_data(as_text=True)
    assert "已转县委巡察办办理。" in html
    assert "涉及整改落实情况，由巡察办核查" in html
    assert "0717-5755079" in html  # the body now holding it


def test_a_declined_case_shows_the_reason(client, staff):
    case, code = new_case()
    operations.decline(db.session, case, staff["court"], "反映内容不属于本院受理范围")
    db.session.commit()
    html = track(client, case.reference, code).get_data(as_text=True)
    assert "不予受理的理由" in html and "反映内容不属于本院受理范围" in html


def test_information_can_be_added_while_the_case_is_open_and_not_after(client, staff):
    case, code = new_case()
    added = client.post(
        "/track/add",
        data={"reference": case.reference, "code": code, "text": "补充：办事时间是5月3日上午。"},
    )
    html = added.get_data(as_text=True)
    assert added.status_code == 200
    assert "补充材料已添加到您的件中。" in html
    assert "补充：办事时间是5月3日上午。" in html
    assert public_events(case.id)[-1] is EventKind.SUPPLEMENT

    operations.accept(db.session, case, staff["court"])
    operations.close(db.session, case, staff["court"], "已答复。")
    db.session.commit()
    late = client.post(
        "/track/add", data={"reference": case.reference, "code": code, "text": "再补充一点"}
    )
    assert late.status_code == 409
    refusal = re.search(
        r'<p class="errorbox" role="alert">([^<]+)</p>', late.get_data(as_text=True)
    )
    assert refusal and "不能再补充材料" in refusal[1]
    assert public_events(case.id).count(EventKind.SUPPLEMENT) == 1


def test_adding_information_checks_the_pair_and_the_text(client):
    case, code = new_case()
    forged = client.post(
        "/track/add",
        data={"reference": case.reference, "code": "0000-0000-0000-0000-0000", "text": "伪造"},
    )
    assert NOT_FOUND in forged.get_data(as_text=True)
    empty = client.post(
        "/track/add", data={"reference": case.reference, "code": code, "text": "  "}
    )
    assert field_error(empty.get_data(as_text=True), "text") == "请填写要补充的内容。"
    nul = client.post(
        "/track/add", data={"reference": case.reference, "code": code, "text": "有\x00空"}
    )
    assert (
        field_error(nul.get_data(as_text=True), "text")
        == "文字中含有不可见的控制字符，请删除后重试。"
    )
    long = client.post(
        "/track/add", data={"reference": case.reference, "code": code, "text": "长" * 5001}
    )
    assert (
        field_error(long.get_data(as_text=True), "text") == "内容最多 5000 个字，现在有 5001 个字。"
    )
    assert public_events(case.id) == [EventKind.SUBMITTED]


def test_the_outcome_can_be_rated_once_after_closing(client, staff):
    case, code = new_case()
    early = client.post(
        "/track/rate", data={"reference": case.reference, "code": code, "rating": "satisfied"}
    )
    assert early.status_code == 409
    assert 'class="errorbox"' in early.get_data(as_text=True)
    assert case.rating is None

    operations.accept(db.session, case, staff["court"])
    operations.close(db.session, case, staff["court"], "已答复。")
    db.session.commit()
    forged = client.post(
        "/track/rate", data={"reference": case.reference, "code": code, "rating": "thrilled"}
    )
    assert field_error(forged.get_data(as_text=True), "rating") == "请选择满意程度。"

    rated = client.post(
        "/track/rate",
        data={
            "reference": case.reference,
            "code": code,
            "rating": "fairly_satisfied",
            "comment": "处理及时",
        },
    )
    html = rated.get_data(as_text=True)
    assert rated.status_code == 200
    assert "感谢您的评价，评价已记录。" in html
    assert "处理及时" in html
    assert 'action="/track/rate"' not in html
    db.session.refresh(case)
    assert case.rating is Rating.FAIRLY_SATISFIED

    again = client.post(
        "/track/rate", data={"reference": case.reference, "code": code, "rating": "unsatisfied"}
    )
    assert again.status_code == 409
    assert 'class="errorbox"' in again.get_data(as_text=True)
    db.session.refresh(case)
    assert case.rating is Rating.FAIRLY_SATISFIED
    assert public_events(case.id).count(EventKind.RATED) == 1


def test_the_code_travels_only_in_post_bodies(client):
    reference, code = send(client)
    html = track(client, reference, code).get_data(as_text=True)
    for action in re.findall(r'<form method="(\w+)" action="([^"]*)"', html):
        assert action[0] == "post" and code not in action[1]
    assert code not in "".join(re.findall(r'href="([^"]*)"', html))


def test_markup_in_the_case_is_shown_escaped_on_the_tracking_page(client):
    reference, code = send(client, subject="<script>alert(1)</script>")
    html = track(client, reference, code).get_data(as_text=True)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_case_page_is_in_english_with_the_cookie(client, staff):
    case, code = new_case(
        item_code=None, subject="Refund not paid", content="My court fee refund is still not paid."
    )
    operations.accept(db.session, case, staff["court"])
    operations.close(db.session, case, staff["court"], "The refund was paid on 3 May.")
    db.session.commit()
    client.set_cookie("lang", "en")
    html = track(client, case.reference, code).get_data(as_text=True)
    assert "Closed" in html and "Rate the outcome" in html
    assert "Wufeng Tujia Autonomous County People&#39;s Court" in html
    ui = html.replace('lang="zh-CN">中文</a>', "")
    assert not CJK.search(ui), CJK.findall(ui)


def test_looking_a_case_up_keeps_no_writer_waiting(client, database_url, monkeypatch):
    """On SQLite one writer at a time holds the database: a lookup must not be one of them."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL has no database-wide write lock")
    reference, code = send(client)
    public_view = tracking.public_view
    writers: list[str] = []

    def a_writer_meanwhile(case):  # runs while the case page is being made
        take_the_sqlite_write_lock(database_url)
        writers.append("went ahead")
        return public_view(case)

    monkeypatch.setattr(tracking, "public_view", a_writer_meanwhile)
    response = track(client, reference, code)

    assert response.status_code == 200 and reference in response.get_data(as_text=True)
    assert writers == ["went ahead"]


# Typing a reference or a code as citizens do --------------------------------------------------

# Between groups, or anywhere: what phones and habits put there (full-width forms included).
SEPARATORS = ["", "-", "—", "－", "‐", "–", "―", "_", "＿", "−", "一", "ー", " ", "　", "  "]
SHAPE_ERRORS = {
    "reference": "受理编号由年份、月份和编号组成，如 2026-11-000123，横线可以不输入。",
    "code": "查询码由 20 位字母和数字组成，如 7KQ2-M9XD-4TPB-H3WZ-8NCF，横线可以不输入。",
}
TYPED = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def full_width(c: str) -> str:
    return chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c


@st.composite
def as_typed(draw: st.DrawFn, text: str, look_alikes: dict[str, str] | None = None) -> str:
    """The text as a citizen may type it: each dash any separator or none, separators added
    anywhere, any symbol full-width or lower case, and (for codes) O for 0 and I or L for 1."""
    typed = [draw(st.sampled_from(["", " ", "　"]))]
    for c in text:
        if c == "-":
            typed.append(draw(st.sampled_from(SEPARATORS)))
            continue
        if look_alikes and c in look_alikes and draw(st.booleans()):
            c = draw(st.sampled_from(look_alikes[c]))
        c = c.lower() if draw(st.booleans()) else c
        typed.append(full_width(c) if draw(st.booleans()) else c)
        if draw(st.integers(0, 9)) == 0:
            typed.append(draw(st.sampled_from(SEPARATORS)))
    typed.append(draw(st.sampled_from(["", " ", "\u3000"])))
    return "".join(typed)


CODE_LOOK_ALIKES = {"0": "Oo", "1": "IiLl"}


def test_every_way_of_typing_a_valid_reference_and_code_finds_the_case(client):
    case, code = new_case(subject="路灯坏了半年没人修")

    @TYPED
    @given(
        reference=as_typed(case.reference),
        typed_code=as_typed(code, CODE_LOOK_ALIKES),
        path=st.sampled_from(["/track", "/track/add", "/track/receipt"]),
    )
    def check(reference, typed_code, path):
        data = {"reference": reference, "code": typed_code, "text": "补充：路灯在东门口。"}
        response = client.post(path, data=data)
        if path == "/track/receipt":
            assert response.mimetype == "application/pdf", (reference, typed_code)
            return
        html = response.get_data(as_text=True)
        assert "路灯坏了半年没人修" in html, (reference, typed_code)
        assert NOT_FOUND not in html and 'class="error"' not in html

    check()


def test_a_reference_typed_in_full_width_without_dashes_finds_the_case(client):
    case, code = new_case(subject="路灯坏了半年没人修")
    typed = "".join(full_width(c) for c in case.reference if c != "-")
    html = track(client, typed, code.replace("-", "—")).get_data(as_text=True)
    assert "路灯坏了半年没人修" in html
    # The forms on the case page carry the reference and code as stored, not as typed.
    assert f'name="reference" value="{case.reference}"' in html
    assert f'name="code" value="{code}"' in html


@st.composite
def malformed(draw: st.DrawFn, text: str, alphabet: str) -> str:
    """The text one symbol short, one too many, or with a symbol that cannot be in it."""
    symbols = [c for c in text if c != "-"]
    at = draw(st.integers(0, len(symbols) - 1))
    how = draw(st.sampled_from(["drop", "add", "replace"]))
    if how == "drop":
        del symbols[at]
    elif how == "add":
        symbols.insert(at, draw(st.sampled_from(alphabet)))
    else:
        symbols[at] = draw(st.sampled_from("UuＵ?*#.,/\\+=@!%"))
    return "".join(symbols)


def test_a_malformed_reference_or_code_is_explained_beside_it_and_finds_nothing(client):
    case, code = new_case(subject="路灯坏了半年没人修")

    @TYPED
    @given(
        field=st.sampled_from(["reference", "code"]),
        data=st.data(),
    )
    def check(field, data):
        pair = {"reference": case.reference, "code": code}
        if field == "reference":
            # One digit added is still a reference's shape (its number may grow): not malformed.
            typed = data.draw(malformed(case.reference, "ABCXYZ"))
        else:
            typed = data.draw(malformed(code, receipts.ALPHABET))
        response = track(client, **{**pair, field: typed})
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert field_error(html, field) == SHAPE_ERRORS[field], typed
        assert "路灯坏了半年没人修" not in html

    check()


def test_the_citizen_fields_bring_up_the_right_keyboard(client):
    track_page = client.get("/track").get_data(as_text=True)
    assert re.search(r'<input[^>]*inputmode="numeric"[^>]*name="reference"', track_page)
    code_input = re.search(r'<input[^>]*name="code"[^>]*>', track_page)[0]
    assert 'autocomplete="off"' in code_input and 'autocapitalize="characters"' in code_input
    case, code = new_case()
    pages = [client.get("/submit").get_data(as_text=True), track_page]
    pages.append(track(client, case.reference, code).get_data(as_text=True))
    typed_in = re.compile(r"<(?:input|textarea)\b[^>]*>")
    fields = [
        tag
        for page in pages
        for tag in typed_in.findall(page)
        if not re.search(r'type="(?:hidden|radio|checkbox|file|submit)"', tag)
        and 'name="website"' not in tag  # the honeypot, hidden from people
    ]
    assert len(fields) >= 8
    for tag in fields:
        assert "inputmode=" in tag, tag
    assert any('type="tel"' in t and 'inputmode="tel"' in t for t in fields)
    assert any('type="email"' in t and 'inputmode="email"' in t for t in fields)


# Following a case: the status, the step bar and the days left ---------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


def steps_of(html: str) -> list[tuple[str, str, bool]]:
    """The step bar as read: each step's name, what it says, and whether it is the current one."""
    bar = re.search(r'<ol class="steps">(.*?)</ol>', html, re.S)
    assert bar, html
    found = []
    for attributes, inner in re.findall(r"<li([^>]*)>(.*?)</li>", bar[1], re.S):
        words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inner)).strip()
        name, _, said = words.partition(" ")
        found.append((name, said, 'aria-current="step"' in attributes))
    return found


def deadline_of(html: str) -> str:
    found = re.search(r'<p class="deadline[^"]*">(.*?)</p>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found[1])).strip() if found else ""


def local_day(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d")


def test_a_new_case_shows_its_status_first_then_the_days_left_to_decide(client):
    case, code = new_case()
    html = track(client, case.reference, code).get_data(as_text=True)
    main = html[html.index("</h1>") :]
    assert main.index('class="status-word received">待受理<') < main.index('class="deadline')
    assert main.index('class="deadline') < main.index("您反映的内容")
    due = local_day(case.received_at + timedelta(days=15))
    assert deadline_of(html) == f"还剩 15 天 应于 {due} 前决定是否受理（期限 15 日）。"
    assert steps_of(html) == [
        ("已收到", local_day(case.received_at), False),
        ("已受理", "还剩 15 天", True),
        ("已办结", "尚未进行", False),
    ]


def test_an_accepted_and_extended_case_counts_its_days_to_closing(client, staff):
    case, code = new_case()
    operations.accept(db.session, case, staff["court"])
    operations.extend(db.session, case, staff["court"], 10, "需要调取档案")
    db.session.commit()
    html = track(client, case.reference, code).get_data(as_text=True)
    due = local_day(case.accepted_at + timedelta(days=70))
    assert deadline_of(html) == f"还剩 70 天 应于 {due} 前办结（期限 60 日，已延期 10 日）。"
    assert [(name, current) for name, _, current in steps_of(html)] == [
        ("已收到", False),
        ("已受理", False),
        ("已办结", True),
    ]
    assert steps_of(html)[1][1] == local_day(case.accepted_at)


def test_a_late_case_says_by_how_many_days(client):
    case, code = new_case()
    # Received twenty days ago, as the clock of a case left waiting would show.
    case.received_at -= timedelta(days=20)
    case.due_at = case.received_at + timedelta(days=15)
    db.session.commit()
    html = track(client, case.reference, code).get_data(as_text=True)
    assert deadline_of(html).startswith("已超期 5 天 ")
    assert 'class="deadline late"' in html
    assert steps_of(html)[1] == ("已受理", "已超期 5 天", True)


def test_a_transfer_restarts_the_days_to_decide_at_the_new_body(client, staff):
    case, code = new_case()
    case.received_at -= timedelta(days=10)
    db.session.commit()
    operations.transfer(db.session, case, staff["court"], body("inspection"), "由巡察办核查")
    db.session.commit()
    html = track(client, case.reference, code).get_data(as_text=True)
    assert deadline_of(html).startswith("还剩 15 天 ")
    assert steps_of(html)[0] == ("已收到", local_day(case.received_at), False)


def test_a_declined_case_ends_its_steps_at_not_accepted(client, staff):
    case, code = new_case()
    operations.decline(db.session, case, staff["court"], "不属于本院受理范围")
    db.session.commit()
    html = track(client, case.reference, code).get_data(as_text=True)
    assert 'class="status-word declined">不予受理<' in html
    assert deadline_of(html) == ""
    assert steps_of(html) == [
        ("已收到", local_day(case.received_at), False),
        ("不予受理", local_day(case.closed_at), True),
    ]


def test_a_closed_case_shows_every_step_done_and_the_reply(client, staff):
    case, code = new_case()
    operations.accept(db.session, case, staff["court"])
    operations.close(db.session, case, staff["court"], "经核实，已整改到位。")
    db.session.commit()
    html = track(client, case.reference, code).get_data(as_text=True)
    assert deadline_of(html) == ""
    steps = steps_of(html)
    assert [name for name, _, _ in steps] == ["已收到", "已受理", "已办结"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", said) for _, said, _ in steps)
    assert [current for _, _, current in steps] == [False, False, True]
    assert html.index("经核实，已整改到位。") < html.index('<ol class="timeline">')


def test_the_steps_and_days_are_in_english_with_the_cookie(client, staff):
    case, code = new_case(item_code=None)
    operations.accept(db.session, case, staff["court"])
    db.session.commit()
    client.set_cookie("lang", "en")
    html = track(client, case.reference, code).get_data(as_text=True)
    assert [name for name, _, _ in steps_of(html)] == ["Received", "Accepted", "Closed"]
    assert deadline_of(html).startswith("60 days left To be closed by ")
    assert "(time limit: 60 days)." in deadline_of(html)


@pytest.mark.parametrize(
    ("now", "left"),
    [
        ("2026-12-19 23:59", 1),
        ("2026-12-20 00:00", 0),  # due today
        ("2026-12-20 23:59", 0),
        ("2026-12-21 00:00", -1),  # a day late
        ("2027-01-03 08:00", -14),
    ],
)
def test_days_left_are_counted_in_whole_local_days(app, now, left):
    case, _ = new_case()
    case.received_at = datetime(2026, 12, 5, 9, 30, tzinfo=SHANGHAI)
    case.due_at = case.received_at + timedelta(days=15)  # 2026-12-20 09:30 in Shanghai
    moment = datetime.strptime(now, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)
    deadline = progress.progress(case, moment.astimezone(UTC)).deadline
    assert deadline is not None
    assert (deadline.days_left, deadline.late_days, deadline.limit_days) == (
        left,
        max(0, -left),
        15,
    )
