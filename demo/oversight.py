"""The demo district's oversight: the campaign's meetings, monthly bulletins, this week's dispatch
and the annual evaluation so far.

Meetings follow the article: 17 solicitation meetings (征求意见会) chaired by district-level
leaders, at which all 23 district-level and 148 division-level leaders and 186 entrepreneurs took
part (the four "政企直通车" events count among the entrepreneurs), 201 issues were collected and 116
countermeasures (对策建议) proposed; beside them the task force's monthly progress meetings (推进会),
scheduling meetings (调度会) and a few topic meetings (专题会). Every leader's own paired enterprise
is invited to the meeting they attend ("三个一"), except for a few whose enterprise head did not come.

Issues link to the demo appeals they became: every appeal raised "在征求意见会上" (source meeting)
is an issue of the meeting held that day, and an appeal a cadre raised at a visit or that an
enterprise sent in within three weeks after its meeting is that meeting's issue too. The other issues
were answered at the meeting or taken up in countermeasures; those of the most recent meeting still
wait for the task force to turn them into appeals. No appeal is created here, so the demo keeps its
201 appeals and their closure rate. Countermeasures were adopted and implemented in the weeks after
their meeting; an implemented one names the measures of the catalogue it was carried out through,
and one adopted for the digital economy names the draft measures it led to.

Meetings are written through meetings.services as the task force, with the clock set to the day of
each step, so that their history says who and when. The other stages call the jobs' own services:
`bulletin_publish` for every month that is over and has visits (with the clock at the 1st of the
next month, 06:00, when the monthly job runs), `weekly_dispatch_run` for this week (Monday 08:00,
the weekly job), and `annual_evaluation_run` for the current year (the months over so far).
Each is idempotent, so a second run adds nothing; a later run adds what fell due since (a new
week's sheets, a month's bulletin). The choices come from `random.Random` seeded with the `seed`.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from unittest import mock

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone, translation
from simple_history.models import HistoricalRecords

from appeals.models import Appeal, AppealCategory, Source
from demo.analysis_reports import demo_reports_build, demo_reports_delete
from demo.appeals import OPENINGS, TOPICS, demo_appeals_of
from demo.district import DEFAULT_SEED, Reporter, build_plan
from enterprises.models import Enterprise, Ownership
from evaluations.models import Evaluation
from evaluations.services import annual_evaluation_run, evaluation_period
from jobs.models import JobRun
from jobs.services import job_run_record
from liaison.models import Assignment, Cadre, Rank, Role, Unit, UnitKind, User, Visit
from liaison.selectors import overall_compliance, previous_month
from liaison.selectors import today as local_today
from meetings import services as meeting_services
from meetings.models import (
    Countermeasure,
    CountermeasureStatus,
    Meeting,
    MeetingEnterprise,
    MeetingIssue,
    MeetingKind,
)
from policies.models import Policy, PolicyStatus
from reports.bulletins import monthly_bulletin_run
from reports.models import Bulletin, BulletinCadreRow, Dispatch, InterviewCase
from reports.services import week_monday, weekly_dispatch_run
from workdays.services import is_workday

# The article's figures: 17 solicitation meetings with 186 entrepreneurs, 201 issues, 116 countermeasures.
SOLICITATION_MEETINGS = 17
ENTREPRENEURS = 186
ISSUES = 201
COUNTERMEASURES = 116
FIELD_EVENT_ENTERPRISES = 3  # enterprises each of the four "政企直通车" events went to
NOT_MET_MIN = 3  # leaders whose enterprise head did not come: the "三个一" check shows a few gaps
MEETING_CAPACITY = 13  # enterprises a themed meeting takes before its trade spills into the general ones
LINK_WINDOW_DAYS = 21  # an appeal raised this soon after its enterprise's meeting is that meeting's issue
PENDING_DAYS = (2, 6)  # the most recent meeting was this many days ago; its issues are not appeals yet


@dataclass(frozen=True)
class Theme:
    title: str  # the key a second run and a reset find the demo's meetings by
    subject: str  # who raised the issues, as a countermeasure names them
    sections: str = ""  # GB/T 4754 sections of the enterprises it invites; "" = any
    prefer: str = ""  # for a general meeting: "foreign", "young" or "high_tech" enterprises first


THEMES = (
    Theme("批发贸易和进出口企业征求意见会", "批发贸易和进出口企业", "F"),
    Theme("商贸零售和电子商务企业征求意见会", "商贸零售和电子商务企业", "F"),
    Theme("重点商贸流通企业征求意见会", "商贸流通企业", "F"),
    Theme("规上工业企业征求意见会", "规上工业企业", "CD"),
    Theme("房地产和物业服务企业征求意见会", "房地产和物业服务企业", "K"),
    Theme("建筑业和重点项目建设企业征求意见会", "建筑业企业", "E"),
    Theme("港航物流企业征求意见会", "港航物流企业", "G"),
    Theme("软件和信息技术服务企业征求意见会", "软件和信息技术服务企业", "I"),
    Theme("楼宇经济和商务服务企业征求意见会", "楼宇经济和商务服务企业", "L"),
    Theme("医疗健康、教育和社会服务企业征求意见会", "医疗、教育和社会服务企业", "QPO"),
    Theme("金融和类金融企业征求意见会", "金融和类金融企业", "J"),
    Theme("高新技术企业和科技服务企业征求意见会", "高新技术和科技服务企业", prefer="high_tech"),
    Theme("住宿餐饮和文化旅游企业征求意见会", "住宿餐饮和文旅企业", "HR"),
    Theme("民营企业家代表征求意见会", "民营企业家代表"),
    Theme("外资和港澳台资企业征求意见会", "外资企业", prefer="foreign"),
    Theme("新入规和成长型企业征求意见会", "新入规和成长型企业", prefer="young"),
    Theme("重点纳税企业征求意见会", "重点纳税企业"),
)
THEME_TITLES = tuple(theme.title for theme in THEMES)
# Trades close enough for an enterprise to attend the other's meeting when its own has been held.
RELATED = {
    "F": "GL",
    "G": "F",
    "L": "JKF",
    "J": "L",
    "K": "EL",
    "E": "K",
    "C": "DM",
    "D": "C",
    "I": "M",
    "M": "I",
    "H": "R",
    "R": "H",
    "Q": "P",
    "P": "Q",
    "O": "Q",
}
PENDING_THEME = "民营企业家代表征求意见会"  # held last, days ago

PLACES = (
    "区政府三楼第一会议室",
    "区政府三楼第二会议室",
    "区政务服务中心五楼会议室",
    "区工商业联合会会议室",
    "区委党校报告厅",
    "区营商环境建设局会议室",
)

REPRESENTATIVE_HEADS = ("董事长", "总经理", "董事长", "执行董事", "总经理")
REPRESENTATIVE_DEPUTIES = ("副总经理", "财务总监", "办公室主任")

# Issues an enterprise head raises at a meeting, beside the ones a visit can note (demo_appeals.TOPICS):
# category, title, description, and the trades (GB/T 4754 sections) it suits, any when not given.
MEETING_ISSUES = (
    (
        "financing",
        "希望扩大“政银担”合作覆盖面，降低担保费率",
        "中小企业贷款普遍需要担保，担保费率偏高，希望扩大“政银担”合作覆盖面并给予担保费补贴。",
    ),
    (
        "financing",
        "希望金融机构开发适合轻资产企业的信用贷款产品",
        "企业以研发和服务为主，缺少可抵押的固定资产，希望银行开发知识产权质押、订单融资等信用贷款产品。",
    ),
    (
        "policy",
        "希望惠企政策发布后及时精准推送到企业",
        "对新出台的惠企政策了解不及时，希望通过联系干部和政策二维码及时推送适用政策。",
    ),
    (
        "policy",
        "建议简化研发投入后补助申报材料",
        "研发投入后补助申报材料多、周期长，希望简化材料并推行网上申报。",
        "CIM",
    ),
    (
        "policy",
        "希望明确高新技术企业认定奖励兑现时间",
        "企业去年通过高新技术企业认定，希望明确区级认定奖励的兑现时间和流程。",
        "CIM",
    ),
    (
        "approvals",
        "希望进一步压缩企业变更登记办理时限",
        "企业近期需办理经营范围和注册地址变更，希望进一步压缩办理时限，推行全程网办。",
    ),
    (
        "approvals",
        "希望推行涉企检查“综合查一次”",
        "各部门检查频次较多，希望统筹安排涉企行政检查，减少对企业正常经营的影响。",
    ),
    (
        "approvals",
        "希望消防审验提前介入指导",
        "企业计划对经营场所进行装修改造，希望消防审验部门提前介入指导，避免返工。",
    ),
    ("talent", "希望加大技能人才培训补贴力度", "企业一线技能人才紧缺，希望对企业自主开展的职工技能培训给予补贴。"),
    ("talent", "希望协调解决引进人才子女入学问题", "企业从外地引进的技术骨干子女面临入学问题，希望协调就近入学。"),
    ("market", "希望搭建本地企业供需对接平台", "希望政府搭建本地企业产品和服务供需对接平台，推动区内企业互采互购。"),
    (
        "market",
        "希望在政府采购中给予中小企业更多机会",
        "希望及时获取政府采购信息，并在政府采购中落实中小企业预留份额政策。",
    ),
    ("market", "希望组织企业参加重点展会", "希望区里组织企业参加东北亚国际博览会等重点展会，并给予展位费补贴。"),
    (
        "utilities",
        "希望协调解决老旧楼宇供暖和电梯设施问题",
        "企业所在商务楼宇建成年代较早，冬季供暖效果差、电梯老化，希望协调产权单位改造。",
    ),
    (
        "utilities",
        "希望优化港区周边货车通行管理",
        "企业运输车辆进出港区经常受限行影响，希望优化货车通行时段和通行证办理。",
        "GFC",
    ),
    (
        "land_planning",
        "希望加快老旧厂房改造利用规划调整",
        "企业计划利用自有老旧厂房发展新业态，希望明确规划调整路径和办理时限。",
        "C",
    ),
    (
        "land_planning",
        "希望协调项目施工许可并联审批",
        "企业新建项目前期手续涉及多个部门，希望推行并联审批，加快取得施工许可。",
        "CEK",
    ),
    (
        "other",
        "希望协调解决商务楼宇停车位不足问题",
        "企业所在楼宇停车位紧张，员工和来访客户停车难，希望协调周边单位错时开放停车场。",
    ),
    ("other", "希望建立企业账款拖欠协调机制", "部分项目款项结算周期长，希望政府建立账款拖欠协调机制并提供法律服务。"),
    ("other", "希望加强企业周边环境整治", "企业周边道路占道经营和环境卫生问题较多，影响企业形象，希望加强整治。"),
)

PROBLEMS = {
    "financing": "融资",
    "land_planning": "项目用地和规划",
    "talent": "用工和人才",
    "policy": "惠企政策兑现",
    "utilities": "水电气暖和通行等要素保障",
    "market": "市场拓展",
    "approvals": "审批办证",
    "other": "停车、账款拖欠等经营环境",
}


@dataclass(frozen=True)
class Action:
    text: str
    policies: tuple[str, ...] = ()  # words in the titles of the catalogue's measures it is carried out through
    draft: bool = False  # the measures are drafts it led to: it is adopted, not implemented yet
    fits: str = ""  # the trades (GB/T 4754 sections) whose meetings it suits; any when empty


ACTIONS: dict[str, tuple[Action, ...]] = {
    "financing": (
        Action("建议依托区级首贷服务中心定期举办银企对接会，对首次贷款企业落实首贷贴息政策。", ("首贷贴息",)),
        Action("建议推动高新技术企业贷款贴息政策直达企业，简化贴息申请材料。", ("高新技术企业贷款贴息",), fits="CIM"),
        Action("建议设立续贷过桥资金，帮助企业无缝衔接银行续贷。", ("续贷过桥资金支持",)),
        Action("建议扩大政府性融资担保覆盖面，落实担保费补贴政策。", ("政府性融资担保费补贴",)),
        Action("建议推广知识产权质押融资，帮助轻资产科技企业获得信用贷款。", ("知识产权质押融资贴息",)),
        Action("建议在区政务服务中心“金融服务专区”为企业提供融资一站式服务。", ("“金融服务专区”一站式融资服务",)),
        Action("建议建立重点企业融资需求清单，由金融服务组按月跟踪对接。"),
    ),
    "land_planning": (
        Action("建议对重点项目用地规划许可实行容缺受理和并联审批。", fits="CEK"),
        Action("建议由项目建设服务组建立重点项目审批台账，逐项明确办理时限。"),
        Action("建议研究老旧厂房和低效楼宇改造利用的规划调整路径。", fits="CLK"),
        Action("建议召开项目用地专题会，协调区自然资源分局提前介入指导。", fits="CEK"),
        Action("建议推行“拿地即开工”服务模式，集成办理项目前期手续。", ("“高效办成一件事”涉企事项集成办",), fits="CEK"),
        Action("建议对在建重点项目实行“一项目一专班”跟踪服务。", fits="CEK"),
    ),
    "talent": (
        Action("建议区人社局每季度举办重点企业专场招聘会，并对接职业院校开展订单式培养。"),
        Action("建议落实稳岗返还和一次性扩岗补助政策，推动免申即享。", ("失业保险稳岗返还", "一次性扩岗补助")),
        Action("建议扩大人才公寓供给，优化企业引进人才入住审核流程。", ("第三条：人才公寓",)),
        Action("建议协调区教育局保障企业引进人才子女就近入学。", ("人才子女入学保障",)),
        Action("建议对企业开展职工技能提升培训给予补贴。", ("职工职业技能提升补贴",)),
        Action("建议落实青年人才租房补贴，吸引高校毕业生留连就业。", ("青年人才租房补贴",)),
    ),
    "policy": (
        Action(
            "建议梳理发布惠企强企政策免申即享、直达快享清单，推动奖励资金直达企业。",
            ("首次入规企业奖励", "规上工业企业增产增效奖励"),
        ),
        Action("建议简化研发投入后补助申报材料，推行网上申报。", ("企业研发投入后补助",), fits="CIM"),
        Action("建议及时兑现高新技术企业首次认定奖励，明确兑现时间。", ("高新技术企业首次认定奖励",), fits="CIM"),
        Action("建议选派干部入企时使用政策二维码“掌中宝”逐条解读适用政策。"),
        Action(
            "建议研究制定支持数字经济和人工智能产业发展的专项措施，对企业数字化转型给予补助。",
            ("企业数字化转型项目补助", "人工智能应用场景开放奖励"),
            draft=True,
            fits="CFGI",
        ),
        Action("建议对科技型中小企业入库给予奖励，引导企业加大研发投入。", ("科技型中小企业入库奖励",), fits="CIM"),
        Action(
            "建议落实软件和信息技术服务企业发展奖励，支持企业做大做强。", ("软件和信息技术服务企业发展奖励",), fits="IM"
        ),
    ),
    "utilities": (
        Action("建议协调供电部门建立重点企业用电增容绿色通道。"),
        Action("建议供暖季前组织供热企业对重点企业周边管网开展检修。"),
        Action("建议协调交警部门优化港区周边货车通行时段和通行证办理。", fits="GFC"),
        Action("建议建立水电气暖报装“一站式”联合服务机制。", ("“高效办成一件事”涉企事项集成办",)),
        Action("建议对老旧商务楼宇电梯、消防等配套设施改造给予支持。"),
    ),
    "market": (
        Action(
            "建议组织企业参加东北亚国际博览会等重点展会，落实展位费补贴。", ("境内外重点展会参展补贴",), fits="FCGI"
        ),
        Action("建议落实出口信用保险保费补贴，帮助外贸企业防范收汇风险。", ("出口信用保险保费补贴",), fits="FCG"),
        Action("建议定期举办“政企直通车”产销对接活动，推动区内企业互采互购。", ("“政企直通车”诉求直达",)),
        Action("建议对限上商贸企业入库给予奖励，支持商贸企业做大规模。", ("限上商贸企业入库奖励",), fits="F"),
        Action(
            "建议加大东关街历史文化街区招商力度，对入驻商户给予扶持。", ("东关街历史文化街区商户入驻扶持",), fits="FHR"
        ),
        Action("建议支持老字号和特色品牌企业开拓市场。", ("老字号和特色品牌企业认定奖励",), fits="FHR"),
    ),
    "approvals": (
        Action("建议推进“综合窗口”改革，实现涉企事项一窗受理、集成办理。", ("“综合窗口”一窗通办",)),
        Action("建议设置外资企业帮办代办窗口，提供全程代办服务。", ("外资企业帮办代办",), fits="FCG"),
        Action("建议消防审验提前介入指导，推行一次性告知和限时办结。"),
        Action("建议将企业开办压缩至一个工作日内办结。", ("企业开办“一日办结”",)),
        Action("建议推行涉企行政检查“综合查一次”，减少对企业正常经营的干扰。"),
        Action("建议深化审批监管联动，促进登记、审批和监管信息共享。"),
    ),
    "other": (
        Action("建议协调城管部门在企业周边增设临时停车泊位，推动机关单位停车场错时开放。"),
        Action("建议建立涉企账款拖欠协调机制，由法律服务组提供法律咨询和调解服务。"),
        Action("建议对破坏营商环境的行为依纪依法严肃查处，并公开典型案例。"),
        Action("建议开展营商环境问题“大起底、大排查”专项整治。"),
        Action("建议加强企业周边环境整治和治安巡逻。"),
        Action("建议建立企业问题台账和交办问题报送机制，明确办理流程和时限。"),
    ),
}

TOPIC_MEETINGS = (
    ("企业融资服务专题会", "区委常委、常务副区长", ("区金融发展服务中心", "区财政局", "金融服务组", "区税务局")),
    ("重点项目审批提速专题会", "副区长", ("区发展和改革局", "区住房和城乡建设局", "区自然资源分局", "项目建设服务组")),
    ("东关街历史文化街区商户服务专题会", "副区长", ("八一路街道", "区市场监督管理局", "区商务局", "区营商环境建设局")),
)
TOPIC_NOTES = {
    "企业融资服务专题会": (
        "研究企业融资难题，部署区级首贷服务中心建设和“金融服务专区”银企对接，明确首贷贴息、续贷过桥等政策落实责任。"
    ),
    "重点项目审批提速专题会": (
        "逐个梳理重点项目审批堵点，明确用地规划、施工许可和竣工验收各环节责任单位和办理时限，实行容缺受理、并联审批。"
    ),
    "东关街历史文化街区商户服务专题会": (
        "研究东关街街区招商和商户服务，设立现场办公点，“一对一”指导商户办理名称申请、地址登记和营业执照。"
    ),
}
FIELD_EVENTS = (
    ("“政企直通车”走进港航物流企业", "G", "", ("区商务局", "区发展和改革局", "香炉礁街道")),
    ("“政企直通车”走进东关街历史文化街区", "", "八一路街道", ("区市场监督管理局", "区商务局", "八一路街道")),
    ("“政企直通车”走进软件和信息技术服务企业", "I", "", ("区科技和工业信息化局", "区数据局")),
    ("“政企直通车”走进重点项目建设现场", "KE", "", ("区发展和改革局", "区住房和城乡建设局", "区自然资源分局")),
)


# --- Planning ----------------------------------------------------------------------------------


@dataclass
class IssuePlan:
    enterprise: Enterprise
    category: str
    title: str
    description: str
    appeal: Appeal | None = None


@dataclass
class CountermeasurePlan:
    text: str
    steps: list[tuple[date, str, list[Policy] | None]] = field(default_factory=list)  # (day, status, policies)


@dataclass
class MeetingPlan:
    kind: str
    title: str
    day: date
    subject: str = ""
    place: str = ""
    chair: Cadre | None = None
    participants: dict[int, Cadre] = field(default_factory=dict)
    invited: dict[int, Enterprise] = field(default_factory=dict)
    issues: list[IssuePlan] = field(default_factory=list)
    countermeasures: list[CountermeasurePlan] = field(default_factory=list)
    notes: str = ""
    theme: Theme | None = None

    def join(self, *cadres: Cadre | None) -> None:
        for cadre in cadres:
            if cadre is not None:
                self.participants.setdefault(cadre.pk, cadre)


@dataclass
class World:
    today: date
    start: date  # the first day of the campaign's first month (the first visit's month)
    taskforce: User
    cadres: list[Cadre]  # the demo's active cadres
    pairings: dict[int, Assignment]  # cadre id -> active pairing (with its enterprise)
    appeals: list[Appeal]  # the demo's appeals, oldest first
    categories: dict[str, AppealCategory]
    policies: list[Policy]
    by_id: dict[int, Cadre] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.by_id = {c.pk: c for c in self.cadres}

    def cadre(self, pk: int) -> Cadre | None:
        return self.by_id.get(pk)

    def by_unit(self, names: tuple[str, ...], rank: str | None = None) -> list[Cadre]:
        return [c for c in self.cadres if c.unit.name in names and (rank is None or c.rank == rank)]

    def by_position(self, position: str) -> list[Cadre]:
        return [c for c in self.cadres if c.rank == Rank.DISTRICT and c.position == position]


def _rng(seed: int, stage: str) -> random.Random:
    return random.Random(f"{seed}:{stage}")


def _workday(day: date) -> bool:
    return is_workday(day)


def _workday_on_or_after(day: date) -> date:
    while not _workday(day):
        day += timedelta(days=1)
    return day


def _months(start: date, today: date) -> list[date]:
    months, month = [], start.replace(day=1)
    while month <= today:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _next_month(month: date) -> date:
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1)


def _shares(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainder)."""
    whole = sum(weights) or 1
    raw = [total * w / whole for w in weights]
    shares = [int(r) for r in raw]
    for index in sorted(range(len(raw)), key=lambda i: (shares[i] - raw[i], i))[: total - sum(shares)]:
        shares[index] += 1
    return shares


def _load_world(today: date) -> World | None:
    plan = build_plan(DEFAULT_SEED)  # usernames and credit codes are the same for every seed
    taskforce = User.objects.filter(username="taskforce", role=Role.TASKFORCE).first()
    first_visit = Visit.objects.filter(cadre__user__username__in=plan.usernames).aggregate(first=Min("date"))["first"]
    if taskforce is None or first_visit is None:
        return None
    cadres = list(
        Cadre.objects.filter(user__username__in=plan.usernames, active=True)
        .select_related("unit", "user")
        .order_by("pk")
    )
    pairings = {
        a.cadre_id: a
        for a in Assignment.objects.active()
        .filter(cadre__in=[c.pk for c in cadres])
        .select_related("enterprise__street")
        .order_by("pk")
    }
    enterprise_ids = [a.enterprise_id for a in pairings.values()]
    appeals = list(
        demo_appeals_of(enterprise_ids=enterprise_ids, cadre_ids=[c.pk for c in cadres])
        .select_related("enterprise", "cadre__unit", "category")
        .order_by("raised_at", "pk")
    )
    return World(
        today=today,
        start=first_visit.replace(day=1),
        taskforce=taskforce,
        cadres=cadres,
        pairings=pairings,
        appeals=appeals,
        categories={c.code: c for c in AppealCategory.objects.order_by("pk")},
        policies=list(Policy.objects.order_by("pk")),
    )


def _representative(rng: random.Random, enterprise: Enterprise) -> tuple[str, str]:
    if enterprise.contact_name and enterprise.contact_name != enterprise.legal_representative and rng.random() < 0.3:
        return enterprise.contact_name, rng.choice(REPRESENTATIVE_DEPUTIES)
    return enterprise.legal_representative, rng.choice(REPRESENTATIVE_HEADS) if enterprise.legal_representative else ""


def _solicitation_dates(rng: random.Random, world: World, anchors: dict[date, list[Appeal]]) -> dict[str, date]:
    """A date for every theme: the days appeals were raised at a solicitation meeting first, then
    the months with the fewest meetings; the general meeting for private entrepreneurs last, days ago."""
    themes = {theme.title: theme for theme in THEMES}
    dates: dict[str, date] = {}
    for day in sorted(anchors):
        sections = {appeal.enterprise.industry_section for appeal in anchors[day]}
        free = [t for t in THEMES if t.title not in dates and t.title != PENDING_THEME]
        fitting = [t for t in free if t.sections and sections <= set(t.sections)]
        general = [t for t in free if not t.sections]
        related = [
            t
            for t in free
            if t.sections and all(s in t.sections or set(RELATED.get(s, "")) & set(t.sections) for s in sections)
        ]
        choice = (fitting or general or related or [None])[0]
        if choice is None:
            continue  # no meeting left for the trade: the appeals of this day stay unlinked
        dates[choice.title] = day
    used = set(dates.values())
    earliest = world.start + timedelta(days=7)
    if PENDING_THEME not in dates:
        recent = [
            world.today - timedelta(days=n)
            for n in range(PENDING_DAYS[0], PENDING_DAYS[1] + 1)
            if _workday(world.today - timedelta(days=n)) and world.today - timedelta(days=n) >= earliest
        ]
        recent = [day for day in recent if day not in used] or [max(earliest, world.today - timedelta(days=2))]
        dates[PENDING_THEME] = rng.choice(recent)
        used.add(dates[PENDING_THEME])
    months = _months(world.start, world.today)
    per_month = Counter(day.replace(day=1) for day in used)
    rest = [title for title in themes if title not in dates]
    rng.shuffle(rest)
    latest = world.today - timedelta(days=PENDING_DAYS[1] + 1)
    for title in rest:
        for month in sorted(months, key=lambda m: (per_month[m], rng.random())):
            last = min(_next_month(month) - timedelta(days=1), latest)
            days = [
                month + timedelta(days=n)
                for n in range((last - month).days + 1)
                if month + timedelta(days=n) >= earliest
            ]
            days = [d for d in days if _workday(d) and d not in used]
            if days:
                dates[title] = rng.choice(days)
                used.add(dates[title])
                per_month[month] += 1
                break
        else:
            dates[title] = max(earliest, latest)
    return dates


def _plan_solicitation(seed: int, world: World, *, budget: int) -> list[MeetingPlan]:
    """The 17 solicitation meetings, inviting `budget` enterprises in all."""
    rng = _rng(seed, "meetings")
    anchors: dict[date, list[Appeal]] = defaultdict(list)
    for appeal in world.appeals:
        day = timezone.localdate(appeal.raised_at)
        if appeal.source == Source.MEETING and world.start <= day < world.today:
            anchors[day].append(appeal)
    dates = _solicitation_dates(rng, world, anchors)
    meetings = {
        theme.title: MeetingPlan(
            kind=MeetingKind.SOLICITATION, title=theme.title, day=dates[theme.title], subject=theme.subject, theme=theme
        )
        for theme in THEMES
    }
    by_day = {plan.day: plan for plan in meetings.values()}
    home: dict[int, MeetingPlan] = {}  # enterprise id -> the meeting it is invited to
    anchored: list[tuple[MeetingPlan, Appeal]] = []
    for day, appeals in sorted(anchors.items()):
        if day not in by_day:
            continue
        meeting = by_day[day]
        for appeal in appeals:
            meeting.invited[appeal.enterprise_id] = appeal.enterprise
            home.setdefault(appeal.enterprise_id, meeting)
            meeting.join(world.cadre(appeal.cadre_id))
            anchored.append((meeting, appeal))

    young_since = world.today.year - 6

    def preferred(theme: Theme, enterprise: Enterprise) -> bool:
        if theme.prefer == "foreign":
            return enterprise.ownership in (Ownership.FOREIGN, Ownership.HMT)
        if theme.prefer == "young":
            return enterprise.founded_on is not None and enterprise.founded_on.year >= young_since
        if theme.prefer == "high_tech":
            return enterprise.high_tech
        return False

    # An appeal a cadre raised at a visit or an enterprise sent in soon after its meeting can be the
    # meeting's issue: a meeting held shortly before one is the better seat for the enterprise.
    later: dict[int, list[date]] = defaultdict(list)
    for appeal in world.appeals:
        if appeal.source in (Source.VISIT, Source.ENTERPRISE):
            later[appeal.enterprise_id].append(timezone.localdate(appeal.raised_at))

    def links(meeting: MeetingPlan, enterprise: Enterprise) -> bool:
        window = meeting.day + timedelta(days=LINK_WINDOW_DAYS)
        return meeting.title != PENDING_THEME and any(meeting.day < d <= window for d in later[enterprise.pk])

    def place(enterprise: Enterprise) -> MeetingPlan:
        specific = [m for m in meetings.values() if enterprise.industry_section in m.theme.sections]
        open_specific = [m for m in specific if len(m.invited) < MEETING_CAPACITY]
        if open_specific:
            return min(open_specific, key=lambda m: (not links(m, enterprise), len(m.invited), m.title))
        general = [m for m in meetings.values() if not m.theme.sections]
        open_general = [m for m in general if len(m.invited) < MEETING_CAPACITY] or general
        return min(
            open_general,
            key=lambda m: (not preferred(m.theme, enterprise), not links(m, enterprise), len(m.invited), m.title),
        )

    leaders = [c for c in world.cadres if c.rank in (Rank.DISTRICT, Rank.DIVISION) and c.pk in world.pairings]
    leaders.sort(key=lambda c: (c.rank != Rank.DISTRICT, c.pk))
    order = leaders[: sum(1 for c in leaders if c.rank == Rank.DISTRICT)]
    division = leaders[len(order) :]
    rng.shuffle(division)
    seat: dict[int, MeetingPlan] = {}  # leader id -> the meeting they attend
    for cadre in order + division:
        enterprise = world.pairings[cadre.pk].enterprise
        meeting = home.get(enterprise.pk) or place(enterprise)
        meeting.invited[enterprise.pk] = enterprise
        home[enterprise.pk] = meeting
        meeting.join(cadre)
        seat[cadre.pk] = meeting

    invited = sum(len(m.invited) for m in meetings.values())
    anchor_enterprises = {appeal.enterprise_id for _m, appeal in anchored}
    absent = [c for c in division if world.pairings[c.pk].enterprise_id not in anchor_enterprises]
    for cadre in rng.sample(absent, min(len(absent), max(NOT_MET_MIN, invited - budget))):
        # The enterprise head could not come: the leader took part, the "三个一" is not met yet.
        enterprise_id = world.pairings[cadre.pk].enterprise_id
        del seat[cadre.pk].invited[enterprise_id]
        del home[enterprise_id]
    others = [c for c in world.cadres if c.rank == Rank.SECTION and c.pk in world.pairings]
    rng.shuffle(others)
    for cadre in others:
        if sum(len(m.invited) for m in meetings.values()) >= budget:
            break
        enterprise = world.pairings[cadre.pk].enterprise
        if enterprise.pk in home:
            continue
        meeting = place(enterprise)
        meeting.invited[enterprise.pk] = enterprise
        home[enterprise.pk] = meeting
        meeting.join(cadre)

    _seat_chairs(rng, world, meetings)
    _plan_issues(rng, world, meetings, anchored)
    _plan_countermeasures(rng, world, meetings)
    for index, meeting in enumerate(sorted(meetings.values(), key=lambda m: m.day)):
        meeting.place = PLACES[index % len(PLACES)]
        ranks = Counter(c.rank for c in meeting.participants.values())
        meeting.notes = (
            f"会议由{meeting.chair.position}{meeting.chair.name}主持，{ranks[Rank.DISTRICT]}名区级领导干部、"
            f"{ranks[Rank.DIVISION]}名处级领导干部和{len(meeting.invited)}名企业家代表参加。"
            f"企业家代表围绕生产经营、融资、用工、审批等方面反映问题{len(meeting.issues)}条，"
            f"会议研究提出对策建议{len(meeting.countermeasures)}条。"
            "会后由区工作专班梳理形成问题清单，按“个人—单位—专班”流程交办，能现场答复的当场答复。"
        )
    return sorted(meetings.values(), key=lambda m: m.day)


def _seat_chairs(rng: random.Random, world: World, meetings: dict[str, MeetingPlan]) -> None:
    """A district-level leader chairs each meeting: one taking part if any, else the deputy heads in turn;
    the task force's liaison officer attends every one, the heads of its office by turns."""
    chaired: Counter = Counter()
    deputies = world.by_position("副区长") + world.by_position("区委常委、常务副区长")
    staff = world.by_unit(("区工作专班",))
    for meeting in sorted(meetings.values(), key=lambda m: m.day):
        present = [c for c in meeting.participants.values() if c.rank == Rank.DISTRICT]
        pool = present or deputies or [c for c in world.cadres if c.rank == Rank.DISTRICT]
        chair = min(pool, key=lambda c: (chaired[c.pk], rng.random()))
        chaired[chair.pk] += 1
        meeting.chair = chair
        meeting.join(chair)
        meeting.join(*[c for c in staff if c.rank == Rank.SECTION or rng.random() < 0.5])


def _plan_issues(
    rng: random.Random, world: World, meetings: dict[str, MeetingPlan], anchored: list[tuple[MeetingPlan, Appeal]]
) -> None:
    """201 issues over the meetings, by the number of enterprises at each; the appeals they became first."""
    linked: set[int] = set()

    def issue_of(appeal: Appeal) -> IssuePlan:
        text = appeal.description
        for opening in OPENINGS.values():
            text = text.removeprefix(opening)
        return IssuePlan(
            enterprise=appeal.enterprise,
            category=appeal.category.code,
            title=appeal.title,
            description=OPENINGS[Source.MEETING] + text,
            appeal=appeal,
        )

    for meeting, appeal in anchored:
        meeting.issues.append(issue_of(appeal))
        linked.add(appeal.pk)
    by_enterprise: dict[int, list[Appeal]] = defaultdict(list)
    for appeal in world.appeals:
        if appeal.source in (Source.VISIT, Source.ENTERPRISE):
            by_enterprise[appeal.enterprise_id].append(appeal)
    ordered = sorted(meetings.values(), key=lambda m: m.day)
    for meeting in ordered:
        if meeting.title == PENDING_THEME:
            continue  # its issues wait for the task force to turn them into appeals
        for enterprise_id in meeting.invited:
            later = [
                a
                for a in by_enterprise.get(enterprise_id, [])
                if a.pk not in linked
                and meeting.day < timezone.localdate(a.raised_at) <= meeting.day + timedelta(days=LINK_WINDOW_DAYS)
            ]
            if later:
                meeting.issues.append(issue_of(later[0]))
                linked.add(later[0].pk)

    quotas = _shares(ISSUES, [len(m.invited) for m in ordered])
    for index, meeting in enumerate(ordered):
        if len(meeting.issues) > quotas[index]:  # take the excess from the meetings with most room
            extra = len(meeting.issues) - quotas[index]
            quotas[index] = len(meeting.issues)
            for _n in range(extra):
                rooms = [i for i in range(len(ordered)) if quotas[i] > len(ordered[i].issues)]
                if not rooms:
                    break
                quotas[max(rooms, key=lambda i: (quotas[i] - len(ordered[i].issues), -i))] -= 1
    for meeting, quota in zip(ordered, quotas, strict=True):
        enterprises = list(meeting.invited.values())
        taken = {(issue.enterprise.pk, issue.title) for issue in meeting.issues}
        while len(meeting.issues) < quota:
            enterprise = rng.choice(enterprises)
            n, m = rng.randrange(200, 3000, 100), rng.randint(8, 60)
            section = enterprise.industry_section
            fitting = [t for t in TOPICS if not t.sections or section in t.sections]
            if rng.random() < 0.5 and fitting:
                topic = rng.choice(fitting)
                category, title = topic.category, rng.choice(topic.titles).format(n=n, m=m)
                text = topic.text.format(n=n, m=m)
            else:
                category, title, text, *_trades = rng.choice(
                    [i for i in MEETING_ISSUES if len(i) < 4 or section in i[3]]
                )
            if (enterprise.pk, title) in taken or category not in world.categories:
                continue
            taken.add((enterprise.pk, title))
            meeting.issues.append(IssuePlan(enterprise, category, title, OPENINGS[Source.MEETING] + text))


def _plan_countermeasures(rng: random.Random, world: World, meetings: dict[str, MeetingPlan]) -> None:
    """116 countermeasures, by the issues of each meeting; adopted and implemented in the weeks after."""
    ordered = sorted(meetings.values(), key=lambda m: m.day)
    quotas = _shares(COUNTERMEASURES, [len(m.issues) for m in ordered])
    published = [p for p in world.policies if p.status == PolicyStatus.PUBLISHED]
    drafts = [p for p in world.policies if p.status == PolicyStatus.DRAFT]

    def measures(action: Action) -> list[Policy]:
        pool = drafts if action.draft else published
        return [p for p in pool if any(word in p.title for word in action.policies)]

    for meeting, quota in zip(ordered, quotas, strict=True):
        raised = Counter(issue.category for issue in meeting.issues)
        used: set[str] = set()
        categories = sorted(raised, key=lambda c: (-raised[c], c))
        spare = sorted(set(ACTIONS) - set(raised))  # when what was raised has no suitable measure left
        while len(meeting.countermeasures) < quota:
            if not categories:
                if not spare:
                    break
                categories, spare = spare, []
            weights = [raised.get(c, 0) or 1 for c in categories]
            category = rng.choices(categories, weights=weights)[0]
            trades = set(meeting.theme.sections)
            free = [
                a
                for a in ACTIONS[category]
                if a.text not in used and (not trades or not a.fits or trades & set(a.fits))
            ]
            if not free:
                categories.remove(category)  # nothing left that suits this meeting
                continue
            action = rng.choice(free)
            used.add(action.text)
            plan = CountermeasurePlan(text=f"针对{meeting.subject}反映的{PROBLEMS[category]}问题，{action.text}")
            adopted = meeting.day + timedelta(days=rng.randint(5, 20))
            implemented = adopted + timedelta(days=rng.randint(15, 60))
            roll = rng.random()
            links = measures(action)
            if roll >= 0.12 and adopted < world.today:
                plan.steps.append((adopted, CountermeasureStatus.ADOPTED, links if action.draft and links else None))
                if roll >= 0.45 and implemented < world.today and not action.draft:
                    plan.steps.append((implemented, CountermeasureStatus.IMPLEMENTED, links or None))
            meeting.countermeasures.append(plan)


def _plan_routine(seed: int, world: World) -> list[MeetingPlan]:
    """The task force's monthly progress and scheduling meetings, three topic meetings, and four
    "政企直通车" events with the enterprises they went to."""
    rng = _rng(seed, "routine meetings")
    months = _months(world.start, world.today)
    heads = [
        c
        for c in world.cadres
        if c.rank == Rank.DIVISION
        and c.unit.kind in (UnitKind.DEPARTMENT, UnitKind.STREET)
        and not c.position.startswith("副")
    ]
    staff = [c for c in world.cadres if c.unit.kind in (UnitKind.TASKFORCE, UnitKind.WORKING_GROUP)]
    mayor = (world.by_position("区委副书记、区长") or [c for c in world.cadres if c.rank == Rank.DISTRICT])[0]
    executive = (world.by_position("区委常委、常务副区长") or [mayor])[0]
    deputies = world.by_position("副区长") or [executive]
    plans: list[MeetingPlan] = []
    for index, month in enumerate(months):
        day = _workday_on_or_after(month.replace(day=8) if index else world.start + timedelta(days=7))
        if day >= world.today:
            break
        meeting = MeetingPlan(
            kind=MeetingKind.PROGRESS,
            title=f"“领导干部进项目进企业”专项行动{month.month}月推进会",
            day=day,
            place="区政府三楼第一会议室",
            chair=mayor,
        )
        meeting.join(mayor, executive, *staff, *rng.sample(heads, min(12, len(heads))))
        if index == 0:
            meeting.notes = (
                "部署“领导干部进项目进企业 助力实现过万亿”专项行动，明确“三个一”行动要求，"
                "建立“1+3+8”工作机制和“个人—单位—专班”诉求流转机制，实行“周调度、月通报、年考评”。"
            )
        else:
            before = previous_month(month)
            contact = overall_compliance(before)
            first = timezone.make_aware(datetime.combine(before, time.min))
            until = timezone.make_aware(datetime.combine(month, time.min))
            raised = sum(1 for a in world.appeals if first <= a.raised_at < until)
            rate = f"{contact.rate:.1%}" if contact.rate is not None else "—"
            meeting.notes = (
                f"通报{before.month}月联系服务情况：应联系企业{contact.due}家，已联系{contact.contacted}家，联系率{rate}；"
                f"当月新提出企业诉求{raised}件。对联系服务不到位的选派干部点对点督促提醒，部署下阶段重点工作。"
            )
        plans.append(meeting)
    for month in months[1:]:
        day = _workday_on_or_after(month.replace(day=20))
        if day >= world.today:
            break
        meeting = MeetingPlan(
            kind=MeetingKind.SCHEDULING,
            title=f"重点企业诉求办理调度会（{month.month}月）",
            day=day,
            place="区工作专班会议室",
            chair=executive,
            notes="调度企业诉求办理进度，对临近期限和超期诉求逐件明确责任单位和办结时限，对办理不力的单位督促提醒。",
        )
        meeting.join(executive, *staff, *[c for c in world.cadres if c.unit.kind == UnitKind.SERVICE_GROUP])
        plans.append(meeting)
    middle = months[1:-1] or months
    for index, (title, position, units) in enumerate(TOPIC_MEETINGS):
        month = middle[index % len(middle)]
        days = [month + timedelta(days=n) for n in range(10, 19)]
        days = [d for d in days if _workday(d) and d < world.today]
        if not days:
            continue
        chairs = world.by_position(position) or deputies
        chair = chairs[index % len(chairs)]
        meeting = MeetingPlan(
            kind=MeetingKind.TOPIC,
            title=title,
            day=rng.choice(days),
            place="区政府三楼第二会议室",
            chair=chair,
            notes=TOPIC_NOTES[title],
        )
        meeting.join(chair, *[c for c in staff if c.unit.kind == UnitKind.TASKFORCE])
        meeting.join(
            *[c for c in world.by_unit(units) if c.rank == Rank.DIVISION or c.unit.kind == UnitKind.SERVICE_GROUP]
        )
        plans.append(meeting)
    paired = sorted(world.pairings.values(), key=lambda a: a.enterprise.credit_code)
    for index, (title, sections, street, units) in enumerate(FIELD_EVENTS):
        month = months[1 + index] if len(months) > 1 + index else months[-1]
        days = [month + timedelta(days=n) for n in range(3, 26)]
        days = [d for d in days if _workday(d) and d < world.today]
        fitting = [
            a
            for a in paired
            if (not sections or a.enterprise.industry_section in sections)
            and (not street or a.enterprise.street is not None and a.enterprise.street.name == street)
        ]
        if not days or len(fitting) < FIELD_EVENT_ENTERPRISES:
            continue
        chosen = rng.sample(fitting, FIELD_EVENT_ENTERPRISES)
        chair = deputies[index % len(deputies)]
        meeting = MeetingPlan(
            kind=MeetingKind.FIELD_EVENT,
            title=title,
            day=rng.choice(days),
            place=chosen[0].enterprise.address or chosen[0].enterprise.name,
            chair=chair,
        )
        meeting.join(chair, *[c for c in staff if c.unit.kind == UnitKind.TASKFORCE and c.rank == Rank.DIVISION])
        meeting.join(*world.by_unit(units, Rank.DIVISION)[:4])
        for pairing in chosen:
            meeting.invited[pairing.enterprise_id] = pairing.enterprise
            meeting.join(world.cadre(pairing.cadre_id))
        names = "、".join(p.enterprise.name for p in chosen)
        meeting.notes = (
            f"{chair.position}{chair.name}带领职能部门和属地街道负责同志深入{names}，"
            "面对面听取企业意见，问计于企、问需于企，现场协调解决企业反映的问题。"
        )
        plans.append(meeting)
    return sorted(plans, key=lambda m: (m.day, m.kind, m.title))


# --- Writing -------------------------------------------------------------------------------------


def _aware(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@contextmanager
def _acting(user: User | None, at: datetime) -> Iterator[None]:
    """Run with the clock at `at` (never later than now) and, for the change history, `user` as the
    one who made the change, as simple_history's middleware would set them for a request."""
    at = min(at, timezone.now())
    context = HistoricalRecords.context
    missing = object()
    previous = getattr(context, "request", missing)
    context.request = SimpleNamespace(user=user) if user is not None else None
    try:
        with mock.patch("django.utils.timezone.now", return_value=at):
            yield
    finally:
        if previous is missing:
            del context.request
        else:
            context.request = previous


def demo_meetings_exist() -> bool:
    return Meeting.objects.filter(kind=MeetingKind.SOLICITATION, title__in=THEME_TITLES).exists()


def _write_meetings(plans: list[MeetingPlan], world: World, reporter: Reporter, seed: int) -> Counter:
    rng = _rng(seed, "representatives")
    made: Counter = Counter()
    acting = world.taskforce
    steps: list[tuple[date, int, Countermeasure, str, list[Policy] | None]] = []
    reporter.progress("meetings", 0, len(plans))
    for done, plan in enumerate(plans, 1):
        with _acting(acting, _aware(plan.day, 17, 30)):
            meeting = meeting_services.meeting_save(
                acting_user=acting,
                title=plan.title,
                kind=plan.kind,
                date=plan.day,
                place=plan.place,
                chair=plan.chair,
                participants=sorted(plan.participants.values(), key=lambda c: (c.rank, c.unit.name, c.pk)),
                notes=plan.notes,
            )
            for enterprise in plan.invited.values():
                representative, position = _representative(rng, enterprise)
                meeting_services.meeting_invite(
                    meeting=meeting,
                    enterprise=enterprise,
                    acting_user=acting,
                    representative=representative,
                    position=position,
                )
            for issue in plan.issues:
                written = meeting_services.meeting_issue_add(
                    meeting=meeting,
                    enterprise=issue.enterprise,
                    category=world.categories[issue.category],
                    title=issue.title,
                    description=issue.description,
                    acting_user=acting,
                )
                if issue.appeal is not None:
                    # The issue is the appeal raised from it (meetings.services.issues_to_appeals links them so).
                    written.appeal = issue.appeal
                    written.save(update_fields=["appeal"])
                    made["issues linked to appeals"] += 1
            for order, countermeasure in enumerate(plan.countermeasures):
                written = meeting_services.countermeasure_add(
                    meeting=meeting, text=countermeasure.text, acting_user=acting
                )
                for day, status, policies in countermeasure.steps:
                    steps.append((day, order, written, status, policies))
        made["meetings"] += 1
        made[f"meetings: {plan.kind}"] += 1
        made["invited enterprises"] += len(plan.invited)
        made["meeting issues"] += len(plan.issues)
        made["countermeasures"] += len(plan.countermeasures)
        reporter.progress("meetings", done, len(plans))
    for day, _order, countermeasure, status, policies in sorted(steps, key=lambda s: (s[0], s[2].pk)):
        with _acting(acting, _aware(day, 10)):
            meeting_services.countermeasure_set_status(
                countermeasure_id=countermeasure.pk, status=status, acting_user=acting, policies=policies
            )
    return made


def _build_meetings(seed: int, today: date, reporter: Reporter) -> Counter:
    reporter.stage("Meetings: solicitation meetings, progress, scheduling and topic meetings, field events")
    if demo_meetings_exist():
        reporter.stage("  The demo's meetings exist already")
        return Counter()
    world = _load_world(today)
    if world is None:
        reporter.stage("  Meetings skipped: the demo's taskforce login or visits are missing")
        return Counter()
    routine = _plan_routine(seed, world)
    # The entrepreneurs' total is the article's, the field events' enterprises included.
    budget = ENTREPRENEURS - sum(len(m.invited) for m in routine)
    plans = _plan_solicitation(seed, world, budget=budget) + routine
    plans.sort(key=lambda m: (m.day, m.kind, m.title))
    with transaction.atomic():
        made = _write_meetings(plans, world, reporter, seed)
    statuses = Counter(Countermeasure.objects.filter(meeting__title__in=THEME_TITLES).values_list("status", flat=True))
    reporter.stage(
        f"  {made['meetings']} meetings created: {made['meetings: solicitation']} solicitation meetings "
        f"({made['invited enterprises']} entrepreneurs invited in all, {made['meeting issues']} issues, "
        f"{made['issues linked to appeals']} of them appeals, {made['countermeasures']} countermeasures: "
        f"{statuses[CountermeasureStatus.PROPOSED]} proposed, {statuses[CountermeasureStatus.ADOPTED]} adopted, "
        f"{statuses[CountermeasureStatus.IMPLEMENTED]} implemented), {made['meetings: progress']} progress, "
        f"{made['meetings: scheduling']} scheduling, {made['meetings: topic']} topic meetings, "
        f"{made['meetings: field_event']} 政企直通车 events"
    )
    return Counter(
        {
            "meetings": made["meetings"],
            "invited enterprises": made["invited enterprises"],
            "meeting issues": made["meeting issues"],
            "countermeasures": made["countermeasures"],
        }
    )


def _first_month() -> date | None:
    plan = build_plan(DEFAULT_SEED)
    first = Visit.objects.filter(cadre__user__username__in=plan.usernames).aggregate(first=Min("date"))["first"]
    return first.replace(day=1) if first else None


DEMO_RUN_NOTE = "演示数据生成时运行"


def _publication_time(month: date) -> datetime:
    """When the monthly job publishes `month`'s bulletin: 06:00 on the 1st of the next month."""
    return _aware(_next_month(month), 6)


def _publish_bulletin(month: date) -> tuple[dict, bool]:
    """The monthly job's own function for `month`, recorded as a run of the job (jobs page)."""
    result = monthly_bulletin_run(month=month)
    job_run_record(job_key="monthly_bulletin", period=month, result=result, note=DEMO_RUN_NOTE)
    return result, result["created"]


def bulletin_checkpoints(
    today: date, reporter: Reporter, made: Counter
) -> list[tuple[datetime, Callable[[], None]]]:
    """For the appeals build (demo.appeals._write): the bulletin of every month that is over and has demo
    visits, published at the time the monthly job would have, with the appeals as they stood then — so a
    past bulletin counts only the resolutions, escalations and overdue appeals known at its publication."""
    month, last = _first_month(), previous_month(today)
    checkpoints = []
    while month is not None and month <= last:
        def publish(month=month) -> None:
            at = _publication_time(month)
            with _acting(None, at):
                result, created = _publish_bulletin(month)
            if created:
                made["bulletins"] += 1
                reporter.stage(f"  Bulletin of {result['month']} published as of {at:%Y-%m-%d %H:%M}, counting "
                               f"what was known then")
        checkpoints.append((_publication_time(month), publish))
        month = _next_month(month)
    return checkpoints


def _build_bulletins(today: date, reporter: Reporter) -> Counter:
    """The bulletin of every month that is over and has demo visits. The appeals build publishes them in
    order (bulletin_checkpoints); a month that has ended since the appeals were written is published
    now, as a late run of the job would, counting what is known now. Each is recorded as a run of the job."""
    reporter.stage("Monthly bulletins")
    month, last = _first_month(), previous_month(today)
    published, present = [], []
    while month is not None and month <= last:
        existing = Bulletin.objects.filter(month=month).order_by("version").first()
        if existing is not None:
            # Already out: record the job's run as of its publication, if the jobs page lacks it.
            with _acting(None, existing.published_at or _publication_time(month)):
                result, _created = _publish_bulletin(month)
            present.append(result["month"])
        else:
            result, _created = _publish_bulletin(month)
            published.append(result["month"])
        month = _next_month(month)
    if published:
        reporter.stage(f"  {len(published)} bulletins published now: {', '.join(published)}")
    if present:
        reporter.stage(f"  Every month over has its bulletin: {', '.join(present)}")
    if not published and not present:
        reporter.stage("  No month with demo visits is over yet")
    return Counter({"bulletins": len(published)}) if published else Counter()


def _build_dispatch(today: date, reporter: Reporter) -> Counter:
    """This week's dispatch sheets, reminders and interview list, as the Monday-morning job made them."""
    week = week_monday(today)
    reporter.stage(f"Weekly dispatch of the week of {week:%Y-%m-%d}")
    with _acting(None, _aware(week, 8)):
        result = weekly_dispatch_run(
            week_start=week, progress=lambda done, total, _note="": reporter.progress("units", done, total)
        )
        job_run_record(job_key="weekly_dispatch", period=week, result=result, note=DEMO_RUN_NOTE)
    if not result["created"]:
        reporter.stage(f"  The sheets of the {result['units']} units are there already")
        return Counter()
    reporter.stage(
        f"  {result['created']} unit sheets created, {result['reminders']} reminders sent, "
        f"{result['interviews']} cadres listed for an interview"
    )
    return Counter({"dispatch sheets": result["created"], "reminders": result["reminders"]})


def _build_evaluations(today: date, reporter: Reporter) -> Counter:
    """The current year's evaluation so far (the months over), and last year's when the campaign began then;
    in January the current year has no month over yet and is left to be evaluated later."""
    reporter.stage("Annual evaluation")
    first = _first_month()
    years = sorted({today.year} | ({first.year} if first is not None else set()))
    made = Counter()
    for year in years:
        if not evaluation_period(year)[2]:
            reporter.stage(f"  {year}: no month of it is over yet")
            continue
        result = annual_evaluation_run(year=year)
        job_run_record(job_key="annual_evaluation", period=date(year, 1, 1), result=result, note=DEMO_RUN_NOTE)
        if result["created"]:
            made["evaluations"] += 1
            reporter.stage(f"  {year}: {result['cadres']} cadres and {result['units']} units scored")
        else:
            reporter.stage(f"  {year}: evaluated already (version {result['version']})")
    return made


def demo_oversight_build(*, seed: int, reporter: Reporter | None = None) -> Counter:
    """Add the meetings, bulletins, this week's dispatch, the evaluation and the analysis reports the demo
    lacks; returns what was created (empty when everything was there)."""
    reporter = reporter or Reporter()
    today = local_today()
    made: Counter = Counter()
    stages = (
        ("Meetings", lambda: _build_meetings(seed, today, reporter)),
        ("Bulletins", lambda: _build_bulletins(today, reporter)),
        ("Dispatch", lambda: _build_dispatch(today, reporter)),
        ("Evaluation", lambda: _build_evaluations(today, reporter)),
        ("Analysis reports", lambda: demo_reports_build(today=today, reporter=reporter)),
    )
    with translation.override(settings.LANGUAGE_CODE):  # notification titles as a zh-hans user reads them
        for name, stage in stages:
            reporter.stage(f"  {name}")
            with transaction.atomic():
                made += stage()
    return made


# --- Deleting ------------------------------------------------------------------------------------


def demo_oversight_delete(*, reporter: Reporter | None = None) -> Counter:
    """Delete what the oversight stages made of the demo district: the meetings with the demo's cadres,
    enterprises or appeals (or a demo meeting's title), with their history; the interview cases of
    the demo's cadres; the dispatch sheets of its units; the evaluations and bulletins that score its
    cadres. They hold on to cadres, enterprises, units and appeals: they go before those."""
    reporter = reporter or Reporter()
    plan = build_plan(DEFAULT_SEED)
    deleted: Counter = Counter()
    cadre_ids = list(Cadre.objects.filter(user__username__in=plan.usernames).values_list("pk", flat=True))
    codes = [e.credit_code for e in plan.enterprises]
    enterprise_ids = list(Enterprise.objects.filter(credit_code__in=codes).values_list("pk", flat=True))
    unit_ids = list(Unit.objects.filter(name__in=[u.name for u in plan.units]).values_list("pk", flat=True))
    appeal_ids = demo_appeals_of(enterprise_ids=enterprise_ids, cadre_ids=cadre_ids).values("pk")
    with transaction.atomic():
        meeting_ids = sorted(
            set(
                Meeting.objects.filter(
                    Q(chair__in=cadre_ids)
                    | Q(participants__in=cadre_ids)
                    | Q(invitations__enterprise__in=enterprise_ids)
                    | Q(issues__enterprise__in=enterprise_ids)
                    | Q(issues__appeal__in=appeal_ids)
                    | Q(kind=MeetingKind.SOLICITATION, title__in=THEME_TITLES)
                ).values_list("pk", flat=True)
            )
        )
        reporter.stage(f"Deleting {len(meeting_ids)} meetings")
        children = {
            model: list(model.objects.filter(meeting__in=meeting_ids).values_list("pk", flat=True))
            for model in (MeetingEnterprise, MeetingIssue, Countermeasure)
        }
        Meeting.objects.filter(pk__in=meeting_ids).delete()  # invitations, issues, countermeasures go too
        # Deleting writes a last history record of each row: the history goes after the rows, the
        # many-to-many history (pointing at it without a constraint) with it.
        apps.get_model("meetings", "HistoricalMeeting_participants").objects.filter(meeting_id__in=meeting_ids).delete()
        apps.get_model("meetings", "HistoricalCountermeasure_policies").objects.filter(
            countermeasure_id__in=children[Countermeasure]
        ).delete()
        for model, ids in children.items():
            model.history.filter(id__in=ids).delete()
        Meeting.history.filter(id__in=meeting_ids).delete()
        deleted["meetings"] = len(meeting_ids)
        deleted["interview cases"] = InterviewCase.objects.filter(cadre__in=cadre_ids).delete()[0]
        deleted["dispatch sheets"] = Dispatch.objects.filter(unit__in=unit_ids).delete()[0]
        evaluations = Evaluation.objects.filter(Q(scores__cadre__in=cadre_ids) | Q(scores__unit__in=unit_ids))
        evaluation_ids = set(evaluations.values_list("pk", flat=True))
        Evaluation.objects.filter(pk__in=evaluation_ids).delete()
        deleted["evaluations"] = len(evaluation_ids)
        bulletin_ids = set(
            BulletinCadreRow.objects.filter(cadre_id__in=cadre_ids).values_list("bulletin_id", flat=True)
        )
        Bulletin.objects.filter(pk__in=bulletin_ids).delete()
        deleted["bulletins"] = len(bulletin_ids)
        deleted["analysis reports"] = demo_reports_delete()
        # The runs the demo recorded for them (the jobs page would link to what is gone).
        deleted["job runs"] = JobRun.objects.filter(note=DEMO_RUN_NOTE).delete()[0]
        reporter.stage(
            f"Deleting {deleted['bulletins']} bulletins, {deleted['dispatch sheets']} dispatch sheets, "
            f"{deleted['interview cases']} interview cases, {deleted['evaluations']} evaluations"
        )
    return deleted
