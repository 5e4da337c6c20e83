"""Small builders for test data. Each call makes fresh, valid rows; override any field by keyword."""

from __future__ import annotations

import itertools
from datetime import date

from enterprises.models import Enterprise
from enterprises.validators import make_credit_code
from liaison.models import Assignment, Cadre, Role, Unit, UnitKind, User, Visit

_serial = itertools.count(1)


def n() -> int:
    return next(_serial)


def make_unit(**kwargs) -> Unit:
    i = n()
    kwargs.setdefault("name", f"单位{i}")
    kwargs.setdefault("kind", UnitKind.DEPARTMENT)
    return Unit.objects.create(**kwargs)


def make_street(**kwargs) -> Unit:
    kwargs.setdefault("name", f"街道{n()}")
    kwargs.setdefault("kind", UnitKind.STREET)
    return make_unit(**kwargs)


def make_user(role: str = Role.CADRE, **kwargs) -> User:
    i = n()
    kwargs.setdefault("username", f"user{i}")
    password = kwargs.pop("password", "pass-1234")
    user = User.objects.create_user(role=role, **kwargs)
    user.set_password(password)
    user.save()
    return user


def make_cadre(*, with_user: bool = True, **kwargs) -> Cadre:
    i = n()
    kwargs.setdefault("name", f"干部{i}")
    if "unit" not in kwargs:
        kwargs["unit"] = make_unit()
    if with_user and "user" not in kwargs:
        kwargs["user"] = make_user(username=f"cadre{i}")
    return Cadre.objects.create(**kwargs)


def make_enterprise(**kwargs) -> Enterprise:
    i = n()
    kwargs.setdefault("name", f"测试企业{i}有限公司")
    kwargs.setdefault("credit_code", make_credit_code(i))
    kwargs.setdefault("industry_section", "C")
    kwargs.setdefault("industry_division", "39")
    kwargs.setdefault("above_scale", True)
    return Enterprise.objects.create(**kwargs)


def make_assignment(*, cadre: Cadre | None = None, enterprise: Enterprise | None = None, **kwargs) -> Assignment:
    kwargs.setdefault("started_on", date(2024, 1, 1))
    return Assignment.objects.create(cadre=cadre or make_cadre(), enterprise=enterprise or make_enterprise(), **kwargs)


def make_visit(*, assignment: Assignment | None = None, **kwargs) -> Visit:
    assignment = assignment or make_assignment()
    kwargs.setdefault("date", date(2024, 3, 5))
    kwargs.setdefault("summary", "了解企业生产经营情况")
    kwargs.setdefault("method", "on_site")
    return Visit.objects.create(
        cadre=assignment.cadre, enterprise=assignment.enterprise, assignment=assignment, **kwargs
    )


def make_pairing_with_login(**kwargs) -> Assignment:
    """A cadre with a login, paired with a fresh enterprise."""
    return make_assignment(cadre=make_cadre(**kwargs))


def make_service_group(**kwargs) -> Unit:
    kwargs.setdefault("name", f"服务组{n()}")
    kwargs.setdefault("kind", UnitKind.SERVICE_GROUP)
    return make_unit(**kwargs)


def make_unit_handler(unit: Unit, **kwargs) -> User:
    return make_user(role=Role.UNIT_HANDLER, unit=unit, **kwargs)


def make_appeal(*, pairing: Assignment, category=None, **kwargs):
    """An appeal raised by the pairing's cadre through the service."""
    from appeals import services
    from appeals.models import AppealCategory

    kwargs.setdefault("title", "企业融资难")
    kwargs.setdefault("description", "企业扩大生产需要流动资金贷款，银行授信不足。")
    return services.appeal_raise(
        acting_user=pairing.cadre.user,
        enterprise=pairing.enterprise,
        category=category or AppealCategory.objects.get(code="financing"),
        **kwargs,
    )
