"""Error pages speak the citizen's language and never claim that something was received."""

from conftest import case_count
from public_helpers import valid_form


def test_an_unknown_page_is_explained_in_chinese(client):
    response = client.get("/no-such-page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "页面不存在" in html and 'href="/"' in html


def test_a_wrong_method_is_explained_in_chinese(client):
    response = client.get("/track/add")
    assert response.status_code == 405
    assert "无法以此方式访问" in response.get_data(as_text=True)


def test_a_message_too_large_is_refused_and_nothing_is_stored(client):
    response = client.post("/submit", data=valid_form(content="长" * 400_000))
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "提交的内容过大" in html and "未被保存" in html
    assert "已收到" not in html
    assert case_count() == 0


def test_error_pages_are_in_english_with_the_cookie(client):
    client.set_cookie("lang", "en")
    html = client.get("/no-such-page").get_data(as_text=True)
    assert "Page not found" in html and "Back to the home page" in html
