"""整改监督意见箱: citizens' feedback on a rectification notice, routed to the body that receives it."""

from typing import Any

from flask import Flask

from feedback import cli, config
from feedback.extensions import csrf, db, limiter, login_manager, migrate
from feedback.staff import sessions
from feedback.storage import database, timeouts
from feedback.web import (
    care,
    cross_site,
    errors,
    headers,
    i18n,
    logs,
    request_checks,
    serving,
)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, error pages, commands."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(config.shipped_dir("templates")),
    )
    app.config.from_mapping(config.load(app.instance_path, test_config))
    timeouts.configure(app.config)

    db.init_app(app)
    database.init_app(app)
    timeouts.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(config.shipped_dir("migrations")),
        render_as_batch=True,
        compare_type=True,
    )
    request_checks.init_app(app)  # before anything reads the request
    cross_site.init_app(app)  # before the token check: a forged post is called what it is
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    care.init_app(app)

    serving.init_app(app)
    register_blueprints(app)
    limiter.check_only_limited_views(app)
    errors.init_app(app)
    headers.init_app(app)
    logs.init_app(app)  # no client address in a log line (SECURITY.md)
    sessions.init_app(app)  # session cookies, idle timeout
    cli.init_app(app)
    return app


def register_blueprints(app: Flask) -> None:
    # The notice pages join the admin blueprint, the reply template pages the inbox's.
    import feedback.admin.notice_outline
    import feedback.admin.notices
    import feedback.cases.figures  # the month tallies, kept with the cases at every flush
    import feedback.inbox.reply_templates  # noqa: F401
    from feedback.admin.views import bp as admin
    from feedback.auth.views import bp as auth
    from feedback.inbox.views import bp as inbox
    from feedback.public.views import bp as public
    from feedback.supervision.views import bp as supervision

    app.register_blueprint(public)
    app.register_blueprint(auth, url_prefix="/staff")
    app.register_blueprint(inbox, url_prefix="/inbox")
    app.register_blueprint(admin, url_prefix="/admin")
    app.register_blueprint(supervision, url_prefix="/supervision")
