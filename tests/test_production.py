"""Production settings: refusing unsafe configuration, the health check, proxies, a database down."""

import re
import threading

import pytest
from conftest import case_count, new_case
from public_helpers import post_form, valid_form

from feedback import config, create_app
from feedback.cases import receipts
from feedback.config import ConfigurationError
from feedback.extensions import db


@pytest.fixture
def production_env(monkeypatch):
    """An environment as on a server: no FEEDBACK_ENV, so not development."""
    for name in ("FEEDBACK_ENV", "SECRET_KEY", "WEB_CONCURRENCY", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_outside_development_a_missing_secret_key_stops_the_service(production_env, tmp_path):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        config.load(str(tmp_path), None)
    assert not (tmp_path / "secret_key").exists()


def test_memory_limits_under_several_workers_stop_the_service(production_env, tmp_path):
    production_env.setenv("SECRET_KEY", "k" * 64)
    production_env.setenv("WEB_CONCURRENCY", "4")
    with pytest.raises(ConfigurationError, match="RATELIMIT_STORAGE_URI"):
        config.load(str(tmp_path), None)
    production_env.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    assert config.load(str(tmp_path), None)["WORKERS"] == 4


def test_development_keeps_a_generated_key_under_instance(production_env, tmp_path):
    production_env.setenv("FEEDBACK_ENV", "development")
    first = config.load(str(tmp_path), None)["SECRET_KEY"]
    assert len(first) >= 64
    assert config.load(str(tmp_path), None)["SECRET_KEY"] == first


def test_the_health_check_answers_and_is_never_rate_limited(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, SUBMIT_LIMITS="1 per hour")
    client = app.test_client()
    answers = [client.get("/healthz") for _ in range(30)]
    assert {r.status_code for r in answers} == {200}
    assert answers[0].get_json() == {
        "status": "ok",
        "database": "ok",
        "limiter": "ok",
        "mail": "off",
    }
    lives = [client.get("/livez") for _ in range(30)]
    assert {r.status_code for r in lives} == {200}


def test_the_health_check_reports_a_database_that_does_not_answer(app_factory):
    app = app_factory(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://127.0.0.1:1/nowhere")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable",
        "database": "unavailable",
        "limiter": "ok",
    }
    assert app.test_client().get("/livez").status_code == 200  # the process itself is fine


def test_the_health_check_reports_a_limiter_storage_that_does_not_answer(app_factory):
    """Submissions are still stored without Redis: degraded, not a reason to pull the backend."""
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["limiter"] == "unavailable"
    assert response.get_json()["status"] == "degraded"


def form_token(client):
    """The CSRF token of the submission form, as its page gives it (and its session cookie)."""
    page = client.get("/submit").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]


def test_with_the_database_down_a_citizen_gets_a_chinese_503_and_no_receipt(app_factory):
    # The citizen opened the form while the database answered, and sends it once it does not.
    before = app_factory(WTF_CSRF_ENABLED=True).test_client()
    token = form_token(before)
    app = app_factory(
        WTF_CSRF_ENABLED=True, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://127.0.0.1:1/nowhere"
    )
    client = app.test_client()
    client.set_cookie("session", before.get_cookie("session").value)
    response = post_form(client, csrf_token=token)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "服务暂时不可用，您提交的内容没有保存" in page
    assert "receipt-ref" not in page and "receipt-code" not in page


def limited_app(app_factory, proxies):
    return app_factory(
        WTF_CSRF_ENABLED=True,
        RATELIMIT_ENABLED=True,
        SUBMIT_LIMITS="1 per hour",
        TRUSTED_PROXIES=proxies,
    )


def test_behind_one_proxy_the_limit_applies_to_the_real_client(app_factory):
    client = limited_app(app_factory, proxies=1).test_client()
    form = valid_form(csrf_token=form_token(client))

    def from_(forwarded):
        return client.post("/submit", data=form, headers={"X-Forwarded-For": forwarded})

    assert from_("203.0.113.7").status_code == 200
    assert from_("203.0.113.8").status_code == 200  # another citizen behind the same proxy
    # A client that forges the header gets the proxy's own entry, its real address, appended.
    assert from_("198.51.100.1, 203.0.113.7").status_code == 429


def test_without_a_trusted_proxy_a_forged_header_changes_nothing(app_factory):
    client = limited_app(app_factory, proxies=0).test_client()
    form = valid_form(csrf_token=form_token(client))
    first = client.post("/submit", data=form, headers={"X-Forwarded-For": "203.0.113.7"})
    second = client.post("/submit", data=form, headers={"X-Forwarded-For": "203.0.113.9"})
    assert (first.status_code, second.status_code) == (200, 429)


def test_reference_numbers_stay_unique_when_submissions_race(app_factory):
    """Eight threads, each with its own connection, submit at once, five times each."""
    app = app_factory()
    references: list[str] = []
    failures: list[BaseException] = []
    start = threading.Barrier(8)

    def submit_five() -> None:
        with app.app_context():
            try:
                start.wait()
                for _ in range(5):
                    case, _ = new_case()
                    references.append(case.reference)
            except BaseException as error:  # reported below, with the others
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit_five) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(references) == len(set(references)) == 40
    assert all(receipts.is_reference(r) for r in references)
    with app.app_context():
        assert case_count() == 40
        db.session.remove()


def test_create_app_checks_the_settings_it_is_given(tmp_path):
    with pytest.raises(ConfigurationError):
        create_app({"DEVELOPMENT": False, "SECRET_KEY": "", "TESTING": True})
