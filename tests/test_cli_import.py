"""`flask feedback import-notice PATH --unit 单位`: a notice file becomes a published catalog."""

from pathlib import Path

import pytest
from notice_helpers import NOTICES, sample
from sqlalchemy import func, select

from feedback.extensions import db
from feedback.models import BodyRole, Item, Notice
from feedback.notices.loader import SEED_SLUG


def import_notice(runner, *args: str):
    return runner.invoke(args=["feedback", "import-notice", *args])


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Notice)),
        db.session.scalar(select(func.count()).select_from(Item)),
    )


def test_a_dry_run_prints_the_tree_counts_bodies_and_warnings_and_stores_nothing(runner):
    before = counts()
    result = import_notice(
        runner,
        str(NOTICES / "totals-mismatch.txt"),
        "--unit",
        "五峰土家族自治县林业局",
        "--dry-run",
    )
    assert result.exit_code == 0, result.output
    assert "一 在贯彻落实党中央决策部署方面" in result.output
    assert "一.1.(1) 村级林长巡林记录不全  [已完成]" in result.output
    assert "一.2 生态保护修复推进缓慢  [持续推进 · 拟]" in result.output
    assert "2 aspects, 3 categories, 5 items (4 completed, 1 ongoing)" in result.output
    assert "court       县林业局 0717-5231188  → a new body" in result.output
    assert "inspection  县委巡察办 0717-5755079  → existing body 'inspection'" in result.output
    assert "通报称有 35 项问题，实际识别出 5 项。" in result.output
    assert "Dry run: nothing was stored." in result.output
    assert counts() == before


def test_an_import_publishes_the_notice_with_its_window(runner):
    result = import_notice(
        runner,
        str(NOTICES / "guanyu-measures.txt"),
        "--unit",
        "五峰土家族自治县人民医院",
        "--slug",
        "hospital-2021",
        "--opens",
        "2026-01-01",
        "--closes",
        "2026-12-31",
        "--inspection",
        "inspection",
    )
    assert result.exit_code == 0, result.output
    assert "Published hospital-2021" in result.output and "/n/hospital-2021/" in result.output
    notice = db.session.scalars(select(Notice).where(Notice.slug == "hospital-2021")).one()
    assert notice.published_at is not None
    assert (notice.opens_on.isoformat(), notice.closes_on.isoformat()) == (
        "2026-01-01",
        "2026-12-31",
    )
    assert notice.title == "中共五峰土家族自治县人民医院委员会关于巡察反馈意见整改情况的通报"
    assert len([i for a in notice.aspects for c in a.categories for i in c.items]) == 11
    assert notice.body_for(BodyRole.COURT).name == "县人民医院党委办公室"
    assert notice.body_for(BodyRole.INSPECTION).slug == "inspection"


def test_a_gb18030_file_is_read(runner, tmp_path: Path):
    path = tmp_path / "notice.txt"
    path.write_bytes(sample("fullwidth-wrapped").encode("gb18030"))
    result = import_notice(runner, str(path), "--unit", "五峰土家族自治县人民检察院")
    assert result.exit_code == 0, result.output
    assert "2 aspects, 4 categories, 7 items" in result.output


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (None, ["--unit", "某单位"], "no file"),
        (b"", ["--unit", "某单位"], "文件是空的"),
        (b"  \n\n", ["--unit", "某单位"], "文件是空的"),
        (b"\xff\xfe\x00\x01\x00", ["--unit", "某单位"], "UTF-8 或 GB18030"),
        ("这不是通报。".encode(), ["--unit", "某单位"], "未在这段文字中找到问题"),
        ("comma-aspects", ["--unit", "某镇", "--slug", SEED_SLUG], "已被其他通报使用"),
        ("comma-aspects", ["--unit", "某镇", "--slug", "Bad Slug"], "请使用小写字母"),
        ("comma-aspects", ["--unit", "某镇", "--opens", "2026-02-30"], "is not a date"),
        (
            "comma-aspects",
            ["--unit", "某镇", "--opens", "2026-12-01", "--closes", "2026-11-30"],
            "截止日期早于开始日期",
        ),
        ("comma-aspects", ["--unit", "某镇", "--court", "nobody"], "no body 'nobody'"),
    ],
)
def test_mistakes_are_explained_and_nothing_is_stored(runner, tmp_path, setup, args, message):
    path = tmp_path / "notice.txt"
    if isinstance(setup, bytes):
        path.write_bytes(setup)
    elif isinstance(setup, str):
        path.write_text(sample(setup), encoding="utf-8")
    before = counts()
    result = import_notice(runner, str(path), *args)
    assert result.exit_code != 0
    assert message in result.output
    assert counts() == before


def test_a_notice_without_contacts_needs_its_bodies_named(runner, tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text(sample("comma-aspects").split("欢迎广大干部群众")[0], encoding="utf-8")
    refused = import_notice(runner, str(path), "--unit", "中共渔洋关镇委员会")
    assert refused.exit_code != 0 and "请为以下角色选择受理机关" in refused.output
    named = import_notice(
        runner,
        str(path),
        "--unit",
        "中共渔洋关镇委员会",
        "--court",
        "court",
        "--discipline",
        "discipline",
        "--inspection",
        "inspection",
    )
    assert named.exit_code == 0, named.output


def test_a_dry_run_gives_an_unnamed_number_to_the_unit_and_lists_12388_apart(runner, tmp_path):
    notice = tmp_path / "通报.txt"
    notice.write_text(
        "一、具体问题整改情况\n1.学习不深入\n整改情况：已完成。\n"
        "如有意见建议，请及时向我们反映。联系电话：0717-5550001。也可登录12388举报网站反映。",
        encoding="utf-8",
    )
    result = import_notice(runner, str(notice), "--unit", "某某县交通运输局", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "court       某某县交通运输局 0717-5550001  → a new body" in result.output
    assert "Other channels (never a body): 12388" in result.output
    assert "12388  →" not in result.output
