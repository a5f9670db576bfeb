"""No client address or user agent reaches the disk: not the database, not any log.
Strict headers on every response of every route, error pages and static files included."""

import http.client
import logging
import threading

import pytest
from conftest import BODIES, PASSWORD, login, new_case
from public_helpers import receipt, valid_form
from security_helpers import jpeg_with_gps, running, upload
from sqlalchemy import inspect, select, text
from werkzeug.serving import make_server

from feedback.cases import months
from feedback.extensions import db
from feedback.models import Case, Kind

ADDRESS = "203.0.113.197"
AGENT = "Distinctive-Agent/9.7 (QX-7731; zh-CN)"
LOOPBACK = "127.0.0.77"  # a distinctive address on the loopback network, for the real server
CLIENT = {"REMOTE_ADDR": ADDRESS, "HTTP_USER_AGENT": AGENT, "HTTP_X_FORWARDED_FOR": ADDRESS}


def everything_stored() -> str:
    """Every value of every row of every table, as text (on SQLite and PostgreSQL alike)."""
    chunks = []
    with db.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                chunks.append(repr(tuple(row)))
    return "\n".join(chunks)


def raw_database_files() -> bytes:
    """The SQLite file and its write-ahead log as bytes; nothing on PostgreSQL."""
    if db.engine.dialect.name != "sqlite":
        return b""
    path = db.engine.url.database
    data = b""
    for suffix in ("", "-wal", "-journal"):
        try:
            with open(path + suffix, "rb") as file:
                data += file.read()
        except FileNotFoundError:
            pass
    return data


def test_a_whole_case_leaves_no_address_or_agent_in_the_database_or_logs(
    app_factory, tmp_path, caplog, capfd
):
    caplog.set_level(logging.DEBUG)
    app = app_factory(ATTACHMENT_DIR=str(tmp_path / "files"), RATELIMIT_ENABLED=True)
    with running(app):
        citizen = app.test_client()
        citizen.environ_base.update(CLIENT)
        sent = citizen.post(
            "/submit",
            data={
                **valid_form(),
                "attachments": [upload(jpeg_with_gps(), "photo.jpg")],
            },
            content_type="multipart/form-data",
        )
        reference, code = receipt(sent)
        pair = {"reference": reference, "code": code}
        assert citizen.post("/track", data=pair).status_code == 200
        citizen.post("/track/add", data={**pair, "text": "补充一点情况，请核实。"})
        citizen.post("/track", data={**pair, "code": "WRONG-CODE"})
        case = db.session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        desk = app.test_client()
        desk.environ_base.update(CLIENT)
        desk.post("/staff/login", data={"username": "court-manager", "password": "wrong!"})
        desk.post("/staff/login", data={"username": "court-manager", "password": PASSWORD})
        assert desk.get(f"/inbox/cases/{case.id}").status_code == 200
        desk.post(f"/inbox/cases/{case.id}/contact")
        desk.get(f"/inbox/cases/{case.id}/attachments/1")
        desk.post(f"/inbox/cases/{case.id}/accept")
        desk.get(f"/inbox/export/download?month={months.month_of(case.received_at)}&format=csv")
        desk.post("/staff/logout")
        db.session.remove()
        db.engine.dispose()
        stored = everything_stored()
        raw = raw_database_files()
    assert "张三" in stored  # the search does find what is stored
    logs = caplog.text + "".join(capfd.readouterr())
    for secret in (ADDRESS, AGENT, "QX-7731"):
        assert secret not in stored
        assert secret.encode() not in raw
        assert secret not in logs


def test_the_development_servers_request_log_carries_no_client_address(app, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for path in ("/", "/no-such-page"):
            connection = http.client.HTTPConnection(
                "127.0.0.1", server.server_port, timeout=10, source_address=(LOOPBACK, 0)
            )
            connection.request("GET", path, headers={"User-Agent": AGENT})
            connection.getresponse().read()
            connection.close()
    finally:
        server.shutdown()
        thread.join(10)
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any('"GET / HTTP/1.1" 200' in line for line in lines), lines
    assert all(LOOPBACK not in line and AGENT not in line for line in lines), lines
    assert all(line.startswith("- - - [") for line in lines if "HTTP/1.1" in line), lines


# ---- headers -----------------------------------------------------------------------------


def assert_strict(response, where, *, secure=False):
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in policy, where
    assert "script-src 'self'" in policy and "style-src 'self'" in policy, where
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "no-referrer", where
    assert headers.get("Permissions-Policy"), where
    if not where[-1].startswith("/static/"):
        assert "no-store" in headers.get("Cache-Control", ""), where
    assert ("Strict-Transport-Security" in headers) is secure, where


def every_url(app, case_id):
    for rule in app.url_map.iter_rules():
        values = {}
        for name in rule.arguments:
            if name == "case_id":
                values[name] = case_id
            elif name == "filename":
                values[name] = "style.css"
            elif name == "code":
                values[name] = "en"
            elif f"<int:{name}>" in rule.rule:
                values[name] = 1
            else:
                values[name] = "x"
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield method, url


@pytest.mark.parametrize("who", ["anonymous", "court-manager", "admin"])
def test_every_route_of_the_url_map_answers_with_strict_headers(client, staff, who):
    case, _ = new_case(chosen="court")
    if who != "anonymous":
        login(client, staff[who])
    seen = 0
    for method, url in every_url(client.application, case.id):
        if url == "/staff/logout":
            continue  # keep the session for the routes after it
        response = client.open(url, method=method)
        assert_strict(response, (who, method, url))
        seen += 1
    assert seen > 30


def test_error_pages_static_files_and_https_answers_carry_the_headers_too(client):
    assert_strict(client.get("/no-such-page"), ("GET", "/no-such-page"))
    assert_strict(client.get("/track/add"), ("GET", "/track/add"))  # 405
    assert_strict(client.get("/static/style.css"), ("GET", "/static/style.css"))
    too_big = client.post("/submit", data={"content": "长" * 400_000})
    assert too_big.status_code == 413
    assert_strict(too_big, ("POST", "/submit"))
    secure = client.get("/", base_url="https://localhost")
    assert_strict(secure, ("GET", "/"), secure=True)
    assert "max-age=" in secure.headers["Strict-Transport-Security"]


@pytest.mark.parametrize("slug", BODIES)
def test_the_receipt_and_tracking_pages_are_never_cached(client, slug):
    kind = Kind.REPORT if slug == "discipline" else Kind.OPINION
    case, code = new_case(kind=kind, chosen=slug)
    tracked = client.post("/track", data={"reference": case.reference, "code": code})
    assert tracked.status_code == 200 and tracked.headers["Cache-Control"] == "no-store"
