"""Any notice's plain text becomes aspects → categories → items, whatever its style."""

import pytest
from notice_helpers import UNITS, sample

from feedback.models import BodyRole, ItemStatus
from feedback.notices import status
from feedback.notices.contacts import roles
from feedback.notices.loader import seed_text
from feedback.notices.markers import for_matching
from feedback.notices.parser import NoProblemsFound, parse
from feedback.notices.totals import Finding, Totals, stated


def shape(name: str) -> tuple[int, int, int]:
    notice = parse(sample(name))
    return len(notice.aspects), len(notice.categories), len(notice.items)


def titles(name: str) -> dict[str, str]:
    return {item.code: item.title for item in parse(sample(name)).items}


def test_the_seed_notice_reads_as_3_aspects_11_categories_30_items_with_no_warning():
    notice = parse(seed_text())
    assert (len(notice.aspects), len(notice.categories), len(notice.items)) == (3, 11, 30)
    assert [a.title for a in notice.aspects] == [
        "在贯彻落实中央决策部署,履行职责使命方面",
        "在贯彻落实全面从严治党战略部署方面",
        "在贯彻落实新时代党的组织路线方面",
    ]
    assert [c.title for c in notice.aspects[2].categories] == [
        "党组领导班子建设有短板",
        "干警岗位调整频繁",
        "基层组织建设存在短板",
    ]
    assert notice.stated == Totals(aspects=3, categories=11, items=30)
    assert notice.findings == []


def test_seed_items_read_as_ongoing_only_where_the_text_says_work_is_pending():
    items = {item.code: item for item in parse(seed_text()).items}
    ongoing = {
        code: item.status_cue for code, item in items.items() if item.status is ItemStatus.ONGOING
    }
    assert ongoing == {"二.2.(1)": "争取", "二.4.(4)": "将于", "二.5.(1)": "拟", "二.5.(2)": "后期"}
    # 拟定 (to draft an agenda) is no intention still to be carried out.
    assert "拟定" in items["三.1.(1)"].rectification
    assert items["三.1.(1)"].status is ItemStatus.DONE


def test_paren_aspects_with_circled_items():
    assert shape("paren-aspects-circled-items") == (2, 4, 9)
    found = titles("paren-aspects-circled-items")
    assert found["一.1.①"] == "部分河段巡河记录流于形式"
    assert found["一.2.③"] == "基层防汛队伍培训不足"
    assert found["二.2.②"] == "违规发放津补贴"
    notice = parse(sample("paren-aspects-circled-items"))
    assert notice.aspects[1].title == "全面从严治党和党风廉政建设方面"
    # 整改情况： on a line of its own introduces the next line.
    first = notice.items[0].rectification
    assert first.startswith("组织全局河湖长制工作人员开展专题培训2次")
    # The section before the problems (提高政治站位…) and the one after are not problems.
    assert not {"提高政治站位，压实整改责任", "下一步工作打算"} & set(found.values())
    assert notice.findings == []


def test_top_level_headings_can_be_the_aspects_themselves():
    assert shape("comma-aspects") == (3, 6, 10)
    notice = parse(sample("comma-aspects"))
    assert [a.number for a in notice.aspects] == ["一", "二", "三"]
    assert notice.aspects[2].title == "在党的组织建设方面"
    found = titles("comma-aspects")
    # A category with no sub-items is itself the item.
    assert found["二.1"] == "党委主体责任落实不到位"
    assert found["三.2"] == "基层党组织标准化建设不达标"
    assert found["一.1.(1)"] == "产业发展规划落实不到位"
    assert "下一步工作打算" not in [a.title for a in notice.aspects]


def test_guanyu_titles_are_unwrapped_and_measures_and_progress_are_both_kept():
    assert shape("guanyu-measures") == (2, 5, 11)
    notice = parse(sample("guanyu-measures"))
    assert notice.aspects[0].title == "在落实全面从严治党责任方面"
    found = titles("guanyu-measures")
    assert found["一.1.(1)"] == "党委会研究党风廉政建设工作不够"
    assert found["一.2.(2)"] == "对“红包”“回扣”问题查处不力"
    assert found["二.1"] == "药品耗材管理不规范"
    item = next(i for i in notice.items if i.code == "一.2.(1)")
    assert item.rectification == (
        "整改措施：制定年度监督检查计划，开展医德医风专项检查。\n"
        "整改进展：正在开展第二轮专项检查，计划年底前形成检查报告。"
    )
    assert (item.status, item.status_cue) == (ItemStatus.ONGOING, "正在")
    # Its own totals (11 problems, 7 completed, 4 being rectified) agree with what was read.
    assert notice.stated == Totals(aspects=2, categories=5, items=11, done=7, ongoing=4)
    assert notice.findings == []


def test_full_width_digits_stray_spaces_and_broken_lines():
    assert shape("fullwidth-wrapped") == (2, 4, 7)
    notice = parse(sample("fullwidth-wrapped"))
    first = notice.items[0]
    assert first.code == "一.1.(1)"
    # A title broken over two lines is joined; full-width digits become half-width.
    assert (
        first.title
        == "对侦查活动的监督不够有力，对公安机关立案监督案件数量偏少，监督线索发现渠道单一"
    )
    assert first.rectification == (
        "与县公安局建立侦查监督与协作配合办公室，设立检察官常驻联络点，"
        "2021年以来共监督立案7件、监督撤案3件。"
    )
    assert notice.items[1].title == "审查起诉案件办理质效不高"
    assert notice.preamble.startswith("根据县委统一部署，2020年9月7日至10月30日")
    assert notice.title == "中共五峰土家族自治县人民检察院党组关于巡察整改情况的通报"
    phones = {c.name: c.phone for c in notice.contacts}
    assert phones["县人民检察院"] == "0717-5192308"


def test_stated_totals_that_disagree_are_each_reported():
    notice = parse(sample("totals-mismatch"))
    assert shape("totals-mismatch") == (2, 3, 5)
    found = {f.code: f.params for f in notice.findings}
    assert found == {
        "total_aspects": {"stated": 4, "found": 2},
        "total_categories": {"stated": 12, "found": 3},
        "total_items": {"stated": 35, "found": 5},
        "total_done": {"stated": 30, "found": 4},
        "total_ongoing": {"stated": 5, "found": 1},
    }


@pytest.mark.parametrize("name", sorted(UNITS))
def test_every_sample_names_its_three_bodies_with_phone_numbers(name):
    found = roles(parse(sample(name)).contacts, UNITS[name])
    assert set(found) == set(BodyRole)
    assert all(c.phone.startswith("0717-") for c in found.values())
    assert found[BodyRole.INSPECTION].name == "县委巡察办"


def test_the_closing_paragraph_gives_address_and_postcode_to_the_body_named_before():
    contacts = {c.name: c for c in parse(sample("comma-aspects")).contacts}
    town = contacts["中共渔洋关镇委员会"]
    assert (town.phone, town.postcode) == ("0717-5561234", "443413")
    assert town.address == "五峰土家族自治县渔洋关镇天池路8号"
    assert contacts["县纪委监委信访室"].phone == "0717-5822100"


def test_full_width_and_half_width_markers_read_alike():
    half = "二、具体问题整改情况\n(一)在某某方面\n1.问题类别\n(1)具体问题\n整改情况:已完成整改。"
    full = "二、具体问题整改情况\n（一）在某某方面\n１．问题类别\n（１）具体问题\n整改情况：已完成整改。"
    for text in (half, full):
        notice = parse(text)
        assert [(i.code, i.title, i.rectification) for i in notice.items] == [
            ("一.1.(1)", "具体问题", "已完成整改。")
        ]


def test_a_heading_with_its_text_on_the_same_line_is_split_at_the_intro():
    text = "一、在某某方面\n1.类别\n(1)会议记录不规范。整改情况：已规范会议记录。\n(2)台账不全 整改措施：补齐台账。"
    items = parse(text).items
    assert [(i.title, i.rectification) for i in items] == [
        ("会议记录不规范", "已规范会议记录。"),
        ("台账不全", "整改措施：补齐台账。"),
    ]


def test_numbered_points_inside_a_rectification_stay_in_its_text():
    text = "一、在某某方面\n1.类别\n(1)问题甲\n整改情况：\n①召开专题会议；\n②修订制度。\n(2)问题乙\n已整改。"
    items = parse(text).items
    assert [i.title for i in items] == ["问题甲", "问题乙"]
    assert items[0].rectification == "①召开专题会议；\n②修订制度。"


def test_text_without_numbered_problems_is_refused():
    with pytest.raises(NoProblemsFound):
        parse("欢迎广大干部群众对巡察整改情况进行监督。县委巡察办联系电话：0717-5755079。")
    with pytest.raises(NoProblemsFound):
        parse("一、整改工作开展情况\n成立整改领导小组。\n二、下一步工作措施\n持续整改。")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("已全部整改到位。", (ItemStatus.DONE, "")),
        ("已完成评估，拟经批准后公开招租。", (ItemStatus.ONGOING, "拟")),
        ("提前拟定党组会议议题。", (ItemStatus.DONE, "")),
        ("将于2021年春季开展培训。", (ItemStatus.ONGOING, "将于")),
        ("正在推进，逐步完善。", (ItemStatus.ONGOING, "正在")),
        ("制度已建立，后期将持续巩固。", (ItemStatus.ONGOING, "后期")),
    ],
)
def test_the_status_is_read_from_the_first_cue_of_pending_work(text, expected):
    assert status.infer(text) == expected


def test_a_phone_number_inside_a_rectification_does_not_end_the_problems():
    text = (
        "一、在某某方面\n1.类别\n(1)监督渠道不畅\n"
        "整改情况：公布监督举报电话0717-5822179，接受群众监督。\n"
        "(2)台账不全\n整改情况：补齐台账。\n"
        "县委巡察办联系电话：0717-5755079。"
    )
    notice = parse(text)
    assert [i.title for i in notice.items] == ["监督渠道不畅", "台账不全"]
    assert [(c.name, c.phone) for c in notice.contacts] == [("县委巡察办", "0717-5755079")]


# The ways real notices were read wrongly, each as it was reported ---------------------------


def test_a_phone_with_no_office_named_is_the_issuing_units_and_12388_is_no_body():
    text = (
        "一、具体问题整改情况\n1.学习不深入\n整改情况：已完成。\n"
        "如有意见建议，请及时向我们反映。联系电话：0717-5550001，电子邮箱：jw@example.gov.cn。"
        "也可登录12388举报网站（www.12388.gov.cn）反映。"
    )
    notice = parse(text)
    assert [(c.name, c.phones, c.email) for c in notice.contacts] == [
        ("", ["0717-5550001"], "jw@example.gov.cn")
    ]
    assert notice.information == ["12388", "www.12388.gov.cn"]
    assert roles(notice.contacts, "某某县交通运输局")[BodyRole.COURT].phones == ["0717-5550001"]


def test_lead_ins_are_stripped_from_names_and_a_second_number_stays_with_its_body():
    text = (
        "一、具体问题整改情况\n1.学习不深入\n整改情况：已完成。\n"
        "欢迎监督，请向镇党委（联系电话：0717-5551111）或镇纪委（联系电话：0717-5552222）反映，"
        "也可向县委巡察办反映，联系电话：0717-5755079、13900001111。"
        "联系单位：县委巡察办，地址：五峰县城关路1号，邮编：443400。"
    )
    contacts = parse(text).contacts
    assert [(c.name, c.phones) for c in contacts] == [
        ("镇党委", ["0717-5551111"]),
        ("镇纪委", ["0717-5552222"]),
        ("县委巡察办", ["0717-5755079", "13900001111"]),
    ]
    assert (contacts[2].address, contacts[2].postcode) == ("五峰县城关路1号", "443400")


def test_work_sections_with_slogan_headings_are_not_problems_and_the_problem_part_is_found():
    text = (
        "一、提高政治站位，扛牢整改政治责任\n（一）加强组织领导\n成立整改工作领导小组。\n"
        "二、聚焦问题清单，逐项对账销号\n（一）关于贯彻落实党中央决策部署方面\n１．落实生态优先理念有差距\n"
        "（１）污染防治攻坚推进不力。整改情况：制定攻坚方案。\n"
        "（２）督察整改推进缓慢。整改情况：建立台账。\n"
        "（二）关于全面从严治党方面\n１．主体责任落实不到位\n（１）研究不够。整改情况：专题研究４次。\n"
        "三、建立长效机制，巩固整改成果\n深入推进制度建设。"
    )
    notice = parse(text)
    assert [a.title for a in notice.aspects] == [
        "关于贯彻落实党中央决策部署方面",
        "关于全面从严治党方面",
    ]
    assert [i.code for i in notice.items] == ["一.1.(1)", "一.1.(2)", "二.1.(1)"]
    assert Finding("not_problems", {"line": 1, "title": "提高政治站位，扛牢整改政治责任"}) in (
        notice.findings
    )


def test_task_counts_are_not_problem_counts():
    found = stated(
        "反馈了4个方面12个问题。局党组制定68项整改任务，截至目前已完成58项，其余10项正在推进。"
    )
    assert found == Totals(aspects=4, items=12, tasks=68)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "共反馈问题12个，已完成整改9个，其余3个正在按计划推进。",
            Totals(items=12, done=9, ongoing=3),
        ),
        ("9个问题已全部完成整改。", Totals(items=9, done=9)),
        ("截至目前，完成整改7个。", Totals(done=7)),
        ("反馈的2个方面４类问题７个具体问题", Totals(aspects=2, categories=4, items=7)),
    ],
)
def test_totals_are_read_however_they_are_phrased(text, expected):
    assert stated(for_matching(text)) == expected


def test_a_title_keeps_a_quoted_problem_whole_and_loses_its_wrapper():
    text = (
        "一、具体问题整改情况\n"
        "1.关于“公务用车管理不规范。私车公养问题突出”的问题。开展公车专项清理。\n"
        "2.“三重一大”执行不严。修订实施细则。"
    )
    assert [(i.title, i.rectification) for i in parse(text).items] == [
        ("公务用车管理不规范。私车公养问题突出", "开展公车专项清理。"),
        ("“三重一大”执行不严", "修订实施细则。"),
    ]


def test_labelled_problems_are_items_and_their_result_gives_the_status():
    text = "一、巡察反馈问题整改情况\n" + "".join(
        f"问题{n}：问题{n}的表现。\n整改措施：措施{n}。\n整改结果：{result}。\n"
        for n, result in zip(
            "一二三四五六七八九", ["已完成", "持续推进"] * 4 + ["已完成"], strict=True
        )
    )
    items = parse(text).items
    assert len(items) == 9
    assert [i.status for i in items[:2]] == [ItemStatus.DONE, ItemStatus.ONGOING]


def test_a_table_pasted_from_word_is_read_by_its_header():
    text = (
        "序号\t问题类别\t具体问题\t整改措施\t完成情况\n"
        "1\t党的领导\t理论学习不深入。学习制度执行不严。\t制定学习计划\t已完成\n"
        "2\t\t意识形态工作薄弱\t召开专题会\t持续推进\n"
        "3\t全面从严治党\t三重一大执行不严\t修订制度\t已完成\n"
    )
    notice = parse(text)
    assert [a.title for a in notice.aspects] == ["党的领导", "全面从严治党"]
    assert [(i.title, i.rectification.split("\n")[0], i.status) for i in notice.items] == [
        ("理论学习不深入", "制定学习计划", ItemStatus.DONE),
        ("意识形态工作薄弱", "召开专题会", ItemStatus.ONGOING),
        ("三重一大执行不严", "修订制度", ItemStatus.DONE),
    ]


def test_a_closing_next_step_paragraph_is_not_glued_to_the_last_item_nor_read_as_its_status():
    text = (
        "一、具体问题整改情况\n1.学习不深入\n整改情况：已完成整改。\n"
        "下一步，局党组将持续巩固整改成果，坚决防止问题反弹。\n"
        "县委巡察办联系电话：0717-5755079。"
    )
    notice = parse(text)
    assert notice.items[0].rectification == "已完成整改。"
    assert notice.items[0].status is ItemStatus.DONE
    assert notice.findings[0].code == "next_steps"


def test_page_headers_and_numbers_of_a_pdf_are_dropped():
    header = "中共某某县卫健局党组关于巡察整改情况的通报"
    text = (
        f"{header}\n— 1 —\n一、具体问题整改情况\n1.理论学习不深入\n整改情况：制定学习计划。\n"
        f"{header}\n第2页 共3页\n2.意识形态工作薄弱\n整改情况：召开专题会议。\n"
        f"{header}\n- 3 -\n县委巡察办联系电话：0717-5755079。"
    )
    notice = parse(text)
    assert notice.title == header
    assert [i.rectification for i in notice.items] == ["制定学习计划。", "召开专题会议。"]


def test_a_status_field_decides_over_the_words_of_the_measures():
    assert status.infer("正在修订制度。\n完成情况：已完成") == (ItemStatus.DONE, "")
    assert status.infer("已完成清理。下一步将持续巩固。") == (ItemStatus.DONE, "")
    assert status.infer("整改结果：持续推进") == (ItemStatus.ONGOING, "持续")


def test_a_heading_titled_as_one_problem_keeps_its_numbered_measures_as_its_text():
    notice = parse(
        "一、提高政治站位，抓好巡视整改\n市委成立整改工作领导小组。\n"
        "二、聚焦反馈问题，逐项抓好整改落实\n"
        "（一）关于理论学习不够深入的问题\n"
        "1.强化理论武装。开展专题学习12次。\n2.推动成果转化。形成调研报告8篇。\n"
        "（二）关于意识形态责任制落实不到位的问题\n1.压实责任。修订责任清单。\n"
    )
    assert [(i.title, i.rectification) for i in notice.items] == [
        (
            "理论学习不够深入",
            "1.强化理论武装。开展专题学习12次。\n2.推动成果转化。形成调研报告8篇。",
        ),
        ("意识形态责任制落实不到位", "1.压实责任。修订责任清单。"),
    ]


def test_a_table_copied_from_excel_keeps_a_cell_with_line_breaks_in_its_row():
    text = (
        "序号\t问题\t整改措施\t完成情况\n"
        '1\t"理论学习不深入。\n学习流于形式"\t"制定计划；\n开展""三会一课"""\t已完成\n'
        '2\t"三重一大"执行不严\t修订制度\t持续推进\n'
    )
    assert [(i.title, i.rectification, i.status) for i in parse(text).items] == [
        (
            "理论学习不深入",
            '制定计划；开展"三会一课"\n完成情况：已完成\n问题表现：学习流于形式',
            ItemStatus.DONE,
        ),
        ('"三重一大"执行不严', "修订制度\n完成情况：持续推进", ItemStatus.ONGOING),
    ]


def test_without_any_rectification_label_the_section_named_after_the_problems_holds_them():
    notice = parse(
        "一、提高政治站位，压实整改责任\n（一）加强组织领导\n成立整改工作领导小组。\n"
        "（二）健全工作机制\n建立周调度制度。\n"
        "二、聚焦反馈问题，逐项整改落实\n（一）党的领导方面\n"
        "1.理论学习不深入。制定学习计划。\n2.意识形态工作薄弱。召开专题会议。\n"
        "（二）全面从严治党方面\n1.主体责任落实不到位。签订责任书。\n"
    )
    assert [a.title for a in notice.aspects] == ["党的领导方面", "全面从严治党方面"]
    assert [i.title for i in notice.items] == [
        "理论学习不深入",
        "意识形态工作薄弱",
        "主体责任落实不到位",
    ]
