"""Notice files in every format, made here with the real tools: Word documents (python-docx), PDFs
printed by Chromium, scans (Pillow), workbooks (openpyxl), CSV tables, and bad files of each kind.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from conftest import login
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from notice_helpers import UNITS, sample
from page_forms import form_on
from PIL import Image
from playwright.sync_api import Browser, sync_playwright
from public_helpers import field_error
from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select
from test_browser import CHROMIUM, FLAGS
from test_forms_over_https import OWN_PAGE, deployed
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from feedback.extensions import db
from feedback.models import Notice
from feedback.notices.documents import notice_text
from feedback.notices.errors import NoticeError
from feedback.notices.loader import seed_text
from feedback.notices.parser import parse

RUNNING_TITLE = "五峰县巡察整改情况通报（公开版）"


def notices() -> int:
    return db.session.scalar(select(func.count()).select_from(Notice))


def refusal(filename: str, data: bytes) -> str:
    with pytest.raises(NoticeError) as refused:
        notice_text(filename, data)
    assert refused.value.field == "upload"
    return str(refused.value.message)


def tree(text: str) -> Any:
    """What the parser reads from a text: every aspect, category and item, and the contacts."""
    parsed = parse(text)
    return (
        parsed.title,
        [
            (
                a.number,
                a.title,
                [
                    (
                        c.number,
                        c.title,
                        [(i.code, i.title, i.rectification, i.status) for i in c.items],
                    )
                    for c in a.categories
                ],
            )
            for a in parsed.aspects
        ],
        parsed.contacts,
    )


# Word -----------------------------------------------------------------------------------------


def saved(document: Any) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def word_with_header_footer() -> Any:
    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = RUNNING_TITLE
    section.footer.paragraphs[0].text = "第 1 页"
    return document


def test_a_word_documents_paragraphs_and_tables_are_read_in_order_without_header_and_footer(app):
    document = word_with_header_footer()
    document.add_paragraph("一、在落实党的路线方针政策方面")
    document.add_paragraph("1.乡村振兴战略推进不够有力")
    table = document.add_table(rows=3, cols=3)
    for column, text in enumerate(["序号", "问题", "整改情况"]):
        table.cell(0, column).text = text
    table.cell(1, 0).text = "1"
    table.cell(1, 1).text = "产业发展规划\n落实不到位"  # a line break inside a cell
    table.cell(1, 2).text = "已完成"
    merged = table.cell(2, 0).merge(table.cell(2, 2))
    merged.text = "以上问题均已整改"
    document.add_paragraph("二、在全面从严治党方面")

    text = notice_text("通报.docx", saved(document))

    assert text.splitlines() == [
        "一、在落实党的路线方针政策方面",
        "1.乡村振兴战略推进不够有力",
        "序号\t问题\t整改情况",
        "1\t产业发展规划 落实不到位\t已完成",
        "以上问题均已整改",
        "二、在全面从严治党方面",
    ]
    assert RUNNING_TITLE not in text and "第 1 页" not in text


# The common Chinese outline as Word numbers it: 一、 （一） 1. （1）
LEVELS = [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3."), ("decimal", "（%4）")]  # fmt: skip


def with_numbering(document: Any) -> None:
    levels = "".join(
        f'<w:lvl w:ilvl="{n}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
        for n, (fmt, text) in enumerate(LEVELS)
    )
    numbering = document.part.numbering_part.element
    numbering.append(
        parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="70">{levels}</w:abstractNum>')
    )
    numbering.append(
        parse_xml(f'<w:num {nsdecls("w")} w:numId="70"><w:abstractNumId w:val="70"/></w:num>')
    )


def numbered(document: Any, text: str, level: int) -> None:
    paragraph = document.add_paragraph(text)
    paragraph._p.get_or_add_pPr().append(
        parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="70"/></w:numPr>'
        )
    )


HEADINGS = [  # a heading's number as typed, and the Word list level that generates it
    (re.compile(r"^[一二三四五六七八九十]+、"), 0),
    (re.compile(r"^（[一二三四五六七八九十]+）"), 1),
    (re.compile(r"^\d+\."), 2),
    (re.compile(r"^（\d+）"), 3),
]


def word_with_generated_numbers(text: str) -> bytes:
    """The notice as Word would hold it had its headings been numbered by Word itself: each
    typed number taken off and its paragraph put in the list at the matching level."""
    document = word_with_header_footer()
    with_numbering(document)
    for line in text.splitlines():
        for pattern, level in HEADINGS:
            if pattern.match(line):
                numbered(document, pattern.sub("", line), level)
                break
        else:
            document.add_paragraph(line)
    return saved(document)


def test_numbers_that_word_generates_are_written_in_front_of_their_paragraphs(app):
    document = docx.Document()
    with_numbering(document)
    for heading, level in [("方面", 0), ("类别", 1), ("问题", 2), ("细项", 3), ("细项", 3), ("问题", 2), ("细项", 3), ("类别", 1)]:  # fmt: skip
        numbered(document, heading, level)
    for _ in range(2, 13):
        numbered(document, "方面", 0)
    lines = notice_text("通报.docx", saved(document)).splitlines()
    assert lines[:8] == ["一、方面", "（一）类别", "1.问题", "（1）细项", "（2）细项", "2.问题", "（1）细项", "（二）类别"]  # fmt: skip
    assert lines[8:] == [f"{n}、方面" for n in "二三四五六七八九"] + ["十、方面", "十一、方面", "十二、方面"]  # fmt: skip


def test_a_notice_numbered_by_word_reads_as_the_same_tree_as_its_text(app):
    text = sample("comma-aspects")
    data = word_with_generated_numbers(text)
    assert "一、在落实党的路线方针政策" not in saved_text(data)  # the numbers are Word's own
    assert tree(notice_text("通报.docx", data)) == tree(text)


def saved_text(data: bytes) -> str:
    """The words a Word document stores, without what Word generates."""
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


# PDF ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


STYLE = "body{font-family:'Noto Sans CJK SC';font-size:14pt;line-height:2.4} p{margin:0;white-space:pre-wrap}"


def printed(chromium: Browser, text: str, footer: str, header: str = RUNNING_TITLE) -> bytes:
    """The text printed to PDF by Chromium, a line a line, with a running head and foot."""
    lines = "".join(f"<p>{line.strip() or '&nbsp;'}</p>" for line in text.splitlines())
    page = chromium.new_page()
    try:
        page.set_content(f"<!doctype html><meta charset=utf-8><style>{STYLE}</style>{lines}")
        small = "<div style='font-size:10px;width:100%;text-align:center'>{}</div>"
        return page.pdf(
            format="A4",
            display_header_footer=True,
            header_template=small.format(header),
            footer_template=small.format(footer),
            margin={"top": "2.5cm", "bottom": "2.5cm", "left": "2cm", "right": "2cm"},
        )
    finally:
        page.close()


PAGE = "<span class=pageNumber></span>"
TOTAL = "<span class=totalPages></span>"


@pytest.mark.browser
@pytest.mark.parametrize(
    "footer",
    [f"— {PAGE} —", f"- {PAGE} -", f"-{PAGE}-", f"第 {PAGE} 页", f"第{PAGE}页 共{TOTAL}页", f"{PAGE}/{TOTAL}", PAGE],
)  # fmt: skip
def test_a_printed_pdf_reads_without_its_running_head_and_page_numbers(app, chromium, footer):
    text = sample("fullwidth-wrapped")
    data = printed(chromium, text, footer)
    pages = len(PdfReader(io.BytesIO(data)).pages)
    assert pages >= 3

    read = notice_text("通报.pdf", data)

    assert RUNNING_TITLE not in read
    page_numbers = [line for line in read.splitlines() if re.fullmatch(r"[—\- 第页共/\d]+", line)]
    assert page_numbers == []
    expected = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    assert [" ".join(line.split()) for line in read.splitlines()] == expected


@pytest.mark.browser
def test_a_title_that_is_also_the_running_head_stays_on_the_first_page(app, chromium):
    text = sample("fullwidth-wrapped")
    title = text.strip().splitlines()[0].strip()
    read = notice_text("通报.pdf", printed(chromium, text, f"— {PAGE} —", header=title))
    assert read.splitlines()[0] == title
    assert read.count(title) == 1


def pdf_of_a_scan() -> bytes:
    out = io.BytesIO()
    pages = [Image.new("RGB", (600, 800), "white") for _ in range(2)]
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:])
    return out.getvalue()


def encrypted(data: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def notice_pdf(chromium: Browser) -> bytes:
    return printed(chromium, sample("fullwidth-wrapped"), f"— {PAGE} —")


@pytest.mark.browser
def test_a_pdf_readable_without_a_password_is_read(app, notice_pdf):
    assert notice_text("通报.pdf", encrypted(notice_pdf, "")) == notice_text("通报.pdf", notice_pdf)


@pytest.mark.browser
def test_a_pdf_whose_lines_chromium_wrapped_reads_as_its_text_does(app, chromium):
    """The seed notice, one paragraph a line, printed so that Chromium breaks every paragraph
    at the page's width: the lines are joined again, titles, texts and contacts whole."""
    text = seed_text()
    printed_notice = notice_text("通报.pdf", printed(chromium, text, f"— {PAGE} —"))
    assert printed_notice.count("\n") > text.count("\n") + 50  # the page did wrap the text
    as_printed, as_written = parse(printed_notice), parse(text)
    assert [(i.code, i.title, i.rectification) for i in as_printed.items] == [
        (i.code, i.title, i.rectification) for i in as_written.items
    ]
    assert as_printed.contacts == as_written.contacts


# Tables ---------------------------------------------------------------------------------------


def test_an_excel_workbooks_visible_sheets_come_out_as_tab_separated_lines(app):
    from datetime import date, datetime

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["序号", "问题", "整改时限", "金额（万元）", None, None])
    sheet.append([1, "村级林长巡林记录不全\n已补齐", date(2021, 3, 31), 4.2])
    sheet.append([2.0, "生态保护修复推进缓慢", datetime(2021, 6, 30), 12.0])
    sheet.append([None, None])  # an empty row
    hidden = workbook.create_sheet("底稿")
    hidden.append(["不应读出"])
    hidden.sheet_state = "hidden"
    second = workbook.create_sheet("第二页")
    second.append(["3", "整改情况：已完成"])
    out = io.BytesIO()
    workbook.save(out)

    assert notice_text("通报.xlsx", out.getvalue()).splitlines() == [
        "序号\t问题\t整改时限\t金额（万元）",
        "1\t村级林长巡林记录不全 已补齐\t2021-03-31\t4.2",
        "2\t生态保护修复推进缓慢\t2021-06-30\t12",
        "",
        "3\t整改情况：已完成",
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_a_csv_table_comes_out_as_tab_separated_lines(app, encoding, delimiter):
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["序号", "问题", "整改情况"])
    writer.writerow(["1", "产业发展规划落实不到位，已修订", "已完成\n见附件"])
    writer.writerow(["2", "农村人居环境整治存在短板", ""])
    data = out.getvalue().encode(encoding)
    assert notice_text("问题清单.csv", data).splitlines() == [
        "序号\t问题\t整改情况",
        "1\t产业发展规划落实不到位，已修订\t已完成 见附件",
        "2\t农村人居环境整治存在短板",
    ]


# Bad files ------------------------------------------------------------------------------------


def word_zip(extra: dict[str, bytes], content_types: bytes | None = None) -> bytes:
    """A real Word document's zip, with parts added or its content types replaced."""
    source = zipfile.ZipFile(io.BytesIO(saved(docx.Document())))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "[Content_Types].xml" and content_types is not None:
                data = content_types
            target.writestr(item.filename, data)
        for name, data in extra.items():
            target.writestr(name, data)
    return out.getvalue()


def with_macros() -> bytes:
    types = zipfile.ZipFile(io.BytesIO(saved(docx.Document()))).read("[Content_Types].xml")
    types = types.replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    ).replace(
        b"</Types>",
        b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
    )
    return word_zip({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(512)}, types)


def zip_bomb() -> bytes:
    return word_zip({"word/media/filler.xml": bytes(101 * 1024 * 1024)})


def broken_pdf(notice_pdf: bytes) -> bytes:
    return notice_pdf[: len(notice_pdf) // 3]


BAD_FILES = {
    "an empty file": (lambda pdf: b"", "通报.txt", "文件是空的"),
    "a binary file renamed .txt": (
        lambda pdf: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\xff",
        "通报.txt",
        "UTF-8 或 GB18030",
    ),
    "a PDF renamed .docx": (lambda pdf: pdf, "通报.docx", "文件扩展名是 .docx，内容却是PDF 文档"),
    "a scanned PDF": (lambda pdf: pdf_of_a_scan(), "扫描件.pdf", "这是扫描件，没有文字层"),
    "a PDF that needs a password": (
        lambda pdf: encrypted(pdf, "user-secret"),
        "通报.pdf",
        "这个 PDF 设有打开密码",
    ),
    "a broken PDF": (broken_pdf, "通报.pdf", "这个 PDF 已损坏，无法读取"),
    "a Word document with macros": (lambda pdf: with_macros(), "通报.docx", "文档含有宏"),
    "a legacy .doc": (
        lambda pdf: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048),
        "通报.doc",
        "旧版 Word 或 Excel 格式",
    ),
    "a zip bomb": (lambda pdf: zip_bomb(), "通报.docx", "解压后超过 100 MB"),
    "a damaged Word document": (
        lambda pdf: saved(docx.Document())[:4000],
        "通报.docx",
        "已损坏，无法读取",
    ),
    "too much text": (lambda pdf: b"a" * 200_001, "通报.txt", "超过 200000 个字符"),
}


@pytest.mark.browser
@pytest.mark.parametrize("name", BAD_FILES)
def test_a_bad_file_is_refused_beside_the_upload_and_nothing_is_stored(
    client, staff, notice_pdf, name
):
    make, filename, message = BAD_FILES[name]
    login(client, staff["admin"])
    before = notices()
    response = client.post(
        "/admin/notices/new",
        data={"unit": "某单位", "text": "", "upload": (io.BytesIO(make(notice_pdf)), filename)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert message in field_error(response.get_data(as_text=True), "upload")
    assert notices() == before


def test_a_50_mb_upload_gets_a_page_that_says_the_limit_and_nothing_is_stored(
    app_factory, tmp_path
):
    with deployed(app_factory, tmp_path) as site:
        browser = site.signed_in("admin")
        browser.page("/admin/notices/new")
        before = notices()
        fields = form_on(browser.html, "/admin/notices/new").data({"unit": "某单位"})
        big = io.BytesIO(b"%PDF-1.7\n" + bytes(50 * 1024 * 1024))
        # Encoded in memory, as a browser sends it: the test client would spool it to a file
        # that nothing closes when the service refuses the body unread.
        boundary, body = encode_multipart({**fields, "upload": FileStorage(big, "通报.pdf")})
        response = browser.open(
            "POST",
            "/admin/notices/new",
            OWN_PAGE,
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
        )
        assert response.status_code == 413
        assert "文件超过 20 MB，这是通报文件的上限" in response.text
        assert "本次提交的内容未被保存" in response.text
        assert notices() == before


# End to end -----------------------------------------------------------------------------------


def imported_tree(client: Any, data: bytes, filename: str, slug: str) -> Any:
    response = client.post(
        "/admin/notices/new",
        data={
            "unit": UNITS["fullwidth-wrapped"],
            "slug": slug,
            "upload": (io.BytesIO(data), filename),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    notice = db.session.scalars(select(Notice).where(Notice.slug == slug)).one()
    return [
        (
            a.number,
            a.title,
            [
                (c.number, c.title, [(i.code, i.title, i.rectification, i.status) for i in c.items])
                for c in a.categories
            ],
        )
        for a in notice.aspects
    ], sorted((link.role, link.body.name, link.body.phone) for link in notice.body_links)


def word_of(text: str) -> bytes:
    document = word_with_header_footer()
    for line in text.splitlines():
        document.add_paragraph(line)
    return saved(document)


@pytest.mark.browser
def test_a_notice_imported_as_word_or_pdf_gives_the_same_tree_as_its_text(
    client, staff, notice_pdf
):
    login(client, staff["admin"])
    text = sample("fullwidth-wrapped")
    as_text = imported_tree(client, text.encode("gb18030"), "通报.txt", "as-text")
    assert len(as_text[0]) == 2
    assert imported_tree(client, word_of(text), "通报.docx", "as-word") == as_text
    assert imported_tree(client, notice_pdf, "通报.pdf", "as-pdf") == as_text


def test_the_command_line_imports_a_word_document(runner, tmp_path: Path):
    path = tmp_path / "通报.docx"
    path.write_bytes(word_with_generated_numbers(sample("comma-aspects")))
    result = runner.invoke(
        args=[
            "feedback",
            "import-notice",
            str(path),
            "--unit",
            UNITS["comma-aspects"],
            "--slug",
            "town-2021",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "一.1.(1) 产业发展规划落实不到位  [已完成]" in result.output
    assert db.session.scalars(select(Notice).where(Notice.slug == "town-2021")).one().published_at


def test_the_command_line_says_in_chinese_why_a_file_is_refused(runner, tmp_path: Path):
    path = tmp_path / "通报.docx"
    path.write_bytes(with_macros())
    before = notices()
    result = runner.invoke(args=["feedback", "import-notice", str(path), "--unit", "某单位"])
    assert result.exit_code != 0
    assert "文档含有宏" in result.output
    assert notices() == before
