"""A non-editable install is a working app: templates, migrations and compiled catalogs ship in it."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SMOKE = """
import feedback, sys
from feedback import create_app
assert feedback.__file__.startswith(sys.argv[1]), feedback.__file__
app = create_app()
page = app.test_client().get("/").get_data(as_text=True)
print("整改监督意见箱" in page, "0717-5193251" in page)
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
    )
    return next(out.glob("feedback-*.whl"))


def test_the_wheel_carries_templates_migrations_and_compiled_catalogs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "feedback/templates/base.html" in names
    assert "feedback/templates/public/home.html" in names
    assert "feedback/migrations/env.py" in names
    assert any(n.startswith("feedback/migrations/versions/") for n in names)
    assert "feedback/translations/zh_Hans_CN/LC_MESSAGES/messages.mo" in names
    assert "feedback/notices/data/wufeng-court-2020-rectification.txt" in names
    assert "feedback/static/style.css" in names


def test_the_wheel_leaves_the_demo_data_out(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert not [n for n in names if "demo" in n.split("/")[-1] or n.startswith("demo/")]


def test_the_installed_package_migrates_and_serves_in_chinese(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(target),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'installed.sqlite3'}",
        "SECRET_KEY": "packaging test",
    }
    flask = [sys.executable, "-m", "flask", "--app", "feedback"]
    init = subprocess.run(
        [*flask, "feedback", "init"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert init.returncode == 0, init.stderr
    smoke = subprocess.run(
        [sys.executable, "-c", SMOKE, str(target)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert smoke.returncode == 0, smoke.stderr
    assert smoke.stdout.split() == ["True", "True"]
