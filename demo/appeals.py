"""The demo district's appeals (诉求): 201 of them, like the 201 issues the article's district collected.

Each appeal is a story of steps (raise, escalate, assign, pause, resolve, feedback, ...) played the
way `appeals.services` plays them: the same fields change, deadlines come from the working-day
calendar, overdue steps are counted when a step ends after its deadline, and every step appends
the timeline event the service would append, at the time it happened. The services are not called
themselves: they read the clock and notify the new handler on commit, which would send hundreds of
stale notifications. tests/test_seed_demo.py replays a demo appeal of every shape through the
services and checks that they produce the same appeal, timeline and feedback links.

Of the 198 appeals that count for the closure rate (all but the withdrawn and out-of-scope ones),
188 are resolved: 94.9%, the article's 95%. The rest are open at every tier, some paused, some
overdue and pressed, one reopened after an unsatisfied verdict.
"""

from __future__ import annotations

import base64
import copy
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from unittest import mock

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from appeals.models import (
    OPEN_STATUSES,
    SATISFIED_VERDICTS,
    Appeal,
    AppealAttachment,
    AppealCategory,
    AppealEvent,
    EventKind,
    Feedback,
    FeedbackLink,
    ResolutionKind,
    Source,
    Status,
    Tier,
    Urgency,
)
from appeals.selectors import appeal_metrics, appeals_changed
from appeals.services import tier_workdays
from demo.district import CHUNK, HANDLER_UNIT, ISSUES, SERVICE_GROUPS, Reporter
from liaison.models import Assignment, Cadre, Rank, Unit, UnitKind, User, Visit, VisitMethod
from workdays.services import add_workdays, is_workday, span_is_provisional, workdays_between

DEMO_MARK = "demo"  # key in the data of a demo appeal's first event, so that a second run finds them

# --- What the appeals are about ------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    """What an enterprise asks for, tied to an issue a visit can mention (demo.district.ISSUES)."""

    issue: str  # the label a visit's issue starts with
    text: str  # the issue as a visit records it, with {n} (10k yuan) and {m} (people)
    sections: str  # industry sections it suits ("" = any)
    category: str  # AppealCategory.code
    group: str  # the service group the task force hands it to
    titles: tuple[str, ...]
    solved: tuple[str, ...]
    explained: tuple[str, ...] = ()
    not_responsible: tuple[str, ...] = ()
    explain_share: float = 0.2

    @property
    def pattern(self) -> re.Pattern:
        escaped = re.escape(f"{self.issue}：{self.text}")
        return re.compile(escaped.replace(r"\{n\}", r"(?P<n>\d+)").replace(r"\{m\}", r"(?P<m>\d+)") + "$")


# Keyed by (issue label, which of the texts with that label), in the order of demo.district.ISSUES.
TOPIC_DETAILS: dict[tuple[str, int], dict] = {
    ("融资需求", 0): {
        "category": "financing",
        "group": "金融服务组",
        "titles": ("协调银行办理流动资金贷款约{n}万元", "扩大经营存在{n}万元资金缺口，申请对接首贷服务"),
        "solved": (
            "联系干部协调区金融发展服务中心组织银企对接，{bank}已完成授信审批，发放流动资金贷款{loan}万元。",
            "经区级首贷服务中心对接，企业获得{bank}首贷{loan}万元，享受贷款利率优惠和贴息政策。",
            "协调{bank}开辟绿色通道办理无还本续贷{loan}万元，缓解企业资金周转压力。",
        ),
        "explained": ("已向企业详细解读首贷贴息、“政银担”等融资政策和产品，企业将结合经营情况自主选择融资方案。",),
    },
    ("用地审批", 0): {
        "category": "land_planning",
        "group": "项目建设服务组",
        "titles": ("新建项目用地规划许可办理进度慢，请求协调", "协调加快项目用地规划许可审批"),
        "solved": (
            "协调区自然资源分局开通审批绿色通道，容缺受理项目用地规划许可申请，已核发建设用地规划许可证。",
            "项目建设服务组牵头召开专题会，一次性明确补正材料清单，用地规划许可已办结。",
        ),
        "explained": ("经区自然资源分局核实，项目需先完成控制性详细规划调整公示，已向企业说明办理时序和预计时限。",),
    },
    ("招工难", 0): {
        "category": "talent",
        "group": "人才服务组",
        "titles": ("一线技术工人缺口约{m}人，希望对接招聘会", "协助招聘熟练工约{m}人"),
        "solved": (
            "区人力资源和社会保障局邀请企业参加“春风行动”专场招聘会，现场达成就业意向{k}人。",
            "协调区人社局在线上招聘平台发布岗位信息，并对接职业院校开展订单式培训，已招录{k}人。",
        ),
    },
    ("政策咨询", 0): {
        "category": "policy",
        "group": "科技创新服务组",
        "titles": ("咨询高新技术企业认定申报条件", "咨询研发费用加计扣除政策"),
        "solved": ("指导企业完善研发费用辅助账和知识产权材料，高新技术企业认定申报已通过区级推荐。",),
        "explained": (
            "联系干部会同区科技和工业信息化局、区税务局上门解读高新技术企业认定条件和研发费用加计扣除政策，"
            "企业已明确申报准备事项。",
        ),
        "explain_share": 0.7,
    },
    ("政策咨询", 1): {
        "category": "policy",
        "group": "政策落实服务组",
        "titles": ("咨询免申即享、直达快享政策清单中适用本企业的政策", "梳理企业可享受的惠企政策"),
        "solved": ("协助企业兑现{policy}，资金已拨付到账。",),
        "explained": (
            "对照《西岗区惠企强企政策免申即享、直达快享政策清单》为企业逐条梳理可享受政策{k}项，"
            "并发放政策“掌中宝”二维码。",
        ),
        "explain_share": 0.7,
    },
    ("水电气保障", 0): {
        "category": "utilities",
        "group": "要素保障服务组",
        "titles": ("申请电力增容，请求协调供电部门尽快办理", "经营用电负荷增加，需办理增容"),
        "solved": ("要素保障服务组协调国网大连供电公司现场勘查，增容改造已完成并送电。",),
        "explained": ("供电部门已现场勘查并书面答复增容方案和施工周期，企业按方案准备配套工程。",),
    },
    ("水电气保障", 1): {
        "category": "utilities",
        "group": "要素保障服务组",
        "titles": ("冬季供暖和燃气供应保障", "协调供暖季前完成管网检修"),
        "solved": ("协调区城市管理局和供热企业提前完成管网检修和试压，供暖季前已正常供热。",),
    },
    ("人才引进", 0): {
        "category": "talent",
        "group": "人才服务组",
        "titles": ("引进的高层次人才有住房和子女入学需求", "咨询人才公寓申请条件"),
        "solved": ("协调为企业引进人才办理人才公寓入住，并协调区教育局解决子女就近入学。",),
        "explained": ("已向企业解读人才公寓申请条件和人才子女入学政策，指导企业准备申报材料。",),
        "explain_share": 0.4,
    },
    ("市场拓展", 0): {
        "category": "market",
        "group": "市场拓展服务组",
        "titles": ("希望参加展会和产销对接活动", "协助拓展国内外市场渠道"),
        "solved": (
            "区商务局推荐企业参加{expo}，落实展位费补贴，企业现场签订意向订单。",
            "组织企业参加“政企直通车”产销对接活动，与{k}家采购商建立联系。",
        ),
    },
    ("停车难", 0): {
        "category": "other",
        "group": "要素保障服务组",
        "titles": ("企业周边停车位紧张，员工和客户停车难", "协调解决门前停车难问题"),
        "solved": ("协调区城市管理局在企业周边增设临时停车泊位{k}个，并协调附近单位错时开放停车场。",),
        "not_responsible": (
            "经核实，该路段道路停车泊位由市公安交警部门统一规划设置，不属于区级部门职责；已协助企业向市交警支队反映，"
            "并告知周边公共停车场位置。",
        ),
    },
    ("账款拖欠", 0): {
        "category": "other",
        "group": "法律服务组",
        "titles": ("项目款项未及时结算，影响资金周转", "协调解决项目款拖欠问题"),
        "solved": ("法律服务组协调项目发包方召开对账会，约定分期支付计划，首期款项{loan}万元已到账。",),
        "not_responsible": (
            "经核实为企业之间的合同纠纷，不属于政府部门职责；法律服务组已为企业提供法律咨询，指导其通过仲裁或诉讼依法维权。",
        ),
    },
    ("证照办理", 0): {
        "category": "approvals",
        "group": "政策落实服务组",
        "titles": ("办理经营许可证变更手续", "咨询“综合窗口”许可证变更办理流程"),
        "solved": ("区营商环境建设局“综合窗口”提供帮办代办服务，许可证变更当日受理、{days}个工作日办结。",),
        "explained": ("已一次性告知许可证变更所需材料和“综合窗口”办理流程，企业可通过“一网通办”在线申报。",),
        "explain_share": 0.4,
    },
    ("消防验收", 0): {
        "category": "approvals",
        "group": "项目建设服务组",
        "titles": ("装修改造后办理消防验收", "咨询消防验收办理流程和时限"),
        "solved": ("协调区住房和城乡建设局提前介入指导整改，消防验收一次性通过。",),
        "explained": ("已向企业说明消防验收备案流程、所需材料和承诺时限。",),
    },
    ("出口退税", 0): {
        "category": "policy",
        "group": "政策落实服务组",
        "titles": ("出口退税办理周期长，希望加快进度", "协调加快出口退税审核"),
        "solved": ("区税务局为企业开通出口退税快速审核通道，退税款{loan}万元已到账。",),
        "explained": ("税务部门已说明退税审核流程和分类管理等级对办理时限的影响，并指导企业提升出口退税管理类别。",),
    },
    ("知识产权", 0): {
        "category": "approvals",
        "group": "科技创新服务组",
        "titles": ("申请发明专利和商标注册，需要服务指导", "知识产权申请服务指导"),
        "solved": ("区市场监督管理局知识产权工作人员上门指导，企业已提交发明专利申请{k}件。",),
    },
    ("房租减免", 0): {
        "category": "policy",
        "group": "政策落实服务组",
        "titles": ("咨询国有房屋租金减免政策", "申请减免国有房屋租金"),
        "solved": ("协调产权单位按政策为企业减免租金{days}个月。",),
        "explained": (
            "经区财政局核实，企业承租的房屋不属于国有房屋，不适用租金减免政策，已向企业说明并推荐其他适用政策。",
        ),
        "explain_share": 0.5,
    },
    ("物流通行", 0): {
        "category": "utilities",
        "group": "要素保障服务组",
        "titles": ("港区集疏运道路拥堵，货车通行时间受限", "协调优化货车通行时段"),
        "solved": ("协调交警部门为企业办理货车通行证，并优化港区周边路段通行时段。",),
        "not_responsible": (
            "港区集疏运道路通行管控属于市级交通和交警部门职责，已将企业诉求转交相关部门，并告知企业反映渠道。",
        ),
    },
    ("预售资金监管", 0): {
        "category": "financing",
        "group": "项目建设服务组",
        "titles": ("咨询商品房预售资金监管额度拨付流程", "申请按工程进度拨付预售监管资金"),
        "solved": ("协调区住房和城乡建设局按工程进度审核拨付预售监管资金{loan}万元。",),
        "explained": ("已向企业说明预售资金监管额度按工程节点拨付的规定和申请材料。",),
    },
}


def _topics() -> tuple[Topic, ...]:
    seen: Counter = Counter()
    topics = []
    for label, text, sections in ISSUES:
        details = TOPIC_DETAILS[(label, seen[label])]
        seen[label] += 1
        topics.append(Topic(issue=label, text=text, sections=sections, **details))
    return tuple(topics)


TOPICS = _topics()
OUT_OF_SCOPE_TOPIC = Topic(
    issue="",
    text="企业法定代表人反映与他人存在个人借贷纠纷，对方拖欠借款{n}万元，请求政府出面协调追讨。",
    sections="",
    category="other",
    group="法律服务组",
    titles=("企业负责人个人借贷纠纷请求协调",),
    solved=(),
)
OUT_OF_SCOPE_EXPLANATION = (
    "经核实，该事项属于企业负责人个人民间借贷纠纷，不属于涉企诉求办理范围；已告知其可通过人民调解或诉讼途径解决。"
)

BANKS = (
    "中国银行大连西岗支行",
    "建设银行大连西岗支行",
    "大连银行西岗支行",
    "工商银行大连中山广场支行",
    "农业银行大连西岗支行",
    "招商银行大连分行",
)
EXPOS = ("东北亚国际博览会", "中国国际进口博览会", "中国国际服务贸易交易会", "中国进出口商品交易会")
POLICIES = ("稳岗返还补贴", "首次入规企业奖励", "规上企业增产增效奖励", "研发投入后补助")

OPENINGS = {
    Source.MEETING: "在征求意见会上，企业负责人反映：",
    Source.ENTERPRISE: "企业通过微信工作群主动反映：",
    Source.HOTLINE: "企业负责人致电联系干部反映：",
}
HOTLINE_OPENING = "12345政务服务便民热线转办："
ESCALATE_TO_UNIT = (
    "涉及多个部门职责，个人协调难度较大，提请单位协调。",
    "需本单位出面对接相关部门共同解决。",
    "超出个人协调能力，请单位层面对接解决。",
)
ESCALATE_TO_TASKFORCE = (
    "涉及跨部门职责，需区工作专班统筹协调。",
    "本单位协调后仍未解决，提请专班交办专业服务组。",
    "需市级部门支持，提请专班协调。",
)
ASSIGN_COMMENTS = ("请{group}牵头办理，按期反馈办理结果。", "交{group}办理，请于期限内办结并回访企业。")
RETURN_TO_CADRE = (
    "该问题联系干部可直接协调，退回联系干部继续办理。",
    "请联系干部先行对接企业核实情况并办理。",
)
SUSPEND_REASONS = ("等待企业补充申报材料。", "等待市级部门审核意见。", "企业负责人出差，待其返回后对接。")
SUSPEND_REASONS_BY_CATEGORY = {
    "utilities": ("等待供电公司现场勘查结果。", "等待供热企业制定检修方案。", "等待市级部门审核意见。"),
    "financing": ("等待银行授信审批结果。", "等待企业补充财务报表等贷款材料。"),
    "land_planning": ("等待规划方案专家论证意见。", "等待企业补充项目设计方案。"),
}
RESUME_COMMENTS = ("企业已补齐材料，恢复办理。", "已收到相关部门意见，继续办理。", "")
PRESS_REMINDER = "已超过办理期限，请抓紧办理并反馈进度。"
PRESS_NOTICE = "经提醒仍未办结，发督办通知，请分管区领导督促办理。"
WITHDRAW_REASONS = ("企业已通过自有渠道解决，申请撤回。", "企业调整经营计划，暂不需要协调。")
SATISFIED_COMMENTS = ("", "", "问题解决及时，非常满意。", "感谢联系干部和相关部门的帮助。", "办理效率高，服务热情。")
BASIC_COMMENTS = ("问题基本解决，希望后续持续关注。", "办理时间稍长，总体满意。", "基本满意，希望进一步简化流程。")
UNSATISFIED_COMMENTS = ("问题尚未得到实质性解决，希望继续协调。", "答复与企业实际需求差距较大，请继续跟进。")

# --- The world the stories happen in --------------------------------------------------------------


@dataclass
class World:
    today: date
    taskforce: User
    handlers: dict[int, User]  # unit id -> the demo login that handles the unit's appeals
    groups: dict[str, Unit]  # service group name -> the group
    leaders: list[Cadre]
    categories: dict[str, AppealCategory]
    tier_days: dict[int, int]
    labels: dict[int, str] = field(default_factory=dict)  # user id -> the name events show

    def label(self, user: User | None) -> str:
        if user is None:
            return ""
        if user.pk not in self.labels:
            self.labels[user.pk] = user.display_name
        return self.labels[user.pk]


# The appeal's columns as a step leaves them (its id and the times _write sets are not among them).
_STATE_FIELDS = [f.attname for f in Appeal._meta.concrete_fields if not f.primary_key and f.name != "raised_at"]


def _row_of(appeal: Appeal) -> dict:
    return {name: copy.copy(getattr(appeal, name)) for name in _STATE_FIELDS}


@contextmanager
def _clock(at: datetime) -> Iterator[None]:
    """Make `timezone.now()` return `at`, so that auto_now_add fields record when it happened."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


class Story:
    """One appeal, played step by step as appeals.services would play it at each step's time."""

    def __init__(self, world: World, rng: random.Random, appeal: Appeal, topic: Topic, words: dict) -> None:
        self.world, self.rng, self.appeal, self.topic, self.words = world, rng, appeal, topic, words
        self.events: list[tuple[AppealEvent, datetime]] = []
        self.links: list[tuple[FeedbackLink, datetime]] = []
        self.now: datetime | None = None
        self.raised_at: datetime | None = None
        # The appeal's row after each step, with the step's time: what a bulletin published then counted.
        self.states: list[tuple[datetime, dict]] = []

    # The clock: each step happens in office hours on its day, after the step before.

    def _tick(self, day: date) -> None:
        local_tz = timezone.get_default_timezone()
        if self.now is not None and timezone.localdate(self.now) >= day:
            moment = self.now + timedelta(minutes=self.rng.randint(6, 70), seconds=self.rng.randint(0, 59))
        else:
            start = datetime.combine(day, time(8, 30), tzinfo=local_tz)
            moment = start + timedelta(minutes=self.rng.randint(0, 480), seconds=self.rng.randint(0, 59))
        self.now = moment.astimezone(UTC)

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)

    # The shared steps of appeals.services.

    def _holder(self) -> User:
        appeal = self.appeal
        if appeal.tier == Tier.INDIVIDUAL:
            return appeal.handler_cadre.user
        if appeal.handler_unit_id:
            return self.world.handlers[appeal.handler_unit_id]
        return self.world.taskforce

    def _snapshot(self) -> tuple[str, int, str]:
        return self.appeal.status, self.appeal.tier, self.appeal.handler_label()

    def _finish_step(self) -> None:
        appeal = self.appeal
        if appeal.status == Status.HANDLING and appeal.deadline and self.today > appeal.deadline:
            appeal.overdue_steps += 1

    def _start_step(
        self, tier: int, *, cadre=None, unit=None, deadline: date | None = None, workdays: int | None = None
    ) -> None:
        appeal = self.appeal
        appeal.tier = tier
        appeal.handler_cadre = cadre
        appeal.handler_unit = unit
        appeal.status = Status.HANDLING
        appeal.step_started_at = self.now
        if deadline is not None:
            appeal.deadline, appeal.deadline_workdays, appeal.deadline_provisional = deadline, None, False
        else:
            appeal.deadline_workdays = workdays or self.world.tier_days[tier]
            appeal.deadline = add_workdays(self.today, appeal.deadline_workdays)
            appeal.deadline_provisional = span_is_provisional(self.today, appeal.deadline)
        appeal.press_level = 0
        appeal.supervision_due = None
        appeal.supervising_leader = None

    def _record(self, kind: str, *, actor: User | None, before, comment: str = "", data=None, label: str = ""):
        appeal = self.appeal
        appeal.version += 1
        event = AppealEvent(
            appeal=appeal,
            seq=appeal.version,
            kind=kind,
            actor=actor,
            on_behalf_of=None,
            actor_label=label or self.world.label(actor),
            from_status=before[0] if before else "",
            to_status=appeal.status,
            from_tier=before[1] if before else None,
            to_tier=appeal.tier,
            from_handler=before[2] if before else "",
            to_handler=appeal.handler_label(),
            deadline=appeal.deadline if appeal.is_open else None,
            comment=comment,
            data=data or {},
        )
        self.events.append((event, self.now))
        self.states.append((self.now, _row_of(appeal)))

    def _text(self, options: tuple[str, ...]) -> str:
        return self.rng.choice(options).format(**self.words)

    # The moves, one per service.

    def raise_(self, day: date, *, by_taskforce: bool = False) -> None:
        self._tick(day)
        appeal = self.appeal
        appeal.version = 0
        if by_taskforce:
            appeal.raised_by = self.world.taskforce
            self._start_step(Tier.TASKFORCE)
        else:
            appeal.raised_by = appeal.cadre.user
            self._start_step(Tier.INDIVIDUAL, cadre=appeal.cadre)
        self.raised_at = self.now
        data = {
            "source": appeal.source,
            "urgency": appeal.urgency,
            "visit": appeal.visit.pk if appeal.visit else None,
            DEMO_MARK: True,
        }
        self._record(EventKind.RAISED, actor=appeal.raised_by, before=None, comment=appeal.description[:500], data=data)

    def escalate(self, day: date) -> None:
        self._tick(day)
        appeal = self.appeal
        actor, before = self._holder(), self._snapshot()
        reasons = ESCALATE_TO_UNIT if appeal.tier == Tier.INDIVIDUAL else ESCALATE_TO_TASKFORCE
        self._finish_step()
        if appeal.tier == Tier.INDIVIDUAL:
            self._start_step(Tier.UNIT, unit=appeal.handler_cadre.unit)
        else:
            self._start_step(Tier.TASKFORCE)
        self._record(EventKind.ESCALATED, actor=actor, before=before, comment=self.rng.choice(reasons))

    def return_(self, day: date) -> None:
        """Back to the paired cadre: by the unit's handler from tier 2, by the task force from tier 3."""
        self._tick(day)
        appeal = self.appeal
        actor = self.world.taskforce if appeal.tier == Tier.TASKFORCE else self._holder()
        before = self._snapshot()
        self._finish_step()
        self._start_step(Tier.INDIVIDUAL, cadre=appeal.cadre)
        self._record(EventKind.RETURNED, actor=actor, before=before, comment=self.rng.choice(RETURN_TO_CADRE))

    def assign(self, day: date, *, other_group: bool = False, workdays: int | None = None) -> None:
        self._tick(day)
        appeal = self.appeal
        name = self.topic.group
        if other_group:
            name = self.rng.choice(sorted(set(self.world.groups) - {name}))
        unit = self.world.groups[name]
        before = self._snapshot()
        mode = "reassigned" if appeal.handler_unit_id else "assigned"
        self._finish_step()
        self._start_step(Tier.TASKFORCE, unit=unit, workdays=workdays)
        comment = self.rng.choice(ASSIGN_COMMENTS).format(group=unit.name)
        data = {"mode": mode, "unit": unit.pk, "workdays": appeal.deadline_workdays}
        self._record(EventKind.ASSIGNED, actor=self.world.taskforce, before=before, comment=comment, data=data)

    def resolve(self, day: date, *, kind: str = "") -> None:
        self._tick(day)
        appeal, topic = self.appeal, self.topic
        if not kind:
            explain = topic.explained and self.rng.random() < topic.explain_share
            kind = ResolutionKind.EXPLAINED if explain else ResolutionKind.SOLVED
        texts = {
            ResolutionKind.SOLVED: topic.solved,
            ResolutionKind.EXPLAINED: topic.explained,
            ResolutionKind.NOT_RESPONSIBLE: topic.not_responsible,
        }[kind]
        actor, before = self._holder(), self._snapshot()
        self._finish_step()
        appeal.status = Status.RESOLVED
        appeal.resolution = self._text(texts)
        appeal.resolution_kind = kind
        appeal.resolved_at = self.now
        appeal.resolved_by = actor
        appeal.resolved_tier = appeal.tier
        raised_on = timezone.localdate(self.raised_at)
        appeal.handling_workdays = max(workdays_between(raised_on, self.today) - appeal.paused_workdays, 0)
        appeal.handling_provisional = span_is_provisional(raised_on, self.today)
        appeal.deadline = None
        appeal.deadline_provisional = False
        data = {"kind": kind, "handling_workdays": appeal.handling_workdays}
        self._record(EventKind.RESOLVED, actor=actor, before=before, comment=appeal.resolution, data=data)

    def request_feedback(self, day: date) -> None:
        self._tick(day)
        appeal = self.appeal
        actor = appeal.cadre.user
        token = base64.urlsafe_b64encode(self.rng.randbytes(24)).decode().rstrip("=")
        expires_at = self.now + timedelta(days=settings.FEEDBACK_LINK_DAYS)
        link = FeedbackLink(appeal=appeal, token=token, created_by=actor, expires_at=expires_at)
        self.links.append((link, self.now))
        before = self._snapshot()
        data = {"expires_at": expires_at.isoformat()}
        self._record(EventKind.FEEDBACK_REQUESTED, actor=actor, before=before, data=data)

    def feedback(self, day: date, *, verdict: str, via_link: bool = False) -> None:
        self._tick(day)
        appeal = self.appeal
        comments = {
            Feedback.SATISFIED: SATISFIED_COMMENTS,
            Feedback.BASICALLY: BASIC_COMMENTS,
            Feedback.UNSATISFIED: UNSATISFIED_COMMENTS,
        }[verdict]
        comment = self.rng.choice(comments)
        actor, label = appeal.cadre.user, ""
        if via_link:
            link, _at = self.links[-1]
            link.used_at = self.now
            actor = None
            contact = appeal.enterprise.contact_name or _("the enterprise's contact")
            label = _("%(contact)s (feedback link)") % {"contact": contact}
        before = self._snapshot()
        appeal.feedback = verdict
        appeal.feedback_comment = comment
        appeal.feedback_at = self.now
        if verdict in SATISFIED_VERDICTS:
            appeal.status = Status.CLOSED
            appeal.closed_at = appeal.feedback_at
        data = {"verdict": verdict}
        self._record(EventKind.FEEDBACK, actor=actor, before=before, comment=comment, data=data, label=label)
        if verdict not in SATISFIED_VERDICTS:
            self._reopen(actor=actor, reason=comment, label=label)

    def _reopen(self, *, actor: User | None, reason: str, label: str) -> None:
        appeal = self.appeal
        before = self._snapshot()
        tier = appeal.resolved_tier or appeal.tier
        if tier == Tier.INDIVIDUAL:
            self._start_step(tier, cadre=appeal.handler_cadre or appeal.cadre)
        else:
            self._start_step(tier, unit=appeal.handler_unit)
        appeal.resolved_at = None
        appeal.resolved_by = None
        appeal.handling_workdays = None
        appeal.handling_provisional = False
        appeal.closed_at = None
        self._record(EventKind.REOPENED, actor=actor, before=before, comment=reason, label=label)

    def suspend(self, day: date) -> None:
        self._tick(day)
        appeal = self.appeal
        actor, before = self._holder(), self._snapshot()
        appeal.status = Status.SUSPENDED
        appeal.paused_at = self.now
        reasons = SUSPEND_REASONS_BY_CATEGORY.get(appeal.category.code, SUSPEND_REASONS)
        self._record(EventKind.SUSPENDED, actor=actor, before=before, comment=self.rng.choice(reasons))

    def resume(self, day: date) -> None:
        self._tick(day)
        appeal = self.appeal
        actor, before = self._holder(), self._snapshot()
        paused_from = timezone.localdate(appeal.paused_at)
        paused = workdays_between(paused_from, self.today)
        appeal.paused_workdays += paused
        appeal.deadline = add_workdays(appeal.deadline, paused) if paused else appeal.deadline
        if appeal.deadline_workdays is not None and span_is_provisional(paused_from, max(self.today, appeal.deadline)):
            appeal.deadline_provisional = True
        appeal.status = Status.HANDLING
        appeal.paused_at = None
        data = {"paused_from": paused_from.isoformat(), "paused_workdays": paused}
        self._record(EventKind.RESUMED, actor=actor, before=before, comment=self.rng.choice(RESUME_COMMENTS), data=data)

    def press(self, day: date) -> None:
        self._tick(day)
        appeal = self.appeal
        if not (appeal.status == Status.HANDLING and appeal.deadline < self.today and appeal.press_level < 2):
            raise ValueError("only an overdue appeal can be pressed, at most twice")
        actor, before = self.world.taskforce, self._snapshot()
        if appeal.press_level == 0:
            appeal.press_level = 1
            self._record(EventKind.REMINDED, actor=actor, before=before, comment=PRESS_REMINDER)
            return
        leader = self.rng.choice(self.world.leaders)
        appeal.press_level = 2
        appeal.supervising_leader = leader
        appeal.supervision_due = add_workdays(self.today, settings.SUPERVISION_RESPONSE_WORKDAYS)
        appeal.deadline_provisional |= span_is_provisional(self.today, appeal.supervision_due)
        data = {"leader": leader.name, "leader_id": leader.pk, "response_due": appeal.supervision_due.isoformat(),
                "response_workdays": settings.SUPERVISION_RESPONSE_WORKDAYS}
        self._record(EventKind.SUPERVISED, actor=actor, before=before, comment=PRESS_NOTICE, data=data)

    def withdraw(self, day: date) -> None:
        self._tick(day)
        appeal = self.appeal
        before = self._snapshot()
        self._finish_step()
        appeal.status = Status.WITHDRAWN
        appeal.deadline = None
        appeal.deadline_provisional = False
        appeal.paused_at = None
        comment = self.rng.choice(WITHDRAW_REASONS)
        self._record(EventKind.WITHDRAWN, actor=appeal.cadre.user, before=before, comment=comment)

    def out_of_scope(self, day: date) -> None:
        self._tick(day)
        appeal = self.appeal
        before = self._snapshot()
        self._finish_step()
        appeal.status = Status.OUT_OF_SCOPE
        appeal.resolution = OUT_OF_SCOPE_EXPLANATION
        appeal.deadline = None
        appeal.deadline_provisional = False
        appeal.paused_at = None
        self._record(
            EventKind.OUT_OF_SCOPE, actor=self.world.taskforce, before=before, comment=OUT_OF_SCOPE_EXPLANATION
        )


# --- Plots: the steps of each appeal, as gaps in working days -------------------------------------

# A step: (gap, "wd" for working days or "cd" for calendar days, the Story method, its arguments).
Step = tuple[int, str, str, dict]


def _span(steps: list[Step]) -> int:
    """An upper bound, in working days, on the time from the first step to the last."""
    return sum(gap for gap, _unit, _op, _kw in steps)


@dataclass
class Slot:
    """One appeal still to be placed: its plot, and what its enterprise and raising day must be."""

    name: str
    steps: list[Step]
    source: str = "visit"  # "visit" (a visit or meeting that mentioned the issue), "phone", "enterprise", "12345"
    age: tuple[int, int | None] = (0, None)  # working days from raising to today
    needs_unit: bool = False  # goes to the cadre's unit, which needs a handler login
    cadre: Callable[[Cadre], bool] | None = None
    topic: Callable[[Topic], bool] | None = None
    check: Callable[[Appeal, date], bool] | None = None
    urgency: str = Urgency.NORMAL
    fixed_topic: Topic | None = None
    per_enterprise: int = 2  # at most this many demo appeals for the enterprise, this one included

    def __post_init__(self) -> None:
        low, high = self.age
        self.age = (max(low, _span(self.steps) + 1), high)


class Plotter:
    """Draws plots; `w` holds the working days each tier has for a step."""

    def __init__(self, rng: random.Random, tier_days: dict[int, int]) -> None:
        self.rng = rng
        self.w = tier_days

    def work(self, tier: int, *, late=False, pause=False, press=False, kind="", days: int | None = None) -> list[Step]:
        """A step at `tier` that ends resolved, on time or late, perhaps paused or pressed on the way."""
        rng, w = self.rng, days or self.w[tier]
        active = w + rng.randint(1, 5) if late else rng.randint(1 if tier == Tier.INDIVIDUAL else 2, w)
        resolve = {"kind": kind} if kind else {}
        if pause and active >= 2:
            first = rng.randint(1, active - 1)
            return [
                (first, "wd", "suspend", {}),
                (rng.randint(2, 8), "wd", "resume", {}),
                (active - first, "wd", "resolve", resolve),
            ]
        if press and late and active >= w + 2:
            return [(w + 1, "wd", "press", {}), (active - w - 1, "wd", "resolve", resolve)]
        return [(active, "wd", "resolve", resolve)]

    def route(self, route: str, *, late_escalation=False) -> tuple[list[Step], int, bool]:
        """The steps before the resolving one; the tier that resolves; whether it needs the cadre's unit."""
        rng = self.rng
        first = self.w[Tier.INDIVIDUAL] + rng.randint(1, 2) if late_escalation else rng.randint(1, 4)
        raise_ = [(0, "wd", "raise_", {"by_taskforce": route.startswith("hotline")})]
        up = [(first, "wd", "escalate", {})]
        up2 = up + [(rng.randint(2, 7), "wd", "escalate", {})]
        assign = [(rng.randint(0, 2), "wd", "assign", {})]
        plots = {
            "t1": ([], Tier.INDIVIDUAL, False),
            "t2": (up, Tier.UNIT, True),
            "t2_returned": (up + [(rng.randint(1, 3), "wd", "return_", {})], Tier.INDIVIDUAL, True),
            "t3": (up2 + assign, Tier.TASKFORCE, True),
            "t3_reassigned": (
                up2
                + [(rng.randint(0, 2), "wd", "assign", {"other_group": True}), (rng.randint(1, 3), "wd", "assign", {})],
                Tier.TASKFORCE,
                True,
            ),
            "t3_taskforce": (up2, Tier.TASKFORCE, True),
            "hotline": (assign, Tier.TASKFORCE, False),
            "hotline_returned": ([(rng.randint(0, 1), "wd", "return_", {})], Tier.INDIVIDUAL, False),
        }
        steps, tier, needs_unit = plots[route]
        return raise_ + steps, tier, needs_unit

    def feedback(self, *, verdict: str, link: bool) -> list[Step]:
        if link:  # the enterprise answers through the link within days, weekends included
            return [
                (self.rng.randint(0, 1), "wd", "request_feedback", {}),
                (self.rng.randint(0, 4), "cd", "feedback", {"verdict": verdict, "via_link": True}),
            ]
        return [(self.rng.randint(1, 5), "wd", "feedback", {"verdict": verdict})]

    def verdict(self, kind: str = "") -> str:
        basic_share = 0.75 if kind == ResolutionKind.NOT_RESPONSIBLE else 0.28
        return Feedback.BASICALLY if self.rng.random() < basic_share else Feedback.SATISFIED


ROUTES = (
    ("t1", 55),
    ("t2", 22),
    ("t2_returned", 2),
    ("t3", 12),
    ("t3_reassigned", 1.5),
    ("t3_taskforce", 1.5),
    ("hotline", 4),
    ("hotline_returned", 2),
)


def _weighted(rng: random.Random, pairs):
    items, weights = zip(*pairs, strict=True)
    return rng.choices(items, weights=weights)[0]


def _closed_slot(p: Plotter, *, name="closed", route: str | None = None, kind="", **constraints) -> Slot:
    rng = p.rng
    route = route or _weighted(rng, ROUTES)
    late = rng.random() < 0.09
    late_escalation = late and route.startswith("t") and route != "t1" and rng.random() < 0.3
    steps, tier, needs_unit = p.route(route, late_escalation=late_escalation)
    pause = not late and rng.random() < 0.08
    urgency = _weighted(rng, ((Urgency.NORMAL, 90), (Urgency.URGENT, 8), (Urgency.CRITICAL, 2)))
    days = None
    if tier == Tier.TASKFORCE and urgency != Urgency.NORMAL and route != "t3_taskforce":
        days = 10
        steps[-1] = (steps[-1][0], "wd", "assign", {**steps[-1][3], "workdays": days})
    work = p.work(tier, late=late and not late_escalation, pause=pause, press=rng.random() < 0.5, kind=kind, days=days)
    steps += work
    if rng.random() < 0.02 and not kind:  # unsatisfied at first, resolved again, then closed
        steps += p.feedback(verdict=Feedback.UNSATISFIED, link=False)
        steps += p.work(tier)  # reopening starts a step with the tier's own deadline
    steps += p.feedback(verdict=p.verdict(kind), link=rng.random() < 0.22)
    source = "12345" if route.startswith("hotline") else _source(rng)
    return Slot(name, steps, source=source, needs_unit=needs_unit, urgency=urgency, **constraints)


def _source(rng: random.Random) -> str:
    return _weighted(rng, (("visit", 80), ("enterprise", 12), ("phone", 8)))


def _is_open(tier: int, *, overdue: bool | None = None, status: str = Status.HANDLING, assigned: bool | None = None):
    def check(appeal: Appeal, today: date) -> bool:
        if appeal.status != status or appeal.tier != tier:
            return False
        if overdue is not None and (appeal.deadline < today) != overdue:
            return False
        return assigned is None or (appeal.handler_unit_id is not None) == assigned

    return check


def _has_status(status: str) -> Callable[[Appeal, date], bool]:
    return lambda appeal, today: appeal.status == status


def _is_demo_cadre(cadre: Cadre) -> bool:
    return cadre.user.username == "cadre"


def _in_handler_unit(cadre: Cadre) -> bool:
    return cadre.unit.name == HANDLER_UNIT and not _is_demo_cadre(cadre)


def _elsewhere(cadre: Cadre) -> bool:
    return cadre.unit.name != HANDLER_UNIT


def _slots(p: Plotter) -> list[Slot]:
    """201 plots: the ones the demo logins need first, then the open, the awaiting and the ended ones."""
    rng, w = p.rng, p.w
    w1, w2, w3 = w[Tier.INDIVIDUAL], w[Tier.UNIT], w[Tier.TASKFORCE]
    raise_ = [(0, "wd", "raise_", {})]
    up = [(rng.randint(1, 3), "wd", "escalate", {})]
    up2 = [(rng.randint(1, 4), "wd", "escalate", {}), (rng.randint(2, 6), "wd", "escalate", {})]
    assign = [(rng.randint(0, 2), "wd", "assign", {})]
    resolve_t1 = [(rng.randint(1, 4), "wd", "resolve", {})]
    unsatisfied = [(rng.randint(2, 4), "wd", "feedback", {"verdict": Feedback.UNSATISFIED})]
    slots = [
        # The demo cadre: a new appeal to handle, one awaiting the enterprise's verdict, two closed.
        Slot("open: demo cadre", raise_, source="enterprise", age=(1, w1 - 2), cadre=_is_demo_cadre,
             check=_is_open(Tier.INDIVIDUAL, overdue=False)),
        Slot("resolved: demo cadre", raise_ + resolve_t1, age=(0, _span(resolve_t1) + 3), cadre=_is_demo_cadre,
             check=_has_status(Status.RESOLVED), per_enterprise=4),
        _closed_slot(p, name="closed: demo cadre", route="t1", cadre=_is_demo_cadre, per_enterprise=4),
        _closed_slot(p, name="closed: demo cadre", route="t2", cadre=_is_demo_cadre, per_enterprise=4),
        # The demo handler's unit: one in its queue, two it closed.
        Slot("open: unit, the handler's", raise_ + up, age=(0, _span(up) + w2 - 3), needs_unit=True,
             cadre=_in_handler_unit, check=_is_open(Tier.UNIT, overdue=False)),
        _closed_slot(p, name="closed: the handler's unit", route="t2", cadre=_in_handler_unit),
        _closed_slot(p, name="closed: the handler's unit", route="t2", cadre=_in_handler_unit),
        # Open at every tier: overdue, paused, reopened, awaiting triage, assigned and pressed.
        Slot("open: individual, overdue", raise_ + [(w1 + 1, "wd", "press", {})], age=(0, w1 + 12),
             check=_is_open(Tier.INDIVIDUAL, overdue=True)),
        Slot("open: individual, reopened", raise_ + resolve_t1 + unsatisfied,
             age=(0, _span(resolve_t1 + unsatisfied) + 2), check=_is_open(Tier.INDIVIDUAL, overdue=False)),
        Slot("open: individual, paused", raise_ + [(rng.randint(1, 3), "wd", "suspend", {})], age=(0, 12),
             check=_is_open(Tier.INDIVIDUAL, status=Status.SUSPENDED)),
        Slot("open: unit, overdue", raise_ + up + [(w2 + 1, "wd", "press", {})], age=(0, _span(up) + w2 + 10),
             needs_unit=True, cadre=_elsewhere, check=_is_open(Tier.UNIT, overdue=True)),
        Slot("open: task force, awaiting triage", raise_ + up2, age=(0, _span(up2) + 2), needs_unit=True,
             check=_is_open(Tier.TASKFORCE, overdue=False, assigned=False)),
        Slot("open: task force, 12345 call awaiting triage", [(0, "wd", "raise_", {"by_taskforce": True})],
             source="12345", age=(1, 2), check=_is_open(Tier.TASKFORCE, overdue=False, assigned=False)),
        Slot("open: task force, assigned, overdue and supervised",
             raise_ + up2 + assign + [(w3 + 1, "wd", "press", {}), (2, "wd", "press", {})],
             age=(0, _span(up2 + assign) + w3 + 10), needs_unit=True, urgency=Urgency.URGENT,
             check=_is_open(Tier.TASKFORCE, overdue=True, assigned=True)),
        Slot("open: task force, assigned and paused",
             raise_ + up2 + assign + [(rng.randint(2, 5), "wd", "suspend", {})],
             age=(0, _span(up2 + assign) + 8), needs_unit=True,
             check=_is_open(Tier.TASKFORCE, status=Status.SUSPENDED, assigned=True)),
    ]  # fmt: skip
    # Resolved, awaiting the enterprise's verdict (one after an earlier unsatisfied verdict).
    for route, link, again in (("t1", True, False), ("t1", False, False), ("t2", False, True), ("t2", True, False),
                               ("t3", False, False), ("hotline", False, False), ("t1", False, False)):  # fmt: skip
        steps, tier, needs_unit = p.route(route)
        steps += p.work(tier)
        if again:
            steps += p.feedback(verdict=Feedback.UNSATISFIED, link=False) + p.work(tier)
        if link:
            steps.append((rng.randint(0, 1), "wd", "request_feedback", {}))
        source = "12345" if route == "hotline" else _source(rng)
        slots.append(Slot("resolved", steps, source=source, age=(0, _span(steps) + 4), needs_unit=needs_unit,
                          check=_has_status(Status.RESOLVED)))  # fmt: skip
    # Withdrawn at the individual and the unit tier; one outside the campaign's remit.
    slots.append(Slot("withdrawn", raise_ + [(rng.randint(1, 3), "wd", "withdraw", {})]))
    slots.append(Slot("withdrawn", raise_ + up + [(rng.randint(1, 5), "wd", "withdraw", {})], needs_unit=True))
    out_of_scope = [(0, "wd", "raise_", {"by_taskforce": True}), (rng.randint(0, 1), "wd", "out_of_scope", {})]
    slots.append(Slot("out of scope", out_of_scope, source="12345", fixed_topic=OUT_OF_SCOPE_TOPIC))
    # Some answered "not our responsibility", and the rest closed with the enterprise satisfied.
    for route in ("t2", "t2", "t3", "hotline", "t3"):
        slots.append(
            _closed_slot(p, route=route, kind=ResolutionKind.NOT_RESPONSIBLE, topic=lambda t: bool(t.not_responsible))
        )
    while len(slots) < 201:
        slots.append(_closed_slot(p))
    return slots


# --- Casting: which enterprise, which day ----------------------------------------------------------


@dataclass
class Candidate:
    pairing: Assignment
    day: date
    age: int
    visit: Visit | None = None
    topic: Topic | None = None
    amounts: dict = field(default_factory=dict)


class Casting:
    """Finds an enterprise and a raising day for each slot."""

    def __init__(self, rng: random.Random, world: World, pairings: list[Assignment], visits: list[Visit]) -> None:
        self.rng, self.world = rng, world
        self.pairings = pairings
        self.by_pk = {p.pk: p for p in pairings}
        self.used_visits: set[int] = set()
        self.per_enterprise: Counter = Counter()
        yesterday = world.today - timedelta(days=1)
        first = min(p.started_on for p in pairings) + timedelta(days=1)
        self.days = [first + timedelta(days=n) for n in range((yesterday - first).days + 1)]
        self.days = [day for day in self.days if is_workday(day)]
        self.age_of = {day: workdays_between(day, world.today) for day in self.days}
        self.visits = []
        for visit in visits:
            topic, amounts = _topic_of(visit.issues_raised)
            if topic is None or visit.date >= world.today:
                continue
            age = self.age_of.get(visit.date)
            if age is None:
                age = workdays_between(visit.date, world.today)
            self.visits.append(Candidate(self.by_pk[visit.assignment_id], visit.date, age, visit, topic, amounts))

    @staticmethod
    def _fits_age(slot: Slot, age: int) -> bool:
        low, high = slot.age
        return low <= age and (high is None or age <= high)

    def _fits_pairing(self, slot: Slot, pairing: Assignment) -> bool:
        if self.per_enterprise[pairing.enterprise_id] >= slot.per_enterprise:
            return False
        cadre = pairing.cadre
        if slot.needs_unit and cadre.unit_id not in self.world.handlers:
            return False
        if slot.topic is not None and not _topics_for(slot, pairing.enterprise.industry_section):
            return False
        return slot.cadre is None or slot.cadre(cadre)

    def candidates(self, slot: Slot) -> list[Candidate]:
        """Where this slot's appeal could start, in a deterministic random order."""
        found: list[Candidate] = []
        if slot.source == "visit" and slot.fixed_topic is None:
            found = [
                c
                for c in self.visits
                if self._fits_age(slot, c.age)
                and c.visit.pk not in self.used_visits
                and (slot.topic is None or slot.topic(c.topic))
                and self._fits_pairing(slot, c.pairing)
            ]
            self.rng.shuffle(found)
        if not found:  # no visit fits: the enterprise raised it by phone or online on some working day
            pairings = [p for p in self.pairings if self._fits_pairing(slot, p)]
            days = [day for day in self.days if self._fits_age(slot, self.age_of[day])]
            self.rng.shuffle(pairings)
            for pairing in pairings[:40]:
                possible = [day for day in days if day > pairing.started_on]
                if possible:
                    day = self.rng.choice(possible)
                    found.append(Candidate(pairing, day, self.age_of[day]))
        return found

    def topic_for(self, slot: Slot, candidate: Candidate) -> tuple[Topic, dict]:
        rng = self.rng
        amounts = {"n": rng.randrange(200, 3000, 100), "m": rng.randint(8, 60)}
        if slot.fixed_topic is not None:
            return slot.fixed_topic, amounts
        if candidate.topic is not None:
            return candidate.topic, {**amounts, **candidate.amounts}
        return rng.choice(_topics_for(slot, candidate.pairing.enterprise.industry_section)), amounts

    def take(self, candidate: Candidate) -> None:
        self.per_enterprise[candidate.pairing.enterprise_id] += 1
        if candidate.visit is not None:
            self.used_visits.add(candidate.visit.pk)


def _topics_for(slot: Slot, section: str) -> list[Topic]:
    """What an enterprise of this industry section could ask for in this slot."""
    return [t for t in TOPICS if (not t.sections or section in t.sections) and (slot.topic is None or slot.topic(t))]


def _topic_of(issue: str) -> tuple[Topic | None, dict]:
    for topic in TOPICS:
        match = topic.pattern.match(issue)
        if match:
            return topic, {key: int(value) for key, value in match.groupdict().items()}
    return None, {}


def _words(rng: random.Random, amounts: dict) -> dict:
    n = amounts["n"]
    return {
        **amounts,
        "k": rng.randint(2, 12),
        "loan": max(100, round(n * rng.uniform(0.6, 1.0) / 50) * 50),
        "bank": rng.choice(BANKS),
        "expo": rng.choice(EXPOS),
        "policy": rng.choice(POLICIES),
        "days": rng.randint(1, 3),
    }


def _appeal_for(
    world: World, rng: random.Random, slot: Slot, candidate: Candidate, topic: Topic, words: dict
) -> Appeal:
    enterprise = candidate.pairing.enterprise
    visit = candidate.visit
    if slot.source == "12345":
        source, opening = Source.HOTLINE, HOTLINE_OPENING
    elif visit is not None:
        source = Source.MEETING if visit.method == VisitMethod.MEETING else Source.VISIT
        opening = OPENINGS[Source.MEETING] if source == Source.MEETING else ""
    else:
        source = Source.HOTLINE if slot.source == "phone" else Source.ENTERPRISE
        opening = OPENINGS[source]
    if visit is not None:
        text = visit.issues_raised.split("：", 1)[1]
    else:
        text = topic.text.format(**words)
    description = opening + text
    if enterprise.contact_name and rng.random() < 0.5:
        description += f"企业联系人：{enterprise.contact_name}，联系电话：{enterprise.contact_phone}。"
    return Appeal(
        enterprise=enterprise,
        cadre=candidate.pairing.cadre,
        visit=visit,
        source=source,
        category=world.categories[topic.category],
        title=rng.choice(topic.titles).format(**words),
        description=description,
        urgency=slot.urgency,
    )


def _play(world: World, rng: random.Random, slot: Slot, candidate: Candidate, topic: Topic, words: dict) -> Story:
    story = Story(world, rng, _appeal_for(world, rng, slot, candidate, topic, words), topic, words)
    day = candidate.day
    for gap, unit, op, kwargs in slot.steps:
        if unit == "wd":
            day = add_workdays(day, gap)
        else:
            day += timedelta(days=gap)
        getattr(story, op)(day, **kwargs)
    return story


def _story_fits(story: Story, slot: Slot, today: date) -> bool:
    if any(timezone.localdate(at) >= today for _event, at in story.events):
        return False
    if any(link.used_at and link.used_at > link.expires_at for link, _at in story.links):
        return False
    return slot.check is None or slot.check(story.appeal, today)


# --- Loading, writing and deleting ------------------------------------------------------------------


def _world(today: date, handlers: dict[int, User], unit_prefix: str = "") -> World:
    """The district's task force, groups and leaders; `unit_prefix` names one district of a larger demo."""
    names = {unit_prefix + s.name: s.name for s in SERVICE_GROUPS}
    groups = {names[u.name]: u for u in Unit.objects.filter(kind=UnitKind.SERVICE_GROUP, name__in=list(names))}
    district = Cadre.objects.filter(rank=Rank.DISTRICT, active=True, unit__name__startswith=unit_prefix).order_by(
        "unit__name", "position", "name"
    )
    # Supervision notices name a deputy district head (副区长); any district-level leader will do otherwise.
    leaders = list(district.filter(position="副区长")) or list(district)
    return World(
        today=today,
        taskforce=User.objects.get(username="taskforce"),
        handlers=handlers,
        groups=groups,
        leaders=leaders,
        categories={c.code: c for c in AppealCategory.objects.all()},
        tier_days={tier: tier_workdays(tier) for tier in Tier.values},
    )


def demo_appeals_exist() -> bool:
    return AppealEvent.objects.filter(seq=1, kind=EventKind.RAISED, **{f"data__{DEMO_MARK}": True}).exists()


@dataclass
class AppealsResult:
    appeals: int = 0
    events: int = 0
    links: int = 0
    skipped: list[str] = field(default_factory=list)  # plots no enterprise fitted
    summary: str = ""


def demo_appeals_build(
    *,
    seed: int,
    today: date,
    credit_codes: list[str],
    handlers: dict[int, User],
    reporter: Reporter,
    unit_prefix: str = "",
    summary: bool = True,
    checkpoints: Checkpoints = (),
) -> AppealsResult:
    """Plan the demo appeals of the enterprises with these credit codes, and write them. `unit_prefix`
    names the district's units in a larger demo (demo.scale), which also skips the summary. At each
    of `checkpoints` (time, callback) the callback runs with the appeals as they stood then (_write)."""
    with translation.override(settings.LANGUAGE_CODE):  # the labels events store, as a zh-hans user would
        stories, skipped = _plan(seed, today, credit_codes, handlers, unit_prefix)
        _write(stories, reporter, checkpoints)
    return AppealsResult(
        appeals=len(stories),
        events=sum(len(s.events) for s in stories),
        links=sum(len(s.links) for s in stories),
        skipped=skipped,
        summary=appeals_summary(Appeal.objects.filter(pk__in=[s.appeal.pk for s in stories]), today) if summary else "",
    )


def appeals_summary(appeals: QuerySet[Appeal], today: date) -> str:
    """The appeals by state, and the closure rate the dashboards show for them."""
    first = appeals.order_by("raised_at").values_list("raised_at", flat=True).first()
    if first is None:
        return "none"
    metrics = appeal_metrics(timezone.localdate(first), today, appeals=appeals)
    states = Counter(appeals.values_list("status", flat=True))
    tiers = Counter(appeals.filter(status__in=OPEN_STATUSES).values_list("tier", flat=True))
    return (
        f"{states[Status.CLOSED]} closed, {states[Status.RESOLVED]} resolved awaiting feedback, "
        f"{metrics.open} open ({tiers[Tier.INDIVIDUAL]} individual, {tiers[Tier.UNIT]} unit, "
        f"{tiers[Tier.TASKFORCE]} task force; {metrics.overdue} overdue, {states[Status.SUSPENDED]} paused), "
        f"{states[Status.WITHDRAWN]} withdrawn, {states[Status.OUT_OF_SCOPE]} out of scope; "
        f"closure rate {metrics.closure_rate:.1%}"
    )


def _plan(
    seed: int, today: date, credit_codes: list[str], handlers: dict[int, User], unit_prefix: str = ""
) -> tuple[list[Story], list[str]]:
    world = _world(today, handlers, unit_prefix)
    pairings = list(
        Assignment.objects.active()
        .filter(enterprise__credit_code__in=credit_codes, cadre__active=True, cadre__user__isnull=False)
        .select_related("cadre__user", "cadre__unit", "enterprise")
        .order_by("enterprise__credit_code")
    )
    visits = list(
        Visit.objects.filter(assignment__in=[p.pk for p in pairings])
        .exclude(issues_raised="")
        .order_by("enterprise__credit_code", "date")
    )
    world.labels.update({p.cadre.user_id: p.cadre.name for p in pairings})  # what User.display_name gives
    rng = random.Random(f"{seed}:appeals")
    casting = Casting(rng, world, pairings, visits)
    stories, skipped = [], []
    for slot in _slots(Plotter(rng, world.tier_days)):
        story = None
        for candidate in casting.candidates(slot)[:30]:
            topic, amounts = casting.topic_for(slot, candidate)
            attempt = _play(world, rng, slot, candidate, topic, _words(rng, amounts))
            if _story_fits(attempt, slot, today):
                story = attempt
                casting.take(candidate)
                break
        if story is None:
            skipped.append(slot.name)
        else:
            stories.append(story)
    stories.sort(key=lambda s: s.raised_at)
    return stories, skipped


@contextmanager
def _given_times(*fields) -> Iterator[None]:
    """Let bulk inserts keep the times set on the objects in these auto_now(_add) fields: when it happened."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f, _now, _add in saved:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add


def _write(stories: list[Story], reporter: Reporter, checkpoints: Checkpoints = ()) -> None:
    """Insert the appeals, their feedback links and their timeline events in bulk, each with the time it
    happened (timeline events cannot be changed once written: a trigger forbids it on PostgreSQL).

    History is written in order: at each checkpoint (time, callback) the appeals stand as they stood
    then — those raised by then, each in the state of its last step before it, with the events so
    far — and the callback runs (a month's bulletin, published then, counts only what was known then);
    then the history goes on to the next checkpoint and to the end."""
    for story in stories:
        story.appeal.raised_at = story.raised_at
        for link, at in story.links:
            link.created_at = at
        for event, at in story.events:
            event.at = at
    writer = _HistoryWriter(stories, reporter)
    for at, callback in sorted(checkpoints, key=lambda checkpoint: checkpoint[0]):
        writer.bring_to(at)
        callback()
    writer.bring_to(None)
    with _given_times(FeedbackLink._meta.get_field("created_at")):
        links = [link for story in stories for link, _at in story.links]
        for link in links:
            link.appeal_id = link.appeal.pk
        FeedbackLink.objects.bulk_create(links, batch_size=CHUNK)


Checkpoints = tuple[tuple[datetime, Callable[[], None]], ...] | list[tuple[datetime, Callable[[], None]]]


class _HistoryWriter:
    """Brings the stored appeals forward in time: inserts those raised, updates those that moved on,
    inserts the events that happened; at the end (None) every appeal stands as its story left it."""

    def __init__(self, stories: list[Story], reporter: Reporter) -> None:
        self.stories = stories
        self.reporter = reporter
        self.applied: dict[int, int] = {}  # story index -> number of its states applied
        self.events = sorted(
            ((at, index, event) for index, story in enumerate(stories) for event, at in story.events),
            key=lambda item: (item[0], item[1], item[2].seq),
        )
        self.events_written = 0

    def bring_to(self, at: datetime | None) -> None:
        meta = Appeal._meta
        new, moved = [], []
        for index, story in enumerate(self.stories):
            if at is not None and story.raised_at > at:
                continue
            count = len(story.states) if at is None else sum(1 for when, _row in story.states if when <= at)
            if self.applied.get(index) == count:
                continue
            when, row = story.states[count - 1]
            for name, value in row.items():
                setattr(story.appeal, name, value)
            story.appeal.updated_at = story.now if at is None else when
            (moved if index in self.applied else new).append(story.appeal)
            self.applied[index] = count
        with _given_times(meta.get_field("raised_at"), meta.get_field("updated_at")):
            Appeal.objects.bulk_create(new, batch_size=CHUNK)
            if moved:
                Appeal.objects.bulk_update(moved, [*_STATE_FIELDS, "updated_at"], batch_size=CHUNK)
        if new or moved:  # bulk writes send no signals: the queue counts kept are stale now
            appeals_changed()
            transaction.on_commit(appeals_changed)
        due = [event for when, _index, event in self.events[self.events_written:] if at is None or when <= at]
        self.reporter.progress("appeal events", self.events_written, len(self.events))
        with _given_times(AppealEvent._meta.get_field("at")):
            for start in range(0, len(due), 2000):
                chunk = due[start:start + 2000]
                for event in chunk:
                    event.appeal_id = event.appeal.pk
                AppealEvent.objects.bulk_create(chunk)
                self.events_written += len(chunk)
                self.reporter.progress("appeal events", self.events_written, len(self.events))


def demo_appeals_delete(appeals: QuerySet[Appeal], reporter: Reporter) -> int:
    """Delete these appeals with their timelines, attachments and feedback links.

    Appeals are never deleted in the portal, and PostgreSQL refuses to change or delete timeline
    events (trigger appeals_event_no_update). The demo's own data is the only thing ever removed
    this way: the trigger is disabled for the deletion and enabled again inside the same transaction,
    so no other session ever sees the table unguarded; if anything fails, the rollback restores it.
    """
    ids = list(appeals.values_list("pk", flat=True))
    reporter.stage(f"Deleting {len(ids)} appeals")
    if not ids:
        return 0
    postgres = connection.vendor == "postgresql"
    if postgres:
        _guard_events(enabled=False)
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        for attachment in AppealAttachment.objects.filter(appeal__in=chunk):
            attachment.file.delete(save=False)
        # QuerySet.delete, not Model.delete: the models refuse to delete appeals and events one by one.
        AppealAttachment.objects.filter(appeal__in=chunk).delete()
        FeedbackLink.objects.filter(appeal__in=chunk).delete()
        AppealEvent.objects.filter(appeal__in=chunk).delete()
        Appeal.objects.filter(pk__in=chunk).delete()
    if postgres:
        _guard_events(enabled=True)
    return len(ids)


def _guard_events(*, enabled: bool) -> None:
    # PostgreSQL refuses to alter a table with deferred foreign-key checks still pending in the
    # transaction (rows inserted earlier in it); running the checks now clears them.
    connection.check_constraints()
    with connection.cursor() as cursor:
        action = "ENABLE" if enabled else "DISABLE"
        cursor.execute(f"ALTER TABLE appeals_appealevent {action} TRIGGER appeals_event_no_update")


def demo_appeals_of(*, enterprise_ids: list[int], cadre_ids: list[int]) -> QuerySet[Appeal]:
    """The appeals that go with the demo's enterprises and cadres (whoever raised them)."""
    return Appeal.objects.filter(
        Q(enterprise__in=enterprise_ids)
        | Q(cadre__in=cadre_ids)
        | Q(handler_cadre__in=cadre_ids)
        | Q(supervising_leader__in=cadre_ids)
    )
