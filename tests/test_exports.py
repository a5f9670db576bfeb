"""The monthly export: what a manager finds in the CSV and the XLSX, and that both are streamed."""

import csv
import io
import re
import struct
import threading
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from conftest import PASSWORD, body, new_case, take_the_sqlite_write_lock
from flask import current_app
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.escape import unescape

from feedback.cases import exports, months, operations, xlsx
from feedback.cases.exports import Timeliness, timeliness
from feedback.cases.operations import ContactDetails
from feedback.extensions import db
from feedback.models import Case, Kind, Rating, Status

MONTH = "2026-11"
BOM = b"\xef\xbb\xbf"
HEADER = [
    "编号",
    "收到时间",
    "类型",
    "复查原件编号",
    "同一诉求组",
    "问题编号",
    "对应问题",
    "标题",
    "内容",
    "被举报人姓名",
    "被举报人单位",
    "被举报人职务",
    "状态",
    "受理时间",
    "办结或不予受理时间",
    "办理天数",
    "是否按期",
    "答复意见或不予受理理由",
    "转办次数",
    "满意度评价",
    "联系人姓名",
    "联系电话",
    "电子邮箱",
]
SHANGHAI = ZoneInfo("Asia/Shanghai")
BOUNDED = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SHEET_NS = {"s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
TEXT_TAG = f"{{{SHEET_NS['s']}}}t"


def local(text: str) -> datetime:
    """A moment given as Beijing time, e.g. '2026-11-05 09:30', as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)


def received_on(case: Case, text: str) -> Case:
    """Move a case's receipt to a chosen local time (its deadline with it) and commit."""
    moved = local(text) - case.received_at
    case.received_at += moved
    if case.due_at is not None and case.status is Status.RECEIVED:
        case.due_at += moved
    db.session.commit()
    return case


def fetch(body_slug: str | None, fmt: str = "csv", month: str = MONTH) -> bytes:
    """Download an export the way the inbox view does, and read the whole stream."""
    holder = body(body_slug) if body_slug else None
    with current_app.test_request_context():
        response = exports.download(holder, month, fmt)
        assert response.is_streamed
        return response.get_data()


def csv_table(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"))))


def by_reference(table: list[list[str]]) -> dict[str, dict[str, str]]:
    header, *rows = table
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows}


def xlsx_sheets(data: bytes) -> dict[str, str]:
    """The worksheets' XML of an XLSX file, by their path inside the zip."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name)
        }


def xlsx_table(data: bytes) -> list[list[str]]:
    """Read back the first sheet's cells as text, whether inline, shared or numeric."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in archive.namelist():
            root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(TEXT_TAG)) for si in root]
        sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    table = []
    for row in sheet.iterfind(".//s:sheetData/s:row", SHEET_NS):
        cells: dict[int, str] = {}
        for cell in row.iterfind("s:c", SHEET_NS):
            column = 0
            for letter in re.match(r"[A-Z]+", cell.get("r", "")).group():
                column = column * 26 + ord(letter) - 64
            kind = cell.get("t")
            if kind == "inlineStr":
                text = "".join(t.text or "" for t in cell.iter(TEXT_TAG))
            elif kind == "s":
                text = shared[int(cell.findtext("s:v", "", SHEET_NS))]
            else:
                text = cell.findtext("s:v", "", SHEET_NS)
            cells[column - 1] = text
        table.append([cells.get(i, "") for i in range(max(cells, default=-1) + 1)])
    return table


def test_the_csv_has_a_bom_a_chinese_header_and_one_row_per_case_of_the_month(app):
    first = received_on(new_case()[0], "2026-11-01 00:05")  # local midnight is still November
    second = received_on(new_case()[0], "2026-11-30 23:55")
    received_on(new_case()[0], "2026-10-31 23:59")  # October, in Beijing time
    received_on(new_case()[0], "2026-12-01 00:00")
    received_on(new_case(chosen="inspection")[0], "2026-11-10 10:00")

    data = fetch("court")

    table = csv_table(data)
    assert table[0] == HEADER
    assert [row[0] for row in table[1:]] == [first.reference, second.reference]
    row = by_reference(table)[first.reference]
    assert row["收到时间"] == "2026-11-01 00:05"
    assert row["类型"] == "意见建议"
    assert row["问题编号"] == "一.1.(1)"
    assert row["对应问题"] == first.item.title
    assert row["标题"] == "关于整改落实的意见"
    assert row["状态"] == "待受理"
    assert row["转办次数"] == "0"
    assert row["受理时间"] == row["办结或不予受理时间"] == row["答复意见或不予受理理由"] == ""


def test_a_review_names_the_case_it_reviews(app, staff):
    case = new_case()[0]
    operations.decline(db.session, case, staff["court"], "不属于本院受理范围。")
    review = operations.request_review(db.session, case, "不予受理的理由与事实不符，请求复查。")
    received_on(review, "2026-11-12 09:00")

    rows = by_reference(csv_table(fetch("inspection")))

    assert rows[review.reference]["复查原件编号"] == case.reference
    assert rows[review.reference]["类型"] == "意见建议"


def test_the_cases_of_a_group_of_near_copies_share_its_number(app, staff):
    text = "诉讼服务大厅门前的停车场一直被施工围挡占用，前来办事的群众只能把车停在路边。"
    copies = [
        received_on(new_case(content=g + text)[0], "2026-11-12 09:00") for g in ("", "您好！")
    ]
    alone = received_on(new_case()[0], "2026-11-13 09:00")
    operations.link(db.session, copies[0], staff["court"], [copies[1].id])
    db.session.commit()

    rows = by_reference(csv_table(fetch("court")))

    numbers = {rows[c.reference]["同一诉求组"] for c in copies}
    assert len(numbers) == 1 and numbers != {""}
    assert rows[alone.reference]["同一诉求组"] == ""


def test_contact_details_are_filled_only_for_real_name_cases(app):
    details = ContactDetails(name="张三", phone="13800000000", email="zhang@example.com")
    named = received_on(new_case(contact=details)[0], "2026-11-03 09:00")
    anonymous = received_on(new_case()[0], "2026-11-03 10:00")

    rows = by_reference(csv_table(fetch("court")))

    assert [rows[named.reference][h] for h in HEADER[-3:]] == list(vars(details).values())
    assert [rows[anonymous.reference][h] for h in HEADER[-3:]] == ["", "", ""]


def test_reply_days_timeliness_and_satisfaction_of_a_closed_case(app, staff):
    case = new_case()[0]
    operations.accept(db.session, case, staff["court"])
    operations.close(db.session, case, staff["court"], "已核实并整改。")
    operations.rate(db.session, case, Rating.SATISFIED, "")
    case.received_at = local("2026-11-02 08:00")
    case.accepted_at = local("2026-11-04 09:00")
    case.closed_at = local("2026-11-20 17:30")
    db.session.commit()

    row = by_reference(csv_table(fetch("court")))[case.reference]

    assert row["状态"] == "已办结"
    assert row["受理时间"] == "2026-11-04 09:00"
    assert row["办结或不予受理时间"] == "2026-11-20 17:30"
    assert row["办理天数"] == "18"
    assert row["是否按期"] == "按期"
    assert row["答复意见或不予受理理由"] == "已核实并整改。"
    assert row["满意度评价"] == "满意"


def test_a_declined_case_shows_the_reason_and_a_late_open_case_is_flagged(app, staff):
    declined = new_case()[0]
    operations.decline(db.session, declined, staff["court"], "不属于受理范围")
    received_on(declined, "2026-11-06 08:00")
    declined.closed_at = local("2026-11-08 08:00")
    forgotten = received_on(new_case()[0], "2026-11-07 08:00")
    forgotten.due_at = local("2026-11-22 08:00")  # as if the month were long past
    db.session.commit()

    rows = by_reference(csv_table(fetch("court")))

    assert rows[declined.reference]["状态"] == "不予受理"
    assert rows[declined.reference]["答复意见或不予受理理由"] == "不属于受理范围"
    assert rows[declined.reference]["办理天数"] == "2"
    assert rows[declined.reference]["是否按期"] == "按期"
    assert rows[forgotten.reference]["是否按期"] == "逾期未办结"


def test_a_transferred_case_is_exported_by_the_body_that_holds_it(app, staff):
    case = received_on(new_case()[0], "2026-11-09 11:00")
    operations.transfer(db.session, case, staff["court"], body("inspection"), "属于巡察办职责")
    db.session.commit()

    assert len(csv_table(fetch("court"))) == 1  # the header only
    row = by_reference(csv_table(fetch("inspection")))[case.reference]
    assert row["转办次数"] == "1"
    assert row["状态"] == "待受理"


def test_after_a_transfer_the_time_to_accept_counts_from_the_transfer(app, staff):
    case = received_on(new_case()[0], "2026-11-02 08:00")
    inspection = body("inspection")
    operations.transfer(db.session, case, staff["court"], inspection, "属于巡察办职责")
    operations.accept(db.session, case, staff["inspection"])
    operations.close(db.session, case, staff["inspection"], "已办结")
    case.transferred_at = local("2026-11-12 08:00")
    # within the limit of the transfer, past that of the receipt
    case.accepted_at = case.transferred_at + timedelta(days=inspection.accept_days - 1)
    case.closed_at = case.accepted_at + timedelta(days=1)
    db.session.commit()

    row = by_reference(csv_table(fetch("inspection")))[case.reference]

    assert (row["转办次数"], row["是否按期"]) == ("1", "按期")


def test_the_export_of_every_body_has_a_body_column(app):
    court = received_on(new_case()[0], "2026-11-11 09:00")
    report = received_on(new_case(kind=Kind.REPORT, chosen="unsure")[0], "2026-11-12 09:00")

    table = csv_table(fetch(None))

    assert table[0] == [HEADER[0], "受理机关", *HEADER[1:]]
    rows = by_reference(table)
    assert rows[court.reference]["受理机关"] == body("court").short_name
    assert rows[report.reference]["受理机关"] == body("discipline").short_name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://evil.example","点击")', '\'=HYPERLINK("http://evil.example","点击")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("整改=落实", "整改=落实"),
        ("", ""),
    ],
)
def test_neutralise_prefixes_an_apostrophe_to_what_a_spreadsheet_would_run(text, expected):
    assert exports.neutralise(text) == expected


def _formula_case() -> Case:
    case = new_case(
        subject='=HYPERLINK("http://evil.example","点击")',
        content="+1",
        contact=ContactDetails(name="@SUM(A1)", phone="-2", email=""),
    )[0]
    return received_on(case, "2026-11-15 15:00")


def test_cells_that_would_be_formulas_are_neutralised_in_the_csv(app):
    case = _formula_case()

    row = by_reference(csv_table(fetch("court")))[case.reference]

    assert row["标题"] == '\'=HYPERLINK("http://evil.example","点击")'
    assert row["内容"] == "'+1"
    assert row["联系人姓名"] == "'@SUM(A1)"
    assert row["联系电话"] == "'-2"


def test_cells_that_would_be_formulas_are_neutralised_in_the_xlsx(app):
    case = _formula_case()

    data = fetch("court", "xlsx")

    (sheet,) = xlsx_sheets(data).values()
    assert "<f>" not in sheet and "<f " not in sheet
    header, row = xlsx_table(data)
    cells = dict(zip(header, row, strict=False))
    assert cells["编号"] == case.reference
    assert cells["标题"] == '\'=HYPERLINK("http://evil.example","点击")'
    assert cells["内容"] == "'+1"
    assert cells["联系人姓名"] == "'@SUM(A1)"
    assert cells["联系电话"] == "'-2"


def test_the_xlsx_has_one_sheet_with_a_header_and_a_row_per_case(app, staff):
    for hour in range(3):
        received_on(new_case()[0], f"2026-11-16 1{hour}:00")
    closed = new_case()[0]
    operations.accept(db.session, closed, staff["court"])
    operations.close(db.session, closed, staff["court"], "已答复")
    received_on(closed, "2026-11-17 09:00")

    data = fetch("court", "xlsx")

    assert zipfile.is_zipfile(io.BytesIO(data))
    assert len(xlsx_sheets(data)) == 1
    table = xlsx_table(data)
    assert table[0] == HEADER
    assert len(table) == 1 + 4
    assert table[-1][HEADER.index("转办次数")] == "0"  # written as a number
    assert table[-1][HEADER.index("答复意见或不予受理理由")] == "已答复"


def test_download_names_the_file_and_streams_it(app):
    with current_app.test_request_context():
        csv_response = exports.download(body("court"), MONTH, "csv")
        xlsx_response = exports.download(None, MONTH, "xlsx")
        assert csv_response.is_streamed and xlsx_response.is_streamed
        assert csv_response.content_type == "text/csv; charset=utf-8"
        assert csv_response.headers["Content-Disposition"] == (
            'attachment; filename="feedback-court-2026-11.csv"'
        )
        assert xlsx_response.mimetype == exports.MIMETYPES["xlsx"]
        assert "feedback-all-2026-11.xlsx" in xlsx_response.headers["Content-Disposition"]
        assert xlsx_response.get_data().startswith(b"PK")


@pytest.mark.parametrize(
    ("month", "fmt"), [("2026-13", "csv"), ("11/2026", "xlsx"), (MONTH, "pdf")]
)
def test_download_refuses_a_malformed_month_or_an_unknown_format(app, month, fmt):
    with current_app.test_request_context(), pytest.raises(ValueError):
        exports.download(body("court"), month, fmt)


def many_cases(number: int) -> str:
    """Store `number` cases for the court this month, in one commit; return the month."""
    submission = operations.Submission(
        kind=Kind.OPINION,
        chosen_body="court",
        item=None,
        subject="批量",
        content="内容",
        contact=None,
    )
    for _ in range(number):
        operations.submit(db.session, submission)
    db.session.commit()
    return months.month_of(datetime.now(UTC))


def test_rows_are_fetched_lazily_and_the_csv_is_sent_in_several_chunks(app):
    start, end = months.parse_month(many_cases(1200))

    rows = exports.export_rows(body("court").id, start, end)
    assert isinstance(rows, Iterator)
    with app.test_request_context():
        chunks = list(exports.csv_chunks(rows, with_body=False))

    assert len(chunks) >= 3  # a chunk every 500 rows, not the month in one piece
    assert len(csv_table(b"".join(chunks))) == 1 + 1200


def test_citizens_can_submit_while_a_manager_downloads_the_month(app, staff, database_url):
    month = many_cases(1200)
    manager = {"username": staff["court-manager"].username, "password": PASSWORD}
    db.session.commit()
    under_way, submitted = threading.Event(), threading.Event()
    downloaded: list[bytes] = []

    def download() -> None:
        """A manager's download, served on a thread of its own as a server would."""
        manager_client = FlaskClient(app, app.response_class, use_cookies=True)
        assert manager_client.post("/staff/login", data=manager).status_code == 302
        url = f"/inbox/export/download?month={month}&format=csv"
        with manager_client.get(url, buffered=False) as response:
            chunks = response.iter_encoded()
            downloaded.append(next(chunks))  # under way: its rows are being read
            under_way.set()
            submitted.wait(timeout=60)
            downloaded.extend(chunks)

    downloader = threading.Thread(target=download)
    downloader.start()
    try:
        assert under_way.wait(timeout=60)
        if database_url.startswith("sqlite"):
            take_the_sqlite_write_lock(database_url)
        case, _ = new_case(subject="导出期间提交的意见")
    finally:
        submitted.set()
        downloader.join()

    assert case.reference
    assert len(csv_table(b"".join(downloaded))) == 1 + 1200  # the month as the download began


BASE = local("2026-11-02 08:00")
LIMITS = {"accept_days": 15, "close_days": 60, "extension_days": 0}


@pytest.mark.parametrize(
    ("status", "accepted", "closed", "due", "extension", "expected"),
    [
        # closed: accepted within 15 days, closed within 60 (+ extension) days of acceptance
        (Status.CLOSED, 15, 15 + 60, None, 0, Timeliness.ON_TIME),
        (Status.CLOSED, 16, 20, None, 0, Timeliness.LATE),
        (Status.CLOSED, 1, 1 + 61, None, 0, Timeliness.LATE),
        (Status.CLOSED, 1, 1 + 90, None, 30, Timeliness.ON_TIME),
        # declined: the decision is due within the acceptance time
        (Status.DECLINED, None, 15, None, 0, Timeliness.ON_TIME),
        (Status.DECLINED, None, 16, None, 0, Timeliness.LATE),
        # open: nothing to say until a deadline passes
        (Status.RECEIVED, None, None, 15, 0, None),
        (Status.RECEIVED, None, None, 5, 0, Timeliness.OVERDUE),
        (Status.ACCEPTED, 3, None, 3 + 60, 0, None),
        (Status.ACCEPTED, 20, None, 20 + 60, 0, Timeliness.LATE),
        (Status.ACCEPTED, 1, None, 1 + 5, 0, Timeliness.OVERDUE),
    ],
)
def test_timeliness_means_no_deadline_was_missed(
    status, accepted, closed, due, extension, expected
):
    def day(n: int | None) -> datetime | None:
        return None if n is None else BASE + timedelta(days=n)

    verdict = timeliness(
        status=status,
        clock_start=BASE,
        accepted_at=day(accepted),
        closed_at=day(closed),
        due_at=day(due),
        now=day(10),
        **{**LIMITS, "extension_days": extension},
    )
    assert verdict is expected


# The XLSX as a spreadsheet program reads it (openpyxl, plus Excel's own _xHHHH_ unescaping).


def spreadsheet(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def as_read(value: object) -> object:
    """A cell's value as Excel shows it: openpyxl leaves Excel's _xHHHH_ escapes to the reader."""
    return unescape(value) if isinstance(value, str) else value


def as_shown(cell: openpyxl.cell.Cell) -> str:
    """A cell as a spreadsheet shows it: a date through its number format, text unescaped."""
    if isinstance(cell.value, datetime):
        assert cell.number_format == "yyyy-mm-dd hh:mm"
        return cell.value.strftime("%Y-%m-%d %H:%M")
    return "" if cell.value is None else str(as_read(cell.value))


TRICKY = {
    "subject": "  前后有空格  ",
    "content": "第一行\r\n第二行\t制表\x01控制 _x0041_ <b>&amp;</b> ]]> {0} 😀",
    "name": "=1+2",
    "phone": "\r=1",
    "email": "a_b@example.com",
}


def test_the_xlsx_opens_with_exactly_the_values_of_the_csv(app, staff):
    details = ContactDetails(name=TRICKY["name"], phone=TRICKY["phone"], email=TRICKY["email"])
    tricky = new_case(subject=TRICKY["subject"], content=TRICKY["content"], contact=details)[0]
    received_on(tricky, "2026-11-03 09:00")
    closed = new_case()[0]
    operations.accept(db.session, closed, staff["court"])
    operations.close(db.session, closed, staff["court"], "已答复 & 整改")
    received_on(closed, "2026-11-04 10:30")

    csv_rows = by_reference(csv_table(fetch(None)))
    book = spreadsheet(fetch(None, "xlsx"))

    assert book.sheetnames == [MONTH]
    sheet = book[MONTH]
    assert sheet.freeze_panes == "A2"
    header, *rows = [[as_read(cell.value) for cell in row] for row in sheet.iter_rows()]
    assert header == [HEADER[0], "受理机关", *HEADER[1:]]
    assert all(cell.font.b for cell in sheet[1])
    assert len(rows) == len(csv_rows) == 2
    for cells in sheet.iter_rows(min_row=2):
        expected = csv_rows[cells[0].value]
        shown = {n: as_shown(cell) for n, cell in zip(header, cells, strict=True)}
        assert shown == expected
    row = dict(zip(header, rows[0], strict=True))
    assert row["标题"] == TRICKY["subject"]
    assert row["内容"] == TRICKY["content"]
    assert (row["联系人姓名"], row["联系电话"]) == ("'=1+2", "'\r=1")
    assert row["收到时间"] == datetime(2026, 11, 3, 9, 0)  # a date, the local time the CSV shows
    assert row["转办次数"] == 0  # a number
    assert isinstance(dict(zip(header, rows[1], strict=True))["办理天数"], int)


# What XML or Excel treat specially, and anything else but lone surrogates (no database has them).
CHARACTERS = st.sampled_from(list(" _x0F\t\r\n\x01\x0b\x1f&<>'=\ufffe\uffff中")) | st.characters(
    blacklist_categories=("Cs",)
)


@BOUNDED
@given(texts=st.lists(st.text(CHARACTERS, max_size=40), min_size=1, max_size=5))
def test_any_text_reads_back_from_the_xlsx_as_written(texts):
    header = [f"列{i}" for i in range(len(texts) + 1)]
    rows = [[*texts, len(texts)], [None, *texts]]
    data = io.BytesIO()

    assert xlsx.write_workbook(data, rows, sheet="2026-11", header=header) == 2

    sheet = spreadsheet(data.getvalue()).active
    read = [[as_read(cell.value) for cell in row] for row in sheet.iter_rows()]
    assert read[0] == header
    for written, back in zip(rows, read[1:], strict=True):
        assert back == written


def test_the_xlsx_writer_refuses_what_a_sheet_cannot_hold(monkeypatch):
    with pytest.raises(TypeError):
        xlsx.write_workbook(io.BytesIO(), [[1.5]], sheet="x", header=["a"])
    with pytest.raises(ValueError, match="cells under"):
        xlsx.write_workbook(io.BytesIO(), [["a", "b"]], sheet="x", header=["a"])
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)
    with pytest.raises(ValueError, match="at most 3 rows"):
        xlsx.write_workbook(io.BytesIO(), [["a"]] * 3, sheet="x", header=["a"])


@pytest.mark.parametrize(
    "zone",
    ["Asia/Shanghai", "Asia/Kolkata", "America/New_York", "Australia/Lord_Howe", "UTC"],
)
def test_local_times_by_the_hour_are_those_of_the_zone(zone):
    tz = ZoneInfo(zone)
    local = exports.LocalTimes(tz)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for minutes in range(0, 366 * 24 * 60, 37):  # every 37 minutes of a year, DST changes too
        moment = start + timedelta(minutes=minutes, seconds=59, microseconds=999_999)
        stored = moment.strftime("%Y-%m-%d %H:%M:%S.%f")
        expected = moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        assert local(stored) == expected, stored
    assert local(None) is None


def test_rows_fetched_ahead_come_in_order_with_errors_and_can_be_left_early():
    assert list(exports.fetched_ahead(iter([[1], [2], [3]]))) == [[1], [2], [3]]

    def failing() -> Iterator[list[int]]:
        yield [1]
        raise RuntimeError("connection lost")

    with pytest.raises(RuntimeError, match="connection lost"):
        list(exports.fetched_ahead(failing()))

    taken: list[int] = []

    def endless() -> Iterator[list[int]]:
        n = 0
        while True:
            n += 1
            taken.append(n)
            yield [n]

    ahead = exports.fetched_ahead(endless(), depth=2)
    assert next(ahead) == [1]
    ahead.close()  # stops the fetching thread, which held at most a few batches
    assert len(taken) <= 5
    assert threading.active_count() == 1 or "export-fetch" not in {
        t.name for t in threading.enumerate()
    }


def test_an_export_left_early_leaves_the_session_usable(app):
    for hour in range(3):
        received_on(new_case()[0], f"2026-11-18 1{hour}:00")
    start, end = months.parse_month(MONTH)

    rows = exports.export_rows(body("court").id, start, end)
    first = next(rows)
    rows.close()  # as when a download is cancelled

    assert first.received_at.startswith("2026-11-18 02:00")  # UTC text, as stored
    assert len(list(exports.export_rows(body("court").id, start, end))) == 3
    assert "export-fetch" not in {thread.name for thread in threading.enumerate()}


def test_the_xlsx_states_its_dimension_and_writes_times_as_dates_shown_as_in_the_csv(app, staff):
    received_on(new_case()[0], "2026-11-03 09:00")
    closed = new_case()[0]
    operations.accept(db.session, closed, staff["court"])
    operations.close(db.session, closed, staff["court"], "已答复")
    closed.received_at = local("2026-11-04 10:30")
    closed.accepted_at = local("2026-11-05 08:15")
    closed.closed_at = local("2026-11-20 17:59")
    db.session.commit()

    csv_rows = by_reference(csv_table(fetch(None)))
    data = fetch(None, "xlsx")

    read_only = openpyxl.load_workbook(io.BytesIO(data), read_only=True)[MONTH]
    assert read_only.calculate_dimension() == "A1:X3"  # as the sheet states it, not counted
    sheet = spreadsheet(data)[MONTH]
    header = [cell.value for cell in sheet[1]]
    times = ["收到时间", "受理时间", "办结或不予受理时间"]
    for cells in sheet.iter_rows(min_row=2):
        expected = csv_rows[cells[0].value]
        row = dict(zip(header, cells, strict=True))
        for name in times:
            if expected[name]:
                assert isinstance(row[name].value, datetime)
                assert row[name].number_format == "yyyy-mm-dd hh:mm"
                assert row[name].value == datetime.fromisoformat(expected[name])
    assert dict(zip(header, [c.value for c in sheet[3]], strict=True))["办结或不予受理时间"] == (
        datetime(2026, 11, 20, 17, 59)
    )


def test_the_xlsx_writer_writes_dates_and_states_the_cells_used():
    rows = [[datetime(2026, 11, 24, 15, 47), date(2026, 11, 24), 7], [None, None, None, "x"]]
    data = io.BytesIO()

    xlsx.write_workbook(data, rows, sheet="日期", header=["a", "b", "c", "d"])

    sheet = spreadsheet(data.getvalue())["日期"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        [datetime(2026, 11, 24, 15, 47), datetime(2026, 11, 24), 7, None],
        [None, None, None, "x"],
    ]
    assert [sheet["A2"].number_format, sheet["B2"].number_format] == [
        "yyyy-mm-dd hh:mm",
        "yyyy-mm-dd",
    ]
    assert openpyxl.load_workbook(data, read_only=True).active.calculate_dimension() == "A1:D3"
    with pytest.raises(TypeError, match="naive"):
        xlsx.write_workbook(
            io.BytesIO(), [[datetime(2026, 1, 1, tzinfo=UTC)]], sheet="x", header=["a"]
        )


@pytest.mark.parametrize(
    "name", ["", "   ", "x" * 32, "2026/11", "[2026]", "a:b", "a*b", "a?b", "a\\b", "'quoted'"]
)
def test_a_sheet_name_excel_would_refuse_is_refused_before_anything_is_written(name):
    file = io.BytesIO()
    with pytest.raises(ValueError, match="sheet name"):
        xlsx.write_workbook(file, [["a"]], sheet=name, header=["a"])
    assert file.getvalue() == b""


def test_the_worksheet_is_a_zip64_entry_so_that_a_sheet_over_2_gib_can_close():
    data = io.BytesIO()
    xlsx.write_workbook(data, [["a"]], sheet="x", header=["a"])

    with zipfile.ZipFile(data) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        assert info.extract_version >= zipfile.ZIP64_VERSION  # the central directory says so
        assert archive.testzip() is None
    raw = data.getvalue()
    # The local header: signature, versions, …, then the name and the extra fields.
    name_length, extra_length = struct.unpack_from("<HH", raw, info.header_offset + 26)
    extra_start = info.header_offset + 30 + name_length
    extra = raw[extra_start : extra_start + extra_length]
    ids = []
    while extra:
        tag, size = struct.unpack_from("<HH", extra)
        ids.append(tag)
        extra = extra[4 + size :]
    assert 0x0001 in ids  # the ZIP64 extended information: 8-byte sizes
