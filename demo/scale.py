"""A city (~5,000 pairings) or a whole province (~50,000) for benchmarks and load tests.

Each district is the demo district of `demo.district` built for a seed of its own: the 1+3+8 task
force, departments and street offices, cadres of every rank paired one-to-one with above-scale
enterprises (with transfers and swaps in their history), a year of visits with lagging cadres, and
appeals in every state whose timelines are played as `appeals.services` plays them. What changes
per district: its units' names carry the city and district ("大连市西岗区区科技和工业信息化局"), its
logins a prefix ("p0421c0001"), its enterprises' credit codes the district's division code. The
district task forces report to their city's. Nothing here pretends: the same builders write the
same rows as for the district, through bulk inserts, with their history.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from demo import appeals as demo_appeals
from demo import district as demo
from demo import policies as demo_policies
from enterprises.validators import credit_code_check_char
from liaison.models import Unit, UnitKind, User

# (cities, districts per city): city ≈ 12 × 424 ≈ 5,000 pairings; province ≈ 14 × 8 × 424 ≈ 47,500.
SCALES = {"city": (1, 12), "province": (14, 8)}
# A year of visits: this month and the eleven before.
MONTHS = 11
# Each district's appeals are planned this many times (about 200 each), for ~2 appeals a pairing a year.
APPEAL_ROUNDS = 4

CITIES = (
    ("大连市", "2102"), ("沈阳市", "2101"), ("鞍山市", "2103"), ("抚顺市", "2104"), ("本溪市", "2105"),
    ("丹东市", "2106"), ("锦州市", "2107"), ("营口市", "2108"), ("阜新市", "2109"), ("辽阳市", "2110"),
    ("铁岭市", "2112"), ("朝阳市", "2113"), ("盘锦市", "2111"), ("葫芦岛市", "2114"),
)  # fmt: skip
DISTRICTS = (
    "中山区", "西岗区", "沙河口区", "甘井子区", "旅顺口区", "金州区", "普兰店区", "高新区", "开发区", "长兴岛区",
    "瓦房店市", "庄河市",
)  # fmt: skip


@dataclass(frozen=True)
class District:
    index: int
    city: str
    name: str
    division: str  # the 6-digit administrative division code in its enterprises' credit codes

    @property
    def unit_prefix(self) -> str:
        return f"{self.city}{self.name}"

    @property
    def username_prefix(self) -> str:
        return f"p{self.index:04d}"


def districts(scale: str) -> list[District]:
    cities, per_city = SCALES[scale]
    found = []
    for c in range(cities):
        city, code = CITIES[c]
        for d in range(per_city):
            found.append(District(len(found) + 1, city, DISTRICTS[d], f"{code}{d + 2:02d}"))
    return found


def _localise(plan: demo.DistrictPlan, district: District) -> demo.DistrictPlan:
    """The district plan with the district's unit names, logins and credit codes, and a year of pairings."""
    prefix = district.unit_prefix

    def unit(name: str | None) -> str | None:
        return prefix + name if name else name

    def code(credit_code: str) -> str:
        first17 = credit_code[:2] + district.division + credit_code[8:17]
        return first17 + credit_code_check_char(first17)

    def start(moment):
        # The campaign started a year ago here: first pairings move back to the year's first month.
        months_ago, day = moment
        return (MONTHS, day) if months_ago == demo.CAMPAIGN_MONTHS_AGO else moment

    units = [dataclasses.replace(u, name=unit(u.name), parent=unit(u.parent)) for u in plan.units]
    cadres = []
    for c in plan.cadres:
        username = "c0000" if c.username == "cadre" else c.username
        cadres.append(dataclasses.replace(c, unit=unit(c.unit), username=district.username_prefix + username))
    enterprises = [
        dataclasses.replace(e, credit_code=code(e.credit_code), street=unit(e.street)) for e in plan.enterprises
    ]
    pairings = [
        dataclasses.replace(
            p,
            credit_code=code(p.credit_code),
            start=start(p.start),
            end=start(p.end) if p.end else None,
        )
        for p in plan.pairings
    ]
    return demo.DistrictPlan(units, cadres, enterprises, pairings, plan.demo_cadre)


def _city_taskforces(cities: list[str], actor: User) -> dict[str, Unit]:
    units = {u.name: u for u in Unit.objects.filter(name__in=[f"{city}营商环境工作专班" for city in cities])}
    for city in cities:
        name = f"{city}营商环境工作专班"
        if name not in units:
            function = f"统筹{city}各区县“领导干部进项目进企业”专项行动。"
            unit = Unit(name=name, kind=UnitKind.TASKFORCE, function=function)
            unit._history_user = actor
            unit.save()
            units[name] = unit
    return {city: units[f"{city}营商环境工作专班"] for city in cities}


def _build_district(district, *, seed, today, password_hash, staff, city_unit, result, reporter) -> None:
    plan = _localise(demo.build_plan(seed + district.index), district)
    actor = staff["admin"]
    if demo._plan_is_stored(plan):
        reporter.stage(f"  {district.unit_prefix}: already built")
        return
    with transaction.atomic():
        users = demo._ensure_cadre_users(plan, password_hash, result, demo.Reporter())
        units = demo._ensure_units(plan, actor, result, demo.Reporter())
        Unit.objects.filter(pk=units[district.unit_prefix + demo.TASKFORCE].pk).update(parent=city_unit)
        cadres = demo._ensure_cadres(plan, users, units, actor, result, demo.Reporter())
        enterprises = demo._ensure_enterprises(plan, units, actor, result, demo.Reporter())
        pairs = demo._ensure_pairings(plan, cadres, enterprises, actor, today, result, demo.Reporter())
        visits = demo._plan_visits(seed + district.index, pairs, today, months=MONTHS)
        demo._bulk(demo.Visit, visits, label="visits", reporter=demo.Reporter(), actor=None)
        result.created["visits"] += len(visits)
        handlers = demo._ensure_handler_users(
            password_hash,
            result,
            demo.Reporter(),
            username_prefix=district.username_prefix,
            unit_prefix=district.unit_prefix,
        )
        codes = [e.credit_code for e in plan.enterprises]
        for round_ in range(APPEAL_ROUNDS):
            built = demo_appeals.demo_appeals_build(
                seed=(seed + district.index) * 10 + round_,
                today=today,
                credit_codes=codes,
                handlers=handlers,
                reporter=demo.Reporter(),
                unit_prefix=district.unit_prefix,
                summary=False,
            )
            result.created["appeals"] += built.appeals
            result.created["appeal events"] += built.events


def build_scale(
    *, scale: str, seed: int = demo.DEFAULT_SEED, today: date, password: str = demo.DEFAULT_PASSWORD,
    reporter: demo.Reporter | None = None,
) -> demo.BuildResult:
    """Build (or finish building) a city or a province; each district is written in one transaction,
    so an interrupted build is finished by running it again."""
    reporter = reporter or demo.Reporter()
    result = demo.BuildResult(existed=False)
    password_hash = make_password(password)
    with transaction.atomic():
        staff = demo._ensure_staff_users(password_hash, result, demo.Reporter())
    plan = districts(scale)
    city_units = _city_taskforces(sorted({d.city for d in plan}), staff["admin"])
    started = time.monotonic()
    reporter.stage(f"Building a {scale}: {len(plan)} districts of about {demo.PAIRED} pairings")
    for done, district in enumerate(plan, 1):
        _build_district(
            district, seed=seed, today=today, password_hash=password_hash, staff=staff,
            city_unit=city_units[district.city], result=result, reporter=reporter,
        )
        reporter.progress("districts", done, len(plan))
        if reporter is not None:
            elapsed = time.monotonic() - started
            reporter.stage(
                f"  {done}/{len(plan)} {district.unit_prefix}: {elapsed:.0f} s so far, "
                f"{result.created['pairings']} pairings, {result.created['visits']} visits, "
                f"{result.created['appeals']} appeals"
            )
    # The handbook's 55 measures, whose eligibility rules are evaluated against every enterprise; the
    # deliveries and scans go with the first district (rules bound to the demo's streets are left out).
    first = _localise(demo.build_plan(seed + plan[0].index), plan[0])
    with transaction.atomic():
        made = demo_policies.demo_policies_build(
            seed=seed, today=today, credit_codes=[e.credit_code for e in first.enterprises],
            taskforce=staff["taskforce"], reporter=demo.Reporter(),
        )
    result.created["policies"] += made.policies
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # plans for what was just loaded, not for empty tables
            cursor.execute("ANALYZE")
    return result
