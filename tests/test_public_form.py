"""The submission form: every bad answer is explained beside its field, kept, and nothing is stored."""

import html as html_lib
import re

import pytest
from conftest import case_count, item
from public_helpers import CJK, CONTENT, field_error, post_form, valid_form

from feedback.extensions import db
from feedback.public.forms import normalise_phone

LONG_SUBJECT = "标" * 61


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"subject": ""}, "subject", "请填写标题。"),
        ({"subject": "   "}, "subject", "请填写标题。"),
        ({"subject": LONG_SUBJECT}, "subject", "标题最多 60 个字，现在有 61 个字。"),
        ({"content": "太短了，只有九个字"}, "content", "反映内容至少 10 个字，以便受理机关办理。"),
        ({"content": "长" * 5001}, "content", "内容最多 5000 个字，现在有 5001 个字。"),
        ({"content": ""}, "content", "请填写反映内容。"),
        (
            {"phone": "12345"},
            "phone",
            "请填写手机号码（如 13812345678）或带区号的固定电话（如 0717-5193251）。",
        ),
        (
            {"phone": "12812345678"},
            "phone",
            "请填写手机号码（如 13812345678）或带区号的固定电话（如 0717-5193251）。",
        ),
        (
            {"email": "not-an-address"},
            "email",
            "请填写正确的电子邮箱（如 name@example.com），或留空。",
        ),
        ({"name": ""}, "name", "请填写姓名，或选择匿名。"),
        ({"name": "名" * 41}, "name", "姓名最多 40 个字。"),
        ({"phone": ""}, "phone", "请填写联系电话，或选择匿名。"),
        ({"identity": None}, "identity", "请选择实名或匿名。"),
        ({"consent": None}, "consent", "请勾选此项后再提交。"),
        ({"kind": None}, "kind", "请选择反映类型。"),
        ({"kind": "bribe"}, "kind", "请从列出的类型中选择一项。"),
        ({"body": "mayor"}, "body", "请从列出的受理机关中选择一项，或选择“不确定”。"),
        ({"item": "99999"}, "item", "请从列表中选择一项问题，或选择“不涉及具体问题”。"),
        ({"item": "1 OR 1=1"}, "item", "请从列表中选择一项问题，或选择“不涉及具体问题”。"),
        ({"subject": "标题\x00带空字符"}, "subject", "文字中含有不可见的控制字符，请删除后重试。"),
        ({"content": CONTENT + "\x00"}, "content", "文字中含有不可见的控制字符，请删除后重试。"),
        ({"content": CONTENT + "\x1b[2J"}, "content", "文字中含有不可见的控制字符，请删除后重试。"),
        ({"name": "张\x07三"}, "name", "文字中含有不可见的控制字符，请删除后重试。"),
    ],
)
def test_a_bad_answer_is_explained_beside_its_field_and_nothing_is_stored(
    client, overrides, field, message
):
    response = post_form(client, **overrides)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(html, field) == html_lib.escape(message, quote=False)
    assert "部分内容需要修改，本次未提交" in html
    assert 'id="receipt-code"' not in html
    # What was typed in the other fields is still there.
    if field != "content":
        assert re.search(rf">\s*{CONTENT}</textarea>", html)
    if field != "subject":
        assert 'value="关于便民工作的意见"' in html
    assert case_count() == 0


def test_typed_text_is_kept_after_an_error(client):
    html = post_form(client, subject="标" * 61, phone="0717-519").get_data(as_text=True)
    assert f'value="{"标" * 61}"' in html
    assert 'value="0717-519"' in html
    assert 'value="张三"' in html
    assert '<input checked id="kind-0" name="kind" type="radio" value="opinion">' in html


def test_a_filled_honeypot_stores_nothing_and_says_nothing_was_received(client):
    response = post_form(client, website="http://spam.example")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "提交未成功，请检查表单后重试。" in html
    assert "已收到" not in html and 'id="receipt-ref"' not in html
    assert case_count() == 0


def test_the_honeypot_is_hidden_from_people_and_keyboards(client):
    html = client.get("/submit").get_data(as_text=True)
    trap = re.search(r'<div class="honeypot" aria-hidden="true">(.*?)</div>', html, re.S)
    assert trap
    assert 'tabindex="-1"' in trap[1] and 'autocomplete="off"' in trap[1]
    assert 'name="website"' in trap[1]


def test_anonymous_needs_no_contact_details_and_ignores_bad_ones(client):
    response = post_form(client, identity="anonymous", name="", phone="nonsense", email="x@")
    assert 'id="receipt-code"' in response.get_data(as_text=True)
    assert case_count() == 1


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0717-5193251", "0717-5193251"),
        ("07175193251", "0717-5193251"),
        ("0717 519 3251", "0717-5193251"),
        ("+86 0717-5193251", "0717-5193251"),
        ("010-12345678", "010-12345678"),
        ("02712345678", "027-12345678"),
        ("12812345678", None),
        ("1381234567", None),
        ("0717-519", None),
        ("5193251", None),
        ("phone", None),
    ],
)
def test_phone_numbers_are_recognised_and_stored_in_one_form(typed, stored):
    assert normalise_phone(typed) == stored


def test_the_form_has_no_script_and_posts_plainly(client):
    html = client.get("/submit").get_data(as_text=True)
    assert "<script" not in html
    assert re.search(r'<form method="post" action="/submit"', html)
    assert html.count("<form") == 1


def test_csrf_protection_refuses_a_post_without_a_token_in_chinese(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        refused = client.post("/submit", data=valid_form())
        html = refused.get_data(as_text=True)
        assert refused.status_code == 400
        assert "表单的安全令牌缺失或无效" in html and "未被保存" in html
        assert "表单已过期" not in html  # it did not expire: it had no token
        assert case_count() == 0
        # The page's own token lets the same form through.
        page = client.get("/submit").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token
        accepted = client.post("/submit", data=valid_form(csrf_token=token[1]))
        assert 'id="receipt-code"' in accepted.get_data(as_text=True)
        assert case_count() == 1
        db.session.remove()
        db.engine.dispose()


def test_the_form_and_its_errors_are_in_english_with_the_cookie(client):
    client.set_cookie("lang", "en")
    html = client.get("/submit").get_data(as_text=True)
    assert "Send a message" in html and "Who should receive it?" in html
    assert "Wufeng Tujia Autonomous County People&#39;s Court" in html
    ui = re.sub(r"<select.*?</select>", "", html, flags=re.S)  # item titles are data
    ui = re.sub(r'<a [^>]*lang="zh-CN">中文</a>', "", ui)
    assert not CJK.search(ui), CJK.findall(ui)
    errors = client.post("/submit", data=valid_form(subject="", phone="12")).get_data(as_text=True)
    assert field_error(errors, "subject") == "Write a short subject."
    assert field_error(errors, "phone").startswith("Enter a mobile number")


def test_an_item_preselected_through_the_address_is_only_a_suggestion(client):
    unknown = client.get("/submit?item=99999")
    assert unknown.status_code == 200
    assert "<option selected" not in unknown.get_data(as_text=True)
    chosen = item("三.2")
    html = client.get(f"/submit?item={chosen.id}").get_data(as_text=True)
    assert f'<option selected value="{chosen.id}">' in html
