"""The words and signs a rectification notice is written with, as data the parser reads.

Notices number their headings in a handful of styles (一、 （一） 1. （1） ①), write them with
full-width or half-width digits and punctuation, and introduce what was done with a few stock
phrases (整改情况：…). Every such convention lives in a table here; the parser only reads them.
"""

import re
import unicodedata
from dataclasses import dataclass

CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
CN_NUMERAL = "[一二三四五六七八九十]+"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def cn_number(text: str) -> int:
    """Read a Chinese numeral up to 99: 三 → 3, 十一 → 11, 二十三 → 23."""
    if "十" not in text:
        value = 0
        for char in text:
            value = value * 10 + CN_DIGITS[char]
        return value
    tens, _, ones = text.partition("十")
    return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[ones] if ones else 0)


def cn_numeral(value: int) -> str:
    """Write a number up to 99 in Chinese: 3 → 三, 11 → 十一, 23 → 二十三."""
    digits = "零一二三四五六七八九"
    if value < 10:
        return digits[value]
    tens, ones = divmod(value, 10)
    return f"{digits[tens] if tens > 1 else ''}十{digits[ones] if ones else ''}"


def number_value(text: str) -> int:
    """The value of a heading's number, whichever way it is written."""
    if text in CIRCLED:
        return CIRCLED.index(text) + 1
    if text.isdigit():
        return int(text)
    return cn_number(text)


@dataclass(frozen=True)
class Marker:
    """One style of heading number: how to find it, and how an item code writes it."""

    kind: str
    pattern: re.Pattern[str]  # matched against the normalised line; group 1 is the number
    code: str  # how the number appears in an item code, {n} being the number as written
    strong: bool = True  # False for 一是, which prose uses as often as headings do


# Matched in this order against a paragraph's normalised form (full-width signs made half-width).
MARKERS: tuple[Marker, ...] = (
    Marker("cn_comma", re.compile(rf"^({CN_NUMERAL})[、.](?!\d)"), "{n}"),
    Marker("cn_paren", re.compile(rf"^\(({CN_NUMERAL})\)"), "({n})"),
    Marker("num_paren", re.compile(r"^\((\d{1,2})\)"), "({n})"),
    Marker("num_dot", re.compile(r"^(\d{1,2})(?:[、]|\.(?!\d))"), "{n}"),
    Marker("circled", re.compile(f"^([{CIRCLED}])"), "{n}"),
    # 问题一：… / 【问题一】… / 第一个问题：… — problems given by label rather than by number.
    Marker(
        "label",
        re.compile(
            rf"^(?:【\s*)?(?:问题|第(?=\S{{1,3}}个问题))\s*({CN_NUMERAL}|\d{{1,2}})\s*(?:个问题)?"
            r"(?:】|[:、.]|\s)"
        ),
        "{n}",
    ),
    Marker("shi", re.compile(rf"^(?:其)?({CN_NUMERAL})是"), "{n}", strong=False),
)


@dataclass(frozen=True)
class Intro:
    """A stock phrase that introduces what was done about a problem, such as 整改情况：."""

    pattern: re.Pattern[str]
    keep: bool  # keep the phrase in the text: 整改进展 says more than the generic 整改情况


INTROS: tuple[Intro, ...] = (
    Intro(re.compile(r"^(?:具体)?整改(?:落实)?情况[:：]?"), keep=False),
    Intro(re.compile(r"^整改(?:措施|举措|进展|结果|成效|时限|目标)[:：]"), keep=True),
    Intro(re.compile(r"^(?:完成|进展|落实)情况[:：]"), keep=True),
)


def intro(text: str) -> "Intro | None":
    """The stock phrase a paragraph opens with to say what was done, if it does."""
    matchable = for_matching(text)
    return next((i for i in INTROS if i.pattern.match(matchable)), None)


def starts_block(line: str) -> bool:
    """A line that begins a heading or a rectification text never continues the line above."""
    matchable = for_matching(line)
    return any(m.strong and m.pattern.match(matchable) for m in MARKERS) or intro(line) is not None


DESCRIPTION = "问题表现："  # a problem's own description, kept after what was done about it
# Where what was done begins inside a problem's text, after its description: 整改措施：… at the start
# of a sentence.
RECTIFICATION_BEGINS = re.compile(
    r"(?:^|(?<=[。；;!?！？\n]))\s*(?:具体)?整改(?:落实)?(?:情况|措施|举措|进展|结果|成效)[:：]"
)


# Where a heading's title ends when its text follows on the same line: at a sentence's end outside
# quotation marks (a problem quoted as two sentences keeps both), or where an intro phrase begins.
_TITLE_STOP = re.compile(r"[。;；!?！？]|整改(?:落实)?(?:情况|措施|举措|进展|结果|成效)[:：]")
_OPENING_QUOTES = "“「『‘《"
_CLOSING_QUOTES = "”」』’》"


def title_end(text: str) -> tuple[int, int] | None:
    """Where the title ends and where the text begins, or None when the whole line is a title."""
    depth = 0
    for index, char in enumerate(text):
        if char in _OPENING_QUOTES:
            depth += 1
        elif char in _CLOSING_QUOTES:
            depth = max(0, depth - 1)
        elif depth == 0 and (match := _TITLE_STOP.match(text, index)):
            stop = match.end() if len(match[0]) == 1 else match.start()
            return match.start(), stop
    return None


# Titles in a wrapper, rewritten plainly: 关于“……”的问题 → ……; 在“……”方面 → 在……方面.
TITLE_WRAPPERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"^关于[“\"'‘「](?P<inner>.+)[”\"'’」](?:的)?(?:方面)?(?:的)?(?:问题)?的?"
            r"(?:整改(?:落实)?(?:情况)?)?$"
        ),
        "{inner}",
    ),
    (re.compile(r"^在[“\"'‘「](?P<inner>.+?)[”\"'’」]方面(?:的?问题)?$"), "在{inner}方面"),
    (
        re.compile(
            r"^(?:关于|针对)(?!.*方面的?问题)(?P<inner>[^“\"'‘「]+?)的?问题(?:的)?(?:整改(?:落实)?(?:情况)?)?$"
        ),
        "{inner}",
    ),
)
# A heading that names one problem: 关于“……”的问题, 针对……问题的整改情况.
PROBLEM_TITLE = re.compile(r"^(?:关于|针对).+问题(?:的)?(?:整改(?:落实)?(?:情况)?)?[。.;；:：]?$")
# A label before a problem's title: 1.存在问题：…
TITLE_LABEL = re.compile(r"^(?:存在(?:的)?问题|问题表现|具体问题|反馈问题|问题)[:：]\s*")
TITLE_TRAILING = "。.;；:：,，、 "

# Top-level sections: one holding the problems (二、具体问题整改情况) is a container of aspects;
# the preamble and closing sections are no problems; anything else is an aspect itself.
NOT_PROBLEMS = (
    "开展情况",
    "总体情况",
    "基本情况",
    "主要做法",
    "下一步",
    "下步",
    "工作打算",
    "今后",
    "下阶段",
    "工作成效",
    "主要成效",
    "整改成效",
)
NAMES_PROBLEMS = re.compile(
    r"问题|反馈意见|巡察意见|巡视意见"
)  # 二、聚焦反馈问题…, 巡察反馈意见整改
CONTAINER = re.compile(r"(?:问题|意见).*(?:整改|落实).*情况$")
QUOTES = '“”"「」‘’'

# After the last problem: a paragraph on the work to come (下一步…), then the closing invitation.
NEXT_STEP = re.compile(r"^(?:下一步|下步|下阶段|下一阶段|今后|接下来|我们将|同时[,，]我们将)")
DATE_LINE = re.compile(r"^[(（]?(?:\d{4}|[〇○零一二三四五六七八九]{4})年.{1,3}月.{1,3}日[)）]?$")
CLOSING_START = re.compile(
    r"^(?:欢迎|如有意见|如对|对巡察整改|对巡视整改|广大干部群众|热忱欢迎|诚恳欢迎|联系单位|联系电话|联系方式|联系人)"
)
# A body's phone: a landline with its area code, a mobile, or (电话：5193251) a local number.
PHONE = re.compile(
    r"(?<![\d-])(?:[(（]0\d{2,3}[)）]\s?\d{7,8}|0\d{2,3}[-—－–\s]?\d{7,8}|1[3-9]\d{9}"
    r"|(?<=[话:：])\d{7,8})(?!\d)"
)
SENTENCE_END = "。！？；;!?…"

# Full-width ASCII (digits, letters, signs) made half-width, one character for one, so that a
# position in the normalised line is the same position in the original.
_FULL_TO_HALF = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_TO_HALF[0x3000] = 0x20
_DIGITS_AND_LETTERS = {
    code: code - 0xFEE0
    for code in range(0xFF01, 0xFF5F)
    if chr(code - 0xFEE0).isalnum() or chr(code - 0xFEE0) == "."
}
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002-\u200b\ufeff]+")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")


def for_matching(line: str) -> str:
    """The line with full-width digits, letters and signs made half-width, same length."""
    return line.translate(_FULL_TO_HALF)


def for_reading(text: str) -> str:
    """Text as stored: full-width digits and letters made half-width, Chinese punctuation kept."""
    return text.translate(_DIGITS_AND_LETTERS)


def clean_line(line: str) -> str:
    """Trim a line and drop the stray spaces that copying from a PDF or Word leaves in Chinese."""
    line = unicodedata.normalize("NFC", line)
    parts = _SPACES.split(line.strip())
    out = parts[0]
    for part in parts[1:]:
        # A space between two Latin words or numbers is meant; any other is stray.
        if out and part and _ASCII_WORD.match(out[-1]) and _ASCII_WORD.match(part[0]):
            out += " "
        out += part
    return out


def display_width(text: str) -> int:
    """Columns the text takes on a page: a Chinese character two, a Latin one."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
