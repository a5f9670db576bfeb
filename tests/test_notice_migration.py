"""The notice-catalog migration carries a notice loaded before it over: published, with its bodies."""

from datetime import UTC, datetime

from flask_migrate import upgrade
from sqlalchemy import text

from feedback.extensions import db

BEFORE = "3869822c070a"  # the initial schema
THIS = "c5d2e8f4a1b6"


def test_a_notice_loaded_before_the_migration_is_published_linked_and_its_items_read(
    app_factory, empty_database_url
):
    app = app_factory(SQLALCHEMY_DATABASE_URI=empty_database_url)
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision=BEFORE)
        loaded = datetime(2026, 11, 1, tzinfo=UTC)
        with db.engine.begin() as connection:
            for n, slug in enumerate(("court", "discipline", "inspection"), 1):
                connection.execute(
                    text(
                        "INSERT INTO bodies (id, slug, name, short_name, name_en, phone, address,"
                        " postcode, accept_days, close_days, max_extension_days) VALUES"
                        " (:id, :slug, :slug, :slug, :slug, '0717-5193251', '', '', 15, 60, 30)"
                    ),
                    {"id": n, "slug": slug},
                )
            connection.execute(
                text(
                    "INSERT INTO notices (id, slug, unit, title, preamble, source_text, created_at)"
                    " VALUES (1, 'wufeng-court-2020', '法院', '通报', '', '', :at)"
                ),
                {"at": loaded},
            )
            connection.execute(
                text(
                    "INSERT INTO aspects (id, notice_id, position, number, title)"
                    " VALUES (1, 1, 1, '一', '方面')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO categories (id, aspect_id, position, number, title)"
                    " VALUES (1, 1, 1, '1', '类')"
                )
            )
            for n, rectification in enumerate(("已全部整改到位。", "拟经批准后公开招租。"), 1):
                connection.execute(
                    text(
                        "INSERT INTO items (id, notice_id, category_id, position, code, title,"
                        " rectification) VALUES (:id, 1, 1, :id, :code, '问题', :text)"
                    ),
                    {"id": n, "code": f"一.1.({n})", "text": rectification},
                )
        upgrade(directory=directory, revision=THIS)
        with db.engine.connect() as connection:
            published = connection.execute(text("SELECT published_at FROM notices")).scalar()
            links = connection.execute(
                text("SELECT role, body_id FROM notice_bodies ORDER BY role")
            ).all()
            items = connection.execute(
                text("SELECT status, status_cue, status_by_hand FROM items ORDER BY id")
            ).all()
        assert published is not None
        assert [tuple(link) for link in links] == [
            ("court", 1),
            ("discipline", 2),
            ("inspection", 3),
        ]
        assert [tuple(item) for item in items] == [("done", "", False), ("ongoing", "拟", False)]
        db.session.remove()
        db.engine.dispose()
