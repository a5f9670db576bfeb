"""Files attached by citizens: checked by content, cleaned of metadata, stored apart under random
names, downloaded only by the holding body's staff, moved with a transfer, deleted with the case."""

import io
from pathlib import Path

import pytest
from conftest import IsolatedClient, body, case_count
from PIL import Image
from public_helpers import field_error, receipt
from security_helpers import (
    jpeg_with_gps,
    pdf,
    png_with_text,
    running,
    send_with,
    staff_client,
    stored_files,
    upload,
)
from sqlalchemy import select

from feedback.extensions import db
from feedback.models import Attachment, Case
from feedback.storage import attachment_store

MB = 1024 * 1024


@pytest.fixture
def files_app(app_factory, tmp_path):
    """Files on disk, whatever the database: these tests look at the folder (the database store
    is tested in test_attachment_store.py)."""
    app = app_factory(ATTACHMENT_DIR=str(tmp_path / "attachments"), ATTACHMENT_STORE="disk")
    with running(app):
        yield app


@pytest.fixture
def folder(files_app) -> Path:
    return Path(files_app.config["ATTACHMENT_DIR"])


def the_case(reference):
    return db.session.execute(select(Case).where(Case.reference == reference)).scalar_one()


def test_photos_are_stored_without_gps_camera_or_text_and_upright(files_app, folder):
    client = files_app.test_client()
    response = send_with(
        client,
        [upload(jpeg_with_gps(), "张三的身份证.jpg"), upload(png_with_text(), "x.png")],
    )
    reference, _code = receipt(response)
    assert "已附 2 个" in response.get_data(as_text=True)
    case = the_case(reference)
    assert [a.media_type for a in case.attachments] == ["image/jpeg", "image/png"]
    files = stored_files(folder)
    assert len(files) == 2
    for path in files:
        data = path.read_bytes()
        assert b"SECRET-CAMERA" not in data and b"SECRET-AUTHOR" not in data
        assert b"Exif" not in data and b"tEXt" not in data and b"iTXt" not in data
        assert "身份证" not in path.name and len(path.name) == 32
        assert path.stat().st_mode & 0o077 == 0  # readable by the service alone
    store = attachment_store.current()
    with store.open(db.session, case.attachments[0]) as file, Image.open(file) as photo:
        assert photo.size == (24, 32)  # the EXIF orientation was applied before it was dropped
        assert not photo.getexif()
    with store.open(db.session, case.attachments[1]) as file, Image.open(file) as picture:
        assert picture.mode == "RGBA" and not picture.text
    # Nothing of the citizen's file name is kept anywhere.
    assert "身份证" not in repr([vars(a) for a in case.attachments])


def test_a_pdf_is_checked_by_its_content_not_its_name(files_app, folder):
    client = files_app.test_client()
    reference, _ = receipt(send_with(client, [upload(pdf(), "scan.bin")]))
    assert the_case(reference).attachments[0].media_type == "application/pdf"
    before = case_count()
    html = send_with(client, [upload(b"MZ\x90\x00 this is a program", "photo.jpg")]).get_data(
        as_text=True
    )
    assert "只能附加照片（JPG 或 PNG）或 PDF 文件" in field_error(html, "attachments")
    assert case_count() == before and len(stored_files(folder)) == 1


def test_a_damaged_picture_is_refused_beside_the_field(files_app, folder):
    html = send_with(
        files_app.test_client(), [upload(b"\xff\xd8\xff\xe0" + b"\x00" * 100, "a.jpg")]
    ).get_data(as_text=True)
    assert "无法读取" in field_error(html, "attachments")
    assert case_count() == 0 and stored_files(folder) == []


def test_more_than_three_files_or_a_file_over_ten_megabytes_is_refused(files_app, folder):
    client = files_app.test_client()
    four = [upload(pdf(), f"{n}.pdf") for n in range(4)]
    html = send_with(client, four).get_data(as_text=True)
    assert "最多只能附加 3 个文件" in field_error(html, "attachments")
    big = pdf(b"0" * (10 * MB))
    html = send_with(client, [upload(big, "big.pdf")]).get_data(as_text=True)
    assert "每个文件不能超过 10 MB" in field_error(html, "attachments")
    assert "请重新选择文件" in html  # the citizen is told the files must be chosen again
    assert "张三" in html  # what was typed is kept
    assert case_count() == 0 and stored_files(folder) == []


def test_a_request_larger_than_every_file_allowed_gets_the_chinese_413_page(files_app, folder):
    files = [upload(pdf(b"0" * (10 * MB)), f"{n}.pdf") for n in range(4)]
    response = send_with(files_app.test_client(), files)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "提交的内容过大" in html and "未被保存" in html
    assert case_count() == 0 and stored_files(folder) == []


def test_a_routing_preview_asks_for_the_files_again(files_app, folder):
    response = send_with(files_app.test_client(), [upload(pdf(), "a.pdf")], body="unsure")
    html = response.get_data(as_text=True)
    assert 'name="confirm_routing" type="hidden" value="1"' in html
    assert "确认前请在下方重新选择" in html
    assert case_count() == 0 and stored_files(folder) == []


def test_files_are_removed_when_the_case_cannot_be_stored(files_app, folder, monkeypatch):
    def broken_commit():
        raise RuntimeError("the database went away")

    client = files_app.test_client()
    monkeypatch.setattr(db.session, "commit", broken_commit)
    files_app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(RuntimeError):
        send_with(client, [upload(pdf(), "a.pdf")])
    monkeypatch.undo()
    assert stored_files(folder) == []


def test_no_route_serves_the_attachment_folder(files_app, folder):
    receipt(send_with(files_app.test_client(), [upload(pdf(), "a.pdf")]))
    name = stored_files(folder)[0].name
    client = files_app.test_client()
    for url in (f"/static/{name}", f"/attachments/{name}", f"/instance/attachments/{name}"):
        assert client.get(url).status_code == 404


def test_only_the_holding_bodys_staff_download_a_file_as_an_attachment(files_app, folder):
    files_app.test_client_class = IsolatedClient
    marker = b"UNMISTAKABLE-PDF-CONTENT"
    reference, _ = receipt(send_with(files_app.test_client(), [upload(pdf(marker), "a.pdf")]))
    case = the_case(reference)
    url = f"/inbox/cases/{case.id}/attachments/1"
    court = staff_client(files_app, "court-staff")
    response = court.get(url)
    assert response.status_code == 200 and marker in response.data
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"{reference}-1.pdf" in disposition
    assert court.get(f"/inbox/cases/{case.id}/attachments/2").status_code == 404
    for other in ("discipline-staff", "inspection-manager"):
        refused = staff_client(files_app, other).get(url)
        assert refused.status_code == 404 and marker not in refused.data
    admin = staff_client(files_app, "admin").get(url)
    assert admin.status_code in (403, 404) and marker not in admin.data
    anonymous = files_app.test_client().get(url)
    assert anonymous.status_code == 302 and marker not in anonymous.data


def test_a_transfer_moves_the_files_with_the_case(files_app):
    files_app.test_client_class = IsolatedClient
    marker = b"TRANSFERRED-FILE"
    reference, _ = receipt(send_with(files_app.test_client(), [upload(pdf(marker), "a.pdf")]))
    case = the_case(reference)
    court = staff_client(files_app, "court-staff")
    response = court.post(
        f"/inbox/cases/{case.id}/transfer",
        data={
            "transfer-to_body": body("inspection").id,
            "transfer-reason": "由巡察办核查更合适。",
            "transfer-confirmed": "yes",
        },
    )
    assert response.status_code == 302
    url = f"/inbox/cases/{case.id}/attachments/1"
    assert court.get(url).status_code == 404
    assert marker in staff_client(files_app, "inspection-staff").get(url).data


def test_the_inbox_lists_the_files_of_a_case(files_app):
    files_app.test_client_class = IsolatedClient
    reference, _ = receipt(
        send_with(
            files_app.test_client(), [upload(pdf(), "a.pdf"), upload(png_with_text(), "b.png")]
        )
    )
    case = the_case(reference)
    page = (
        staff_client(files_app, "court-staff").get(f"/inbox/cases/{case.id}").get_data(as_text=True)
    )
    assert f"/inbox/cases/{case.id}/attachments/1" in page
    assert f"/inbox/cases/{case.id}/attachments/2" in page
    assert db.session.execute(select(Attachment.id)).all()


def test_the_form_works_without_javascript_and_says_what_may_be_attached(files_app):
    html = files_app.test_client().get("/submit").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html and "multiple" in html
    assert "最多 3 个文件" in html and "PDF 文件按原样保存" in html
    assert "<script" not in html


def test_the_allowed_types_are_configurable(app_factory, tmp_path):
    with running(
        app_factory(ATTACHMENT_DIR=str(tmp_path / "files"), ATTACHMENT_TYPES=("jpeg", "png"))
    ) as app:
        html = send_with(app.test_client(), [upload(pdf(), "a.pdf")]).get_data(as_text=True)
        assert field_error(html, "attachments")
        assert case_count() == 0


def test_a_decompression_bomb_is_refused(files_app):
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, "PNG")
    html = send_with(files_app.test_client(), [upload(out.getvalue(), "bomb.png")]).get_data(
        as_text=True
    )
    assert "无法读取" in field_error(html, "attachments")
    assert case_count() == 0


def test_a_picture_too_large_to_decode_is_refused_by_its_header_as_preview_and_message(
    files_app, folder
):
    # The file: 49 megapixels, 190 KB. It used to be decoded, even for a preview.
    out = io.BytesIO()
    Image.new("1", (7000, 7000)).save(out, "PNG")
    client = files_app.test_client()
    for overrides in ({"body": "unsure"}, {}):
        html = send_with(client, [upload(out.getvalue(), "big.png")], **overrides).get_data(
            as_text=True
        )
        assert "图片 big.png 过大，无法读取" in field_error(html, "attachments")
        assert 'name="confirm_routing" type="hidden" value="1"' not in html
    assert case_count() == 0 and stored_files(folder) == []


def test_pictures_over_the_budget_of_one_message_are_refused(app_factory, tmp_path):
    with running(
        app_factory(ATTACHMENT_DIR=str(tmp_path / "files"), ATTACHMENT_MAX_PIXELS=1_000_000)
    ) as app:
        out = io.BytesIO()
        Image.new("RGB", (600, 600), "white").save(out, "PNG")  # 0.36 megapixels each
        files = [upload(out.getvalue(), f"{n}.png") for n in range(3)]
        html = send_with(app.test_client(), files).get_data(as_text=True)
        assert "所附图片合计过大" in field_error(html, "attachments")
        assert "最多 1 百万像素" in html
        assert case_count() == 0 and stored_files(tmp_path / "files") == []


def test_a_preview_only_reads_headers_and_the_message_decodes_the_picture(files_app, folder):
    out = io.BytesIO()
    Image.effect_noise((400, 400), 64).convert("RGB").save(out, "PNG")
    damaged = out.getvalue()[:2000]  # a sound header, then the pixels cut short
    client = files_app.test_client()
    preview = send_with(client, [upload(damaged, "a.png")], body="unsure").get_data(as_text=True)
    assert 'name="confirm_routing" type="hidden" value="1"' in preview  # nothing was decoded
    html = send_with(
        client, [upload(damaged, "a.png")], body="unsure", confirm_routing="1"
    ).get_data(as_text=True)
    assert "无法读取" in field_error(html, "attachments")
    assert "张三" in html  # what was typed is kept
    assert case_count() == 0 and stored_files(folder) == []


def test_a_photo_too_large_to_decode_in_full_is_stored_at_half_its_size(files_app, folder):
    out = io.BytesIO()
    Image.new("L", (8000, 6000), 128).save(out, "JPEG", quality=50)  # 48 megapixels
    reference, _ = receipt(send_with(files_app.test_client(), [upload(out.getvalue(), "a.jpg")]))
    stored = the_case(reference).attachments[0]
    with attachment_store.current().open(db.session, stored) as file, Image.open(file) as photo:
        assert photo.size == (4000, 3000)
