"""`flask feedback init | create-user | demo-accounts`: safe to repeat, clear about mistakes."""

from sqlalchemy import func, select

from feedback.extensions import db
from feedback.models import Body, Item, Role, User


def test_init_on_an_empty_database_migrates_and_loads_the_notice_and_is_safe_to_repeat(
    app_factory, empty_database_url
):
    app = app_factory(SQLALCHEMY_DATABASE_URI=empty_database_url)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["feedback", "init"])
    second = runner.invoke(args=["feedback", "init"])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "0717-5193251" in first.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Item)) == 30
        assert db.session.scalar(select(func.count()).select_from(Body)) == 3


def test_create_user_reads_the_password_from_standard_input(runner):
    result = runner.invoke(
        args=[
            "feedback",
            "create-user",
            "--body",
            "court",
            "--username",
            "zhang",
            "--role",
            "manager",
        ],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User).where(User.username == "zhang")).one()
    assert (user.role, user.body.slug) == (Role.MANAGER, "court")
    assert "a long enough password" not in user.password_hash


def test_create_user_has_no_password_option(runner):
    result = runner.invoke(
        args=["feedback", "create-user", "--body", "court", "--username", "li", "--password", "x"]
    )
    assert result.exit_code != 0


def test_create_user_refuses_an_unknown_body_an_existing_user_and_a_short_password(runner):
    unknown = runner.invoke(
        args=["feedback", "create-user", "--body", "nowhere", "--username", "wang"],
        input="a long enough password\n",
    )
    existing = runner.invoke(
        args=["feedback", "create-user", "--body", "court", "--username", "court-staff"],
        input="a long enough password\n",
    )
    short = runner.invoke(
        args=["feedback", "create-user", "--body", "court", "--username", "zhao"], input="short\n"
    )
    assert unknown.exit_code != 0 and "nowhere" in unknown.output
    assert existing.exit_code != 0 and "court-staff" in existing.output
    assert short.exit_code != 0 and "12" in short.output
    names = db.session.scalars(select(User.username)).all()
    assert not {"wang", "zhao"} & set(names)


def test_the_admin_belongs_to_no_body(runner):
    result = runner.invoke(
        args=[
            "feedback",
            "create-user",
            "--body",
            "court",
            "--username",
            "root2",
            "--role",
            "admin",
        ],
        input="a long enough password\n",
    )
    assert result.exit_code != 0


def test_demo_accounts_print_their_passwords_once(runner):
    first = runner.invoke(args=["feedback", "demo-accounts"])
    second = runner.invoke(args=["feedback", "demo-accounts"])
    assert first.exit_code == 0 and second.exit_code == 0
    for name in ("court-demo", "discipline-demo", "inspection-demo", "admin-demo"):
        assert name in first.output
    assert "exists already" in second.output
    assert db.session.scalar(select(func.count()).where(User.username.like("%-demo"))) == 4


def test_demo_accounts_are_refused_outside_development(app_factory):
    app = app_factory(DEVELOPMENT=False)
    result = app.test_cli_runner().invoke(args=["feedback", "demo-accounts"])
    assert result.exit_code != 0
    assert "development" in result.output
