"""Search in the inbox: by reference as a citizen reads it, by words of the subject and text, with
the filters, a page at a time, within the clerk's body, audited without the terms."""

import re
from urllib.parse import urlencode

import pytest
from conftest import PASSWORD, IsolatedClient, body, login, new_case
from public_helpers import valid_form
from served import Citizen, gunicorn
from sqlalchemy import select

from feedback.cases import operations
from feedback.extensions import db
from feedback.models import AuditAction, AuditEntry, Case, Kind, Status, User

REFERENCE = re.compile(r">(\d{4}-\d{2}-\d{6})</a>")


def search(client, q, **filters):
    """The references a search lists, in order, with the answer."""
    response = client.get("/inbox/search?" + urlencode({"q": q, **filters}))
    return REFERENCE.findall(response.get_data(as_text=True)), response


def searches() -> list[AuditEntry]:
    return list(
        db.session.execute(
            select(AuditEntry).where(AuditEntry.action == AuditAction.INBOX_SEARCHED)
        ).scalars()
    )


def sign_in_as(client, user) -> None:
    client.post("/staff/logout")
    login(client, user)


def phone_readings(reference: str) -> list[str]:
    """The ways a clerk types a reference a citizen reads out over the phone."""
    year, month, number = reference.split("-")
    wide = str.maketrans("0123456789-", "０１２３４５６７８９－")
    return [
        reference,
        reference.translate(wide),
        f"{year}{month}{number}",
        f"{year} {month} {number}",
        f"{year}—{month}—{number}",
        f"{year}。{month}。{number}",
        f"受理编号：{reference}",
        f"no. {year}-{month}-{number}",
        f"{year}年{month}月第{number}号",
        f"  {reference}  ",
    ]


def test_a_case_is_found_by_its_reference_however_it_is_read_out(client, staff):
    wanted, _ = new_case(subject="要找的那一件")
    other, _ = new_case(subject="另一件")
    login(client, staff["court"])
    for typed in phone_readings(wanted.reference):
        references, response = search(client, typed)
        assert response.status_code == 200, typed
        assert references == [wanted.reference], typed
        assert f"已按受理编号 {wanted.reference} 查找" in response.get_data(as_text=True)
    # A number that is not a case's: nothing, not a near one.
    year, month, number = wanted.reference.split("-")
    near = f"{year}-{month}-{(int(number) + 1) % 1_000_000:06d}"
    assert near != other.reference
    references, response = search(client, near)
    assert references == [] and "本单位没有符合搜索和筛选条件的件" in response.text


def test_words_of_the_subject_or_the_text_find_the_case(client, staff):
    refund, _ = new_case(subject="诉讼费退费问题", content="退费申请递交已经三个月，仍未收到退费。")
    payment, _ = new_case(subject="关于执行工作的意见", content="执行款到账后迟迟没有发放。")
    window, _ = new_case(subject="窗口接待", content="工作人员态度较好，等候时间长。Email WEB form")
    login(client, staff["court"])
    assert search(client, "执行款")[0] == [payment.reference]  # in the text
    assert search(client, "款到账后迟")[0] == [payment.reference]  # across words: a substring
    assert search(client, "诉讼费退费")[0] == [refund.reference]  # in the subject
    assert search(client, "退费申请")[0] == [refund.reference]
    assert search(client, "web FORM")[0] == [window.reference]  # letters in either case
    references, response = search(client, "没有这句话")
    assert references == [] and response.status_code == 200
    assert search(client, "工作人")[0] == [window.reference]
    assert search(client, "作")[1].status_code == search(client, "工作")[1].status_code == 400


def test_a_case_of_another_body_is_never_found(client, staff):
    court_case, _ = new_case(subject="执行款迟迟没有发放", chosen="court")
    report, _ = new_case(
        kind=Kind.REPORT, item_code=None, subject="执行款迟迟没有发放", chosen="discipline"
    )
    assert report.body == body("discipline")
    login(client, staff["court"])
    assert search(client, "执行款迟迟")[0] == [court_case.reference]
    references, response = search(client, report.reference)
    assert references == [] and response.status_code == 200
    sign_in_as(client, staff["discipline"])
    assert search(client, "执行款迟迟")[0] == [report.reference]
    assert search(client, court_case.reference)[0] == []
    # A case transferred away leaves the first body's results and joins the other's.
    operations.transfer(db.session, court_case, staff["court"], body("inspection"), "转巡察办理")
    db.session.commit()
    sign_in_as(client, staff["court"])
    assert search(client, "执行款迟迟")[0] == []
    sign_in_as(client, staff["inspection"])
    assert search(client, "执行款迟迟")[0] == [court_case.reference]


def test_the_filters_narrow_a_search(client, staff):
    waiting, _ = new_case(kind=Kind.OPINION, subject="窗口办事等候时间长")
    accepted, _ = new_case(kind=Kind.COMPLAINT, subject="窗口办事态度差")
    elsewhere, _ = new_case(kind=Kind.COMPLAINT, subject="网上立案没有回音")
    operations.accept(db.session, accepted, staff["court"])
    operations.accept(db.session, elsewhere, staff["court"])
    db.session.commit()
    login(client, staff["court"])
    assert search(client, "窗口办事")[0] == [accepted.reference, waiting.reference]
    assert search(client, "窗口办事", status="accepted")[0] == [accepted.reference]
    assert search(client, "窗口办事", kind="opinion")[0] == [waiting.reference]
    assert search(client, "窗口办事", kind="opinion", status="accepted")[0] == []
    assert search(client, accepted.reference, status="received")[0] == []
    # The filter form on the results page keeps the search, and sends it again.
    page = search(client, "窗口办事", status="accepted")[1].get_data(as_text=True)
    assert 'action="/inbox/search"' in page and 'value="窗口办事"' in page


def test_results_come_a_page_at_a_time_with_the_search_and_filters_kept(app_factory):
    app = app_factory(INBOX_PAGE_SIZE=2)
    app.test_client_class = IsolatedClient
    with app.app_context():
        made = [new_case(subject=f"第{n}件 便民服务")[0].reference for n in range(5)]
        new_case(subject="无关的一件")
        client = app.test_client()
        login(
            client, db.session.execute(select(User).filter_by(username="court-staff")).scalar_one()
        )
        pages, url = [], "/inbox/search?" + urlencode({"q": "便民服务", "status": "received"})
        while url:
            response = client.get(url)
            page = response.get_data(as_text=True)
            pages.append(REFERENCE.findall(page))
            found = re.search(r'href="([^"]+)" rel="next"', page)
            url = found[1].replace("&amp;", "&") if found else ""
            if url:
                assert "q=%E4%BE%BF" in url and "status=received" in url
        assert pages == [made[4:2:-1], made[2:0:-1], made[:1]]


def test_searching_is_audited_with_the_count_never_the_terms(client, staff):
    case, _ = new_case(subject="关于窗口接待的意见", content="接待人员很耐心")
    new_case(subject="另一件窗口的事")
    login(client, staff["court"])
    search(client, "窗口接待")
    search(client, case.reference)
    search(client, "很耐心", status="closed")
    entries = searches()
    assert [(e.actor_name, e.body_id, e.detail) for e in entries] == [
        ("court-staff", body("court").id, "words:1:1"),
        ("court-staff", body("court").id, "reference:1:1"),
        ("court-staff", body("court").id, "words:0:1"),
    ]
    for entry in entries:  # no case named: the reference was a term
        assert entry.case_id is None and entry.case_reference == ""
    sign_in_as(client, staff["court-manager"])
    log = client.get("/inbox/audit").get_data(as_text=True)
    assert "搜索案件" in log and "按受理编号：第1页1件" in log and "按文字：第1页0件" in log
    for term in ("窗口接待", case.reference, "很耐心"):
        assert term not in log


def test_the_terms_reach_neither_the_server_log_nor_the_audit_log(deployment, redis, tmp_path):
    env = {
        "DATABASE_URL": deployment.url,
        "SECRET_KEY": "served search key " * 4,
        "RATELIMIT_STORAGE_URI": redis.url,
        "TRUSTED_PROXIES": "1",
    }
    with gunicorn(env, tmp_path / "gunicorn.log", workers=1) as server:
        citizen = Citizen(server.port, "203.0.113.9")
        citizen.open_form()
        status, reference = citizen.submit(valid_form(content="独一无二的整改线索：鳄鱼池漏水"))
        assert status == 200 and reference
        clerk = Citizen(server.port, "203.0.113.10")
        page = clerk.get("/staff/login")[1]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
        form = {"username": "court-staff", "password": PASSWORD, "csrf_token": token}
        assert clerk.request("POST", "/staff/login", urlencode(form).encode())[0] == 302
        for typed in ("鳄鱼池漏水", reference):
            status, page = clerk.get("/inbox/search?" + urlencode({"q": typed}))
            assert status == 200 and reference in page
        log = server.log_text()
    assert '"GET /inbox/search" 200' in log  # the searches were logged, without their terms
    for term in ("鳄鱼池", reference, urlencode({"q": "鳄鱼池漏水"})[2:]):
        assert term not in log
    details = deployment.query("SELECT detail, case_reference FROM audit_entries")
    assert ("words:1:1", "") in details and ("reference:1:1", "") in details
    assert not any("鳄鱼" in d or reference in d + r for d, r in details)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("，。！？ …… —— ", "请输入要查找的受理编号或文字。"),
        ("   ", "请输入要查找的受理编号或文字。"),
        ("%_*\"'", "请输入要查找的受理编号或文字。"),
        ("执" * 10_000, "最多搜索100个字"),
        ("执" * 101, "最多搜索100个字"),
        ("执行\x00款", "文字中含有不可见的控制字符，请删除后重试。"),
        ("款", "请至少输入3个字"),
        ("退费", "请至少输入3个字"),
    ],
)
def test_a_search_that_cannot_be_run_says_why_and_searches_nothing(client, staff, typed, message):
    new_case(subject="执行款迟迟没有发放")
    login(client, staff["court"])
    references, response = search(client, typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and references == []
    assert message in page and "没有进行搜索" in page
    assert 'aria-invalid="true"' in page and "autofocus" in page
    assert searches() == []


def test_the_search_box_is_on_the_inbox_and_an_empty_search_is_the_list(client, staff):
    case, _ = new_case(subject="执行款迟迟没有发放")
    login(client, staff["court"])
    page = client.get("/inbox/").get_data(as_text=True)
    assert 'name="q"' in page and 'formaction="/inbox/search"' in page and 'maxlength="100"' in page
    # Typed, then sent with the filter button: searched all the same.
    response = client.get("/inbox/?" + urlencode({"q": "执行款", "status": ""}))
    assert response.status_code == 302 and response.location.startswith("/inbox/search?")
    # Nothing typed, the search button pressed: the list with its filters, nothing audited.
    response = client.get("/inbox/search?" + urlencode({"q": "", "status": "received"}))
    assert response.status_code == 302 and response.location == "/inbox/?status=received"
    assert searches() == []
    assert case.reference in client.get(response.location).get_data(as_text=True)


SYNTAX = 'He said "x OR y" AND NEAR(a b) {subject}: 50%_done* it\'s; DROP TABLE cases;--'


@pytest.mark.parametrize(
    "typed",
    [
        '"x OR y"',
        "AND NEAR(a b)",
        "NEAR",
        "{subject}:",
        "50%_done*",
        "50%",
        "0%_",
        "it's",
        "DROP TABLE cases;--",
        'said "',
    ],
)
def test_query_syntax_is_searched_as_plain_text(client, staff, typed):
    plain, _ = new_case(subject="没有特殊符号", content="x y a b subject 500 0x1done percent its")
    marked, _ = new_case(subject="有特殊符号的一件", content=SYNTAX)
    login(client, staff["court"])
    references, response = search(client, typed)
    assert response.status_code == 200
    assert references == [marked.reference], typed
    assert db.session.execute(select(Case.id)).all()  # the table is still there
    assert plain.status is Status.RECEIVED


def test_a_search_in_english_is_answered_in_english(client, staff):
    login(client, staff["court"])
    client.get("/language/en")
    references, response = search(client, "，。")
    assert response.status_code == 400 and references == []
    assert "Type a reference number or words to search for." in response.get_data(as_text=True)


def test_what_was_typed_is_shown_as_text_not_markup(client, staff):
    marked, _ = new_case(subject="有标记的一件", content="原文写着<b>加粗</b>的字样")
    login(client, staff["court"])
    references, response = search(client, "<b>加粗</b>")
    page = response.get_data(as_text=True)
    assert references == [marked.reference]
    assert "<b>加粗" not in page and "&lt;b&gt;加粗&lt;/b&gt;" in page
