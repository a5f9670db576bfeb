"""The home page: the notice item by item, a way to comment on each, and the three bodies."""

import re

from conftest import item
from sqlalchemy import event

from feedback.extensions import db

ITEM = re.compile(
    r'<article class="item" id="item-(\d+)">\s*<h([34]) lang="zh-CN"><span class="code">([^<]+)</span> '
    r"([^<]+)</h\2>"
)


def test_home_lists_the_notice_by_aspect_category_and_item(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "中共五峰土家族自治县人民法院党组关于巡察整改情况的通报" in html
    assert "市县联动巡察组" in html  # the preamble
    assert html.count('<section class="aspect"') == 3
    assert html.count('<section class="category"') == 11
    items = [(item_id, code, title) for item_id, _, code, title in ITEM.findall(html)]
    assert len(items) == 30
    codes = [code for _, code, _ in items]
    assert codes[0] == "一.1.(1)" and codes[-1] == "三.3.(2)"
    assert "二.4.(1)" in codes and "二.3" in codes
    first = item("一.1.(1)")
    assert (str(first.id), "一.1.(1)", first.title) in items
    # The rectification text is there, folded away in a <details> so a phone is not flooded.
    assert re.search(
        r"<details>\s*<summary>整改情况</summary>\s*<p class=\"text\" lang=\"zh-CN\">"
        + re.escape(first.rectification),
        html,
    )


def test_every_item_links_to_the_form_with_itself_preselected(client):
    html = client.get("/").get_data(as_text=True)
    for item_id, _, code, _ in ITEM.findall(html):
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


def test_a_category_without_sub_items_is_shown_once_as_the_item(client):
    html = client.get("/").get_data(as_text=True)
    for code, title in (("二.3", "督察反馈问题整改不到位"), ("三.2", "干警岗位调整频繁")):
        assert html.count(f'<span class="code">{code}</span> {title}<') == 1, code
        alone = item(code)
        assert re.search(
            rf'<article class="item" id="item-{alone.id}">\s*<h3 lang="zh-CN"><span class="code">'
            rf"{re.escape(code)}</span>",
            html,
        ), code
    # A category with items keeps its own heading above them.
    assert '<h3 lang="zh-CN"><span class="code">二.4</span> 作风建设不够严实</h3>' in html


def test_the_contents_link_to_each_aspect_with_its_number_of_items(client):
    html = client.get("/").get_data(as_text=True)
    toc = re.search(
        r'<nav class="toc" id="contents" aria-labelledby="contents-title">(.*?)</nav>', html, re.S
    )
    assert toc and '<h2 id="contents-title">目录</h2>' in toc[1]
    entries = re.findall(r'<a href="#(aspect-\d+)">.*?（(\d+) 项）', toc[1])
    assert len(entries) == 3
    assert sum(int(count) for _, count in entries) == 30
    for anchor, _ in entries:
        assert f'<section class="aspect" id="{anchor}">' in html
    assert '<a href="#bodies">受理机关</a>' in toc[1] and '<section id="bodies">' in html


def test_each_comment_link_names_its_item_to_a_screen_reader(client):
    html = client.get("/").get_data(as_text=True)
    links = re.findall(
        r'<a class="comment" href="/submit\?item=(\d+)">对此问题提意见<span class="visually-hidden"> '
        r'<span lang="zh-CN">([^<]+)</span></span></a>',
        html,
    )
    assert len(links) == 30
    assert len({name for _, name in links}) == 30  # thirty different accessible names
    chosen = item("二.4.(1)")
    assert (str(chosen.id), f"二.4.(1) {chosen.title}") in links


def test_the_send_a_message_bar_follows_the_notice_and_points_back_to_the_contents(client):
    for path in ("/", "/n/wufeng-court-2020/"):
        html = client.get(path).get_data(as_text=True)
        bar = re.search(r'<nav class="action-bar" aria-label="快捷操作">(.*?)</nav>', html, re.S)
        assert bar, path
        assert re.search(
            r'<a class="button" href="/(n/wufeng-court-2020/)?submit">我要反映</a>', bar[1]
        )
        assert '<a class="button secondary" href="#contents">目录</a>' in bar[1]
        # Last in the page's content, so that at the end it takes its own place, covering nothing.
        assert html.index('class="action-bar"') > html.index('<section id="bodies">')


def test_the_elder_mode_switch_is_a_plain_link_kept_in_a_lax_cookie(client):
    html = client.get("/track").get_data(as_text=True)
    assert '<a href="/care/on?next=/track?">关怀模式</a>' in html
    assert '<html lang="zh-CN">' in html
    on = client.get("/care/on?next=/track")
    assert on.status_code == 302 and on.headers["Location"] == "/track"
    cookie = on.headers["Set-Cookie"]
    assert cookie.startswith("care=1;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    html = client.get("/track").get_data(as_text=True)
    assert '<html lang="zh-CN" class="care">' in html
    assert '<a href="/care/off?next=/track?">退出关怀模式</a>' in html
    off = client.get("/care/off?next=//elsewhere.example/")
    assert off.headers["Location"] == "/"  # never to another site
    assert '<html lang="zh-CN">' in client.get("/track").get_data(as_text=True)
    assert client.get("/care/maybe").status_code == 404
