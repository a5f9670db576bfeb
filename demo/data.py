"""`flask --app wsgi feedback demo-data --cases N`: many realistic cases, fast, for development
and the benchmarks (bench/).

The cases are spread over the last few months (24 by default) and go through the life a real
case has: the routing rules choose the body (a report never reaches the court), six in ten are
sent by real name (with a contact row), most are accepted and closed with a reply, some are
declined, transferred, assigned, extended, noted, supplemented or rated, and a few were left
open past their deadline (overdue). The state of each case follows from its age, so the most
recent cases are still waiting for acceptance.

Speed: cases, contacts and events are written with Core bulk inserts (executemany), ids assigned
here, a batch at a time, one transaction per batch; a million cases take a few minutes. Running
it again adds more cases: reference numbers are drawn at random, as for real cases
(receipts.py), avoiding the numbers each month already has.

Campaigns (同一诉求): each batch of cases holds one complaint sent COPIES times within a few days,
each copy with small edits (a greeting, a closing line, a word left out); the first batch of a
run sends its campaign to the court in the last days, so that it is still open. Ordinary cases
name their own details (a case number, a date), as real ones do. The band keys of the open cases
(case_bands, feedback/cases/similar.py) are inserted with them, as the service stores them.

Tracking codes: every case of one run shares ONE tracking code (only its hash is stored, as for
real cases); the command prints it, so that any generated case can be looked up at /track.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Connection, func, insert, select, text

from feedback.cases import figures, receipts, routing, similar
from feedback.cases.months import month_of
from feedback.extensions import DbSession, db
from feedback.models import (
    Body,
    Case,
    CaseBand,
    Contact,
    Event,
    EventKind,
    Item,
    Kind,
    Notice,
    Rating,
    Role,
    Status,
    User,
    utcnow,
)

BATCH = 5_000  # cases per transaction
DAY = timedelta(days=1)

KINDS = (Kind.OPINION, Kind.COMPLAINT, Kind.REPORT, Kind.OTHER)
KIND_WEIGHTS = (50, 25, 10, 15)
CHOSEN = ("court", "discipline", "inspection", routing.UNSURE)
CHOSEN_WEIGHTS = (55, 15, 15, 15)

SUBJECTS = (
    "关于{}的意见",
    "对{}整改情况的疑问",
    "反映{}问题",
    "建议进一步改进{}",
    "{}整改不到位",
    "关于{}的投诉",
    "希望公开{}的整改细节",
    "{}相关情况反映",
)
TOPICS = (
    "立案登记",
    "诉讼服务大厅",
    "执行工作",
    "案件审理期限",
    "法官作风",
    "窗口接待",
    "网上立案",
    "涉诉信访",
    "司法公开",
    "诉讼费退费",
    "调解工作",
    "执行款发放",
    "电话接听",
    "材料收转",
    "便民服务",
)
SENTENCES = (
    "我今年在贵院办理立案手续时，窗口工作人员态度较好，但等候时间仍然较长。",
    "通报中说相关问题已经整改到位，但据我了解实际情况并没有明显变化。",
    "希望对执行案件的办理进度及时告知当事人，不要让群众反复跑。",
    "诉讼服务大厅的自助设备经常无法使用，建议安排专人维护。",
    "我的案件已经超过审理期限，多次电话询问均无人答复。",
    "建议在官方网站上公开整改的具体措施和完成时间，接受群众监督。",
    "执行款到账后迟迟没有发放，请核实原因并尽快处理。",
    "个别工作人员接待群众时推诿扯皮，希望加强教育管理。",
    "网上立案系统提交材料后长时间没有审核结果。",
    "对整改通报中第三部分的内容有不同看法，具体情况如下。",
    "我在庭审中发现书记员记录不完整，已经当庭提出但没有得到回应。",
    "希望增加周末和节假日的诉讼服务时间，方便上班族办事。",
    "退费申请递交已经三个月，仍未收到退费，也没有任何说明。",
    "有工作人员在办案过程中接受当事人宴请，请予以调查。",
    "调解过程中工作人员存在偏向一方当事人的情况。",
    "整改措施总体不错，建议建立长效机制，防止问题反弹。",
    "热线电话经常占线或者无人接听，建议增加接听人员。",
    "材料提交后没有出具收据，后来被告知材料遗失。",
    "建议对群众反映的问题建立台账，逐项销号，并向社会公布。",
    "以上情况属实，本人愿意配合调查核实。",
)
REPLIES = (
    "经核查，您反映的问题属实，我院已责成相关部门整改，并将加强日常监督。",
    "经调查，您反映的情况部分属实，相关工作人员已受到批评教育。",
    "感谢您的建议，我院已将其纳入下一阶段整改工作计划。",
    "经核实，相关款项已于近日发放到位，请注意查收。",
    "您反映的问题已转相关业务庭室办理，承办人将与您联系。",
)
DECLINE_REASONS = (
    "您反映的事项属于诉讼程序内的问题，请依法通过上诉等途径解决。",
    "所反映内容缺乏具体事实，无法核查，欢迎补充具体线索后重新提交。",
    "该事项已经处理完毕，且无新的事实和理由。",
)
TRANSFER_REASONS = (
    "该事项属于纪检监察职责范围，转请处理。",
    "涉及整改落实情况的监督，转巡察机构办理。",
    "属于法院业务工作，转法院办理。",
)
NOTES = (
    "已电话联系反映人，约定下周当面了解情况。",
    "请立案庭提供相关案件材料。",
    "与执行局沟通，执行款发放情况待核实。",
)
EXTENSION_REASONS = ("需要调取的材料较多，申请延期办理。", "涉及多个部门，核查需要更多时间。")
# A third of the texts name their court case (案号): a detail few cases share, for searches that
# find a handful of cases among many, as the sentences above are shared by a sixth of them each.
CASE_NUMBER = "涉及的案件案号为（{}）鄂0529{}{}号。"
CASE_NUMBER_SHARE = 0.3
CASE_NUMBER_TYPES = ("民初", "执", "刑初", "行初")
CASE_NUMBER_MAX = 3000
SUPPLEMENTS = ("补充一下：相关票据复印件我可以提供。", "另外，当时在场的还有两位群众。")
CAMPAIGNS = (
    (
        "诉讼服务大厅停车难问题",
        "诉讼服务大厅门前的停车场自整改通报发布以来一直被施工围挡占用，前来办事的群众只能把车停在"
        "路边，经常被贴罚单。通报中说便民设施已经整改到位，但实际情况并没有改变。恳请法院协调有关"
        "部门尽快恢复停车场，或者在附近另行安排临时停车位，方便群众办事。",
    ),
    (
        "执行款迟迟不发放",
        "我们是同一批劳动争议案件的申请执行人，法院在今年上半年已经从被执行人账户扣划了全部款项，"
        "但至今没有向我们发放执行款。多次到执行局询问，只得到“正在走流程”的答复。整改通报承诺执行款"
        "在到账后三十日内发放，请求法院说明原因并尽快发放。",
    ),
    (
        "网上立案系统长期无法提交材料",
        "最近两个月网上立案系统在上传证据材料时总是提示上传失败，电话咨询后被告知系统正在升级，"
        "但一直没有恢复。很多律师和当事人只能到现场立案，排队时间很长。希望尽快修复系统，并在修复"
        "之前公布替代的提交方式。",
    ),
)
CAMPAIGN_COPIES = 40  # how often a campaign's complaint is sent
CAMPAIGN_DAYS = 3  # within how many days of its first copy
GREETINGS = ("", "", "尊敬的领导：", "您好！", "法院领导：")
CLOSINGS = ("", "", "恳请尽快处理！", "望予以重视。", "谢谢！", "盼复。")
PLACES = ("立案庭", "执行局", "诉讼服务大厅", "第三法庭", "信访接待室", "派出法庭")
RATING_COMMENTS = ("处理及时，谢谢。", "答复比较清楚。", "问题没有真正解决。", "")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建文辉鹏飞"


@dataclass
class Summary:
    cases: int = 0
    contacts: int = 0
    events: int = 0
    months: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class World:
    """What the generated cases refer to: the notice, its bodies and items, each body's staff."""

    notice_id: int
    items: list[Item]
    body_for_role: dict[str, Body]
    role_of_body: dict[int, str]
    staff: dict[int, list[tuple[int, str]]]  # body id → (id, username) of its staff and managers


class DemoDataError(Exception):
    """The database lacks what the cases need (run `feedback init` first)."""


def load_world(session: DbSession) -> World:
    notice = session.execute(
        select(Notice).where(Notice.published_at.is_not(None)).order_by(Notice.id).limit(1)
    ).scalar_one_or_none()
    if notice is None:
        raise DemoDataError("No published notice: run `flask --app wsgi feedback init` first.")
    items = list(
        session.execute(select(Item).where(Item.notice_id == notice.id).order_by(Item.id)).scalars()
    )
    body_for_role = {link.role.value: link.body for link in notice.body_links}
    staff: dict[int, list[tuple[int, str]]] = {}
    for user in session.execute(
        select(User).where(User.active.is_(True), User.role.in_([Role.STAFF, Role.MANAGER]))
    ).scalars():
        if user.body_id is not None:
            staff.setdefault(user.body_id, []).append((user.id, user.username))
    return World(
        notice_id=notice.id,
        items=items,
        body_for_role=body_for_role,
        role_of_body={body.id: role for role, body in body_for_role.items()},
        staff=staff,
    )


class Batch:
    """The rows of one batch of cases, built in memory and then inserted together."""

    def __init__(self, world: World, rng: random.Random, now: datetime, tracking_hash: str) -> None:
        self.world = world
        self.rng = rng
        self.now = now
        self.tracking_hash = tracking_hash
        self.cases: list[dict[str, Any]] = []
        self.contacts: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []

    def event(
        self, case_id: int, at: datetime, kind: EventKind, body_id: int, **extra: Any
    ) -> None:
        row = {
            "case_id": case_id,
            "at": at,
            "kind": kind,
            "public": True,
            "body_id": body_id,
            "actor_id": None,
            "to_body_id": None,
            "text": "",
        }
        row.update(extra)
        self.events.append(row)

    def actor(self, body_id: int) -> int | None:
        staff = self.world.staff.get(body_id)
        return self.rng.choice(staff)[0] if staff else None

    def add(
        self,
        case_id: int,
        reference: str,
        received_at: datetime,
        campaign: "Campaign | None" = None,
    ) -> None:
        """One case and its history, up to now; a copy of the campaign's complaint if given."""
        rng, world, now = self.rng, self.world, self.now
        if campaign is not None:
            kind, chosen, item = Kind.COMPLAINT, campaign.chosen, campaign.item
            subject, content = campaign.subject, campaign.copy(rng)
        else:
            kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
            chosen = rng.choices(CHOSEN, CHOSEN_WEIGHTS)[0]
            item = rng.choice(world.items) if world.items and rng.random() < 0.7 else None
            subject = rng.choice(SUBJECTS).format(rng.choice(TOPICS))
            content = own_details(rng, received_at) + "".join(
                rng.sample(SENTENCES, rng.randint(2, 5))
            )
            if rng.random() < CASE_NUMBER_SHARE:
                content += CASE_NUMBER.format(
                    received_at.year - rng.randint(0, 2),
                    rng.choice(CASE_NUMBER_TYPES),
                    rng.randint(1, CASE_NUMBER_MAX),
                )
        decision = routing.route(kind, chosen, item is not None)
        body = world.body_for_role[decision.body]
        anonymous = rng.random() < 0.4
        self.event(case_id, received_at, EventKind.SUBMITTED, body.id)
        if not anonymous:
            name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
            self.contacts.append(
                {
                    "case_id": case_id,
                    "name": name,
                    "phone": f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                    "email": f"user{case_id}@example.com" if rng.random() < 0.2 else "",
                }
            )
        if rng.random() < 0.05:
            self.event(
                case_id,
                received_at + DAY,
                EventKind.SUPPLEMENT,
                body.id,
                text=rng.choice(SUPPLEMENTS),
            )

        status, clock = Status.RECEIVED, received_at
        accepted_at = closed_at = transferred_at = reply = None
        transfers = 0
        due_at: datetime | None = clock + timedelta(days=body.accept_days)
        extension_days = 0
        assignee_id = None
        rating = None
        stuck = rng.random() < 0.03  # left waiting past its deadline: overdue
        # 转办: one case in twenty goes to another body that may hold it, within a few days.
        at = clock + timedelta(hours=rng.uniform(4, 96))
        if not stuck and rng.random() < 0.05 and at < now:
            others = [
                b
                for role, b in world.body_for_role.items()
                if b.id != body.id and routing.may_hold(kind, role)
            ]
            if others:
                to_body = rng.choice(others)
                self.event(
                    case_id,
                    at,
                    EventKind.TRANSFERRED,
                    body.id,
                    actor_id=self.actor(body.id),
                    to_body_id=to_body.id,
                    text=rng.choice(TRANSFER_REASONS),
                )
                body, clock = to_body, at
                due_at = clock + timedelta(days=body.accept_days)
                transfers, transferred_at = 1, at
        late = rng.random() < 0.05
        at = clock + timedelta(days=rng.uniform(0.2, body.accept_days * (1.6 if late else 0.9)))
        if not stuck and at < now:
            if rng.random() < 0.1:  # 不予受理
                status, closed_at, due_at = Status.DECLINED, at, None
                reply = rng.choice(DECLINE_REASONS)
                self.event(
                    case_id,
                    at,
                    EventKind.DECLINED,
                    body.id,
                    actor_id=self.actor(body.id),
                    text=reply,
                )
            else:
                status, accepted_at = Status.ACCEPTED, at
                due_at = at + timedelta(days=body.close_days)
                self.event(case_id, at, EventKind.ACCEPTED, body.id, actor_id=self.actor(body.id))
                staff = world.staff.get(body.id)
                if staff and rng.random() < 0.3:
                    assignee_id, username = rng.choice(staff)
                    self.event(
                        case_id,
                        at + timedelta(hours=1),
                        EventKind.ASSIGNED,
                        body.id,
                        public=False,
                        actor_id=self.actor(body.id),
                        text=username,
                    )
                if rng.random() < 0.2:
                    self.event(
                        case_id,
                        at + timedelta(hours=3),
                        EventKind.NOTE,
                        body.id,
                        public=False,
                        actor_id=self.actor(body.id),
                        text=rng.choice(NOTES),
                    )
                if rng.random() < 0.05 and at + 20 * DAY < now:
                    extension_days = rng.randint(10, body.max_extension_days)
                    due_at += timedelta(days=extension_days)
                    self.event(
                        case_id,
                        at + 20 * DAY,
                        EventKind.EXTENDED,
                        body.id,
                        actor_id=self.actor(body.id),
                        text=rng.choice(EXTENSION_REASONS),
                    )
                stuck = rng.random() < 0.02  # accepted, then forgotten: overdue
                limit = body.close_days + extension_days
                closing = at + timedelta(days=rng.uniform(1, limit * (1.3 if late else 0.9)))
                if not stuck and closing < now:
                    status, closed_at, due_at = Status.CLOSED, closing, None
                    reply = rng.choice(REPLIES)
                    self.event(
                        case_id,
                        closing,
                        EventKind.CLOSED,
                        body.id,
                        actor_id=self.actor(body.id),
                        text=reply,
                    )
                    rated = closing + timedelta(days=rng.uniform(0.1, 10))
                    if rng.random() < 0.4 and rated < now:
                        rating = rng.choices(list(Rating), (60, 25, 15))[0]
                        self.event(
                            case_id,
                            rated,
                            EventKind.RATED,
                            body.id,
                            text=rng.choice(RATING_COMMENTS),
                        )
        self.cases.append(
            {
                "id": case_id,
                "reference": reference,
                "tracking_hash": self.tracking_hash,
                "notice_id": world.notice_id,
                "item_id": item.id if item else None,
                "kind": kind,
                "chosen_body": chosen,
                "routing_reason": decision.reason,
                "body_id": body.id,
                "subject": subject,
                "content": content,
                "anonymous": anonymous,
                "status": status,
                "received_at": received_at,
                "accepted_at": accepted_at,
                "closed_at": closed_at,
                "due_at": due_at,
                "extension_days": extension_days,
                "assignee_id": assignee_id,
                "rating": rating,
                "transfers": transfers,
                "transferred_at": transferred_at,
                "reply": reply,
            }
        )

    def insert(self, connection: Connection) -> None:
        connection.execute(insert(Case.__table__), self.cases)
        if self.contacts:
            connection.execute(insert(Contact.__table__), self.contacts)
        bands = [
            band
            for case in self.cases
            if case["status"].is_open
            for band in similar.band_rows(case["id"], case["subject"], case["content"])
        ]
        if bands:
            connection.execute(insert(CaseBand.__table__), bands)
        self.events.sort(key=lambda e: (e["case_id"], e["at"]))  # ids follow each case's history
        connection.execute(insert(Event.__table__), self.events)


def own_details(rng: random.Random, received_at: datetime) -> str:
    """What makes an ordinary case its own: a case number, a day, a place, whom it concerns."""
    day = received_at - timedelta(days=rng.randint(3, 200))
    number = rng.randint(100, 29999)
    person = rng.choice(SURNAMES) + rng.choice(("法官", "书记员", "执行员", "工作人员", "庭长"))
    return (
        f"我的案件编号为（{day.year}）京{rng.randint(101, 119):04d}"
        f"{rng.choice(('民初', '民终', '执', '刑初', '行初'))}{number}号。"
        f"{day.month}月{day.day}日{rng.randint(8, 17)}时许，我到{rng.choice(PLACES)}"
        f"{rng.choice(('办理', '咨询', '递交', '查询'))}{rng.choice(TOPICS)}事宜，"
        f"接待的是{person}，前后{rng.randint(2, 9)}次{rng.choice(('往返', '来电', '排队'))}。"
    )


@dataclass(frozen=True)
class Campaign:
    """One complaint sent many times (同一诉求), by one person or many, with small edits."""

    subject: str
    text: str
    chosen: str
    item: Item | None

    def copy(self, rng: random.Random) -> str:
        """The text with a greeting and a closing line of the sender's own, and a character or
        two left out."""
        text = self.text
        for _ in range(rng.randint(0, 2)):
            at = rng.randrange(len(text))
            text = text[:at] + text[at + 1 :]
        return rng.choice(GREETINGS) + text + rng.choice(CLOSINGS)


class References:
    """Random reference numbers, as receipts.py draws them, never one a month already has."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: dict[str, set[str]] = {}

    def new(self, connection: Connection, month: str) -> str:
        taken = self.taken.get(month)
        if taken is None:
            rows = connection.execute(
                select(Case.reference).where(Case.reference.startswith(f"{month}-"))
            )
            taken = self.taken[month] = set(rows.scalars())
        space = 10**receipts.REFERENCE_DIGITS
        if len(taken) > space // 2:
            raise click.ClickException(f"{month} has too many cases for random references")
        while True:
            reference = f"{month}-{self.rng.randrange(space):0{receipts.REFERENCE_DIGITS}d}"
            if reference not in taken:
                taken.add(reference)
                return reference


def new_campaign(rng: random.Random, world: World, *, court: bool) -> Campaign:
    subject, text = rng.choice(CAMPAIGNS)
    chosen = "court" if court else rng.choice(CHOSEN)
    item = rng.choice(world.items) if world.items else None
    return Campaign(subject, text, chosen, item)


def _next_id(connection: Connection, column: Any) -> int:
    return (connection.execute(select(func.max(column))).scalar() or 0) + 1


def generate(
    session: DbSession,
    count: int,
    *,
    tracking_code: str,
    months: int = 24,
    seed: int | None = None,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Add `count` cases received over the last `months` months; commit a batch at a time."""
    world = load_world(session)
    session.commit()
    rng = random.Random(seed)
    now = now or utcnow()
    start = now - timedelta(days=30.44 * months)
    span = (now - start).total_seconds()
    tracking_hash = receipts.hash_code(tracking_code)
    summary = Summary()
    references = References(rng)
    done = 0
    while done < count:
        size = min(BATCH, count - done)
        connection = session.connection()
        case_id = _next_id(connection, Case.id)
        event_id = _next_id(connection, Event.id)
        copies = CAMPAIGN_COPIES if size >= 5 * CAMPAIGN_COPIES else 0
        first = (
            now - timedelta(days=rng.uniform(1, 4))  # the run's first campaign, still open
            if done == 0
            else start + timedelta(seconds=rng.uniform(0, span))
        )
        campaign = new_campaign(rng, world, court=done == 0)
        arrivals = [
            (first + timedelta(days=rng.uniform(0, CAMPAIGN_DAYS)), True) for _ in range(copies)
        ] + [(start + timedelta(seconds=rng.uniform(0, span)), False) for _ in range(size - copies)]
        arrivals = sorted((min(t, now), copy) for t, copy in arrivals)
        month_names = [month_of(t) for t, _copy in arrivals]
        batch = Batch(world, rng, now, tracking_hash)
        for offset, ((received_at, copy), month) in enumerate(
            zip(arrivals, month_names, strict=True)
        ):
            batch.add(
                case_id + offset,
                references.new(connection, month),
                received_at,
                campaign if copy else None,
            )
        for offset, row in enumerate(batch.events):
            row["id"] = event_id + offset
        batch.insert(connection)
        session.commit()
        done += size
        summary.cases += size
        summary.contacts += len(batch.contacts)
        summary.events += len(batch.events)
        summary.months.update(month_names)
        if progress:
            progress(done)
    _restart_sequences(session)
    figures.recount(session.connection())  # the rows above went in without the ORM's flush
    session.commit()
    return summary


def _restart_sequences(session: DbSession) -> None:
    """On PostgreSQL, move the id sequences past the ids given here."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("cases", "events"):
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        )


@click.command("demo-data")
@click.option("--cases", "count", type=click.IntRange(1, 10_000_000), required=True)
@click.option(
    "--months",
    type=click.IntRange(1, 120),
    default=24,
    show_default=True,
    help="Spread the cases over this many months up to now.",
)
@click.option("--seed", type=int, help="Make the same cases again (with the same database).")
@click.option(
    "--tracking-code",
    help="The tracking code every generated case shares; by default a new one, printed.",
)
@click.option(
    "--yes", is_flag=True, help="Outside development too (benchmarks); never in production."
)
@with_appcontext
def demo_data_command(
    count: int, months: int, seed: int | None, tracking_code: str | None, yes: bool
) -> None:
    """Add N realistic generated cases, with contacts and timelines (development and benchmarks)."""
    if not current_app.config["DEVELOPMENT"] and not yes:
        raise click.ClickException(
            "Demo data is for development: set FEEDBACK_ENV=development, or add --yes for a "
            "benchmark database. Never on a database with real cases."
        )
    code = tracking_code or receipts.new_tracking_code()
    started = utcnow()
    step = max(BATCH, count // 20)

    def progress(done: int) -> None:
        if done % step < BATCH or done == count:
            seconds = (utcnow() - started).total_seconds()
            click.echo(f"  {done:>9,} cases  {seconds:6.1f} s", err=True)

    try:
        summary = generate(
            db.session, count, tracking_code=code, months=months, seed=seed, progress=progress
        )
    except DemoDataError as error:
        raise click.ClickException(str(error)) from None
    seconds = (utcnow() - started).total_seconds()
    click.echo(
        f"{summary.cases} cases, {summary.contacts} contacts and {summary.events} events added "
        f"over {len(summary.months)} months in {seconds:.1f} s."
    )
    click.echo(f"Every generated case shares the tracking code {code} (only its hash is stored).")
