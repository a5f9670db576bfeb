"""The home page: the notice item by item, a way to comment on each, and the three bodies."""

import re

from conftest import item
from sqlalchemy import event

from feedback.extensions import db

ITEM = re.compile(
    r'<article class="item" id="item-(\d+)">\s*<h4><span class="code">([^<]+)</span> ([^<]+)</h4>'
)


def test_home_lists_the_notice_by_aspect_category_and_item(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "中共五峰土家族自治县人民法院党组关于巡察整改情况的通报" in html
    assert "市县联动巡察组" in html  # the preamble
    assert html.count('<section class="aspect"') == 3
    assert html.count('<section class="category"') == 11
    items = ITEM.findall(html)
    assert len(items) == 30
    codes = [code for _, code, _ in items]
    assert codes[0] == "一.1.(1)" and codes[-1] == "三.3.(2)"
    assert "二.4.(1)" in codes and "二.3" in codes
    first = item("一.1.(1)")
    assert (str(first.id), "一.1.(1)", first.title) in items
    # The rectification text is there, folded away in a <details> so a phone is not flooded.
    assert re.search(
        r"<details>\s*<summary>整改情况</summary>\s*<p class=\"text\">"
        + re.escape(first.rectification),
        html,
    )


def test_every_item_links_to_the_form_with_itself_preselected(client):
    html = client.get("/").get_data(as_text=True)
    for item_id, code, _ in ITEM.findall(html):
        assert f'href="/submit?item={item_id}"' in html, code
    chosen = item("二.4.(1)")
    form = client.get(f"/submit?item={chosen.id}").get_data(as_text=True)
    assert f'<option selected value="{chosen.id}">二.4.(1) {chosen.title}</option>' in form


def test_home_names_the_three_bodies_with_phone_and_the_courts_address(client):
    html = client.get("/").get_data(as_text=True)
    for name, phone in (
        ("五峰土家族自治县人民法院", "0717-5193251"),
        ("县纪委监委派出第五纪检监察组", "0717-5822179"),
        ("县委巡察办", "0717-5755079"),
    ):
        assert name in html
        assert f'<a href="tel:{phone.replace("-", "")}">{phone}</a>' in html
    assert "五峰土家族自治县渔洋关镇幸福大道46号" in html
    assert "443413" in html


def test_the_catalog_loads_in_a_few_queries_not_one_per_item(client):
    statements = []

    def count(*args):
        statements.append(args)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 6  # notices, aspects, categories, items, bodies


def test_public_pages_carry_no_script_and_no_inline_style(client):
    for path in ("/", "/submit", "/track"):
        html = client.get(path).get_data(as_text=True)
        assert "<script" not in html, path
        assert "style=" not in html, path
        assert "<style" not in html, path
