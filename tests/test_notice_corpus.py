"""The parser reads each notice of the corpus as a careful reader does (notice_corpus.py)."""

import re
from types import SimpleNamespace

import notice_corpus
import pytest
from notice_corpus import TOTALS, Case, load, names, score

from feedback.models import BodyRole, ItemStatus

LANDLINE = re.compile(r"^0(?:[12]\d-\d{8}|[3-9]\d{2}-\d{7,8})$")
MOBILE = re.compile(r"^1[3-9]\d{9}$")


def cases() -> list[Case]:
    return [load(name) for name in names()]


@pytest.mark.parametrize("name", names())
def test_the_parser_reads_the_notice_as_its_reader_does(name):
    result = score(load(name))
    if result.mismatches:
        pytest.fail(
            f"{result.right}/{result.total} fields right; wrong:\n"
            + "\n".join(
                f"{m.field}: expected {m.expected!r}, got {m.got!r}" for m in result.mismatches
            ),
            pytrace=False,
        )


def test_the_corpus_holds_at_least_15_notices_each_of_its_own_format():
    formats = [case.format for case in cases()]
    assert len(formats) >= 15
    assert len(set(formats)) == len(formats)


@pytest.mark.parametrize("name", names())
def test_each_expectation_is_complete_and_written_as_the_product_stores_it(name):
    expected = load(name).expected
    assert expected["layout_source"] and expected["unit"]
    assert set(expected["stated"]) == set(TOTALS)
    for aspect in expected["tree"]:
        assert aspect["categories"]
        for category in aspect["categories"]:
            for item in category.get("items", [category]):
                assert item["title"] and item["text"]
                assert item["status"] in {None, *ItemStatus}
    for contact in expected["contacts"]:
        assert contact["role"] in {None, *BodyRole}
        assert contact["phones"]
        assert all(LANDLINE.match(p) or MOBILE.match(p) for p in contact["phones"])


def reading(expected: dict) -> SimpleNamespace:
    """The notice as a parser that reads it exactly as expected would give it."""

    def item(entry: dict) -> SimpleNamespace:
        return SimpleNamespace(
            title=entry["title"], rectification=entry["text"], status=ItemStatus(entry["status"])
        )

    aspects = [
        SimpleNamespace(
            title=aspect["title"] or "",
            categories=[
                SimpleNamespace(
                    title=category["title"],
                    items=[item(entry) for entry in category.get("items", [category])],
                )
                for category in aspect["categories"]
            ],
        )
        for aspect in expected["tree"]
    ]
    contacts = [
        SimpleNamespace(
            **{k: v for k, v in contact.items() if k != "role"}, phone=contact["phones"][0]
        )
        for contact in expected["contacts"]
    ]
    return SimpleNamespace(
        title=expected["title"] or "",
        aspects=aspects,
        contacts=contacts,
        stated=SimpleNamespace(**expected["stated"]),
        information=[f"登录{token}" for token in expected["information"]],
    )


def test_the_scorer_counts_a_faithful_reading_right_and_each_slip_once(monkeypatch):
    case = load("work-first-tasks")
    faithful = reading(case.expected)
    monkeypatch.setattr(notice_corpus, "parse", lambda text: faithful)
    result = score(case)
    assert (result.right, result.mismatches) == (result.total, [])

    faithful.aspects[1].categories[1].items[2].title = "项目资金拨付"
    faithful.stated.done = 58
    faithful.information = ["www.ccdi.gov.cn"]
    faithful.contacts[0].phones = ["0717-5526630", "12388"]
    result = score(case)
    assert [m.field for m in result.mismatches] == [
        "tree[1][1][2].title",
        "stated.done",
        "contacts[0](县交通运输局党组).phones",
        "information.12388",
    ]
    assert result.right == result.total - 4
