"""Precise matching in the portal: proposals from the database, the hard rules, accepting through the
pairing service, large proposals as block jobs, settings, replacement, pages, queries and the API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from enterprises.models import EnterpriseStatus
from liaison.models import Assignment, Category, Rank, Role
from matching import selectors, services
from matching.models import (
    BlockedPair,
    FactorWeight,
    LeftoverReason,
    LeftoverSide,
    Proposal,
    ProposalStatus,
    Scope,
    UnitFunction,
)
from tests import factories
from tests.api_support import client_for

pytestmark = pytest.mark.django_db


def district(n_cadres: int = 4, n_enterprises: int = 3):
    """Two streets, an industry bureau and a commerce bureau, free cadres and unpaired enterprises."""
    streets = [factories.make_street(name=f"测试街道{factories.n()}") for _ in range(2)]
    industry = factories.make_unit(name=f"区工业和信息化局{factories.n()}")
    commerce = factories.make_unit(name=f"区商务局{factories.n()}")
    units = [industry, commerce, streets[0]]
    cadres = [
        factories.make_cadre(
            unit=units[i % 3],
            rank=[Rank.DIVISION, Rank.SECTION][i % 2],
            category=[Category.INDUSTRY, Category.COMMERCE, Category.ADMINISTRATION][i % 3],
        )
        for i in range(n_cadres)
    ]
    sections = [("C", "39"), ("F", "52"), ("C", "34"), ("F", "51"), ("I", "65")]
    enterprises = [
        factories.make_enterprise(
            industry_section=sections[i % 5][0],
            industry_division=sections[i % 5][1],
            street=streets[i % 2],
            annual_revenue=Decimal(3000 * (i + 1)),
            employees=40 * (i + 1),
        )
        for i in range(n_enterprises)
    ]
    return streets, cadres, enterprises


def propose(user, **kwargs) -> Proposal:
    return services.proposal_create(acting_user=user, **kwargs)


# --- Proposals ---------------------------------------------------------------------------------


def test_a_proposal_pairs_every_enterprise_when_there_are_more_cadres_and_lists_the_rest(taskforce_user):
    # given four free cadres and three unpaired enterprises
    _streets, cadres, enterprises = district(4, 3)
    # when staff propose for all unpaired enterprises
    proposal = propose(taskforce_user)
    # then it is ready at once, pairs all three one-to-one, and lists the cadre left over
    assert proposal.status == ProposalStatus.READY
    pairs = list(proposal.pairs.all())
    assert len(pairs) == 3
    assert len({p.cadre_id for p in pairs}) == 3 and {p.enterprise_id for p in pairs} == {e.pk for e in enterprises}
    left = list(proposal.leftovers.all())
    assert [(x.side, x.reason) for x in left] == [(LeftoverSide.CADRE, LeftoverReason.MORE_CADRES)]
    assert proposal.bound_is_exact and proposal.gap == 0
    assert proposal.total_score == sum(p.score for p in pairs)


def test_a_proposal_with_fewer_cadres_leaves_enterprises_unpaired_and_says_so(taskforce_user):
    district(2, 5)
    proposal = propose(taskforce_user)
    assert proposal.pairs.count() == 2
    reasons = set(proposal.leftovers.filter(side=LeftoverSide.ENTERPRISE).values_list("reason", flat=True))
    assert proposal.leftovers.filter(side=LeftoverSide.ENTERPRISE).count() == 3
    assert reasons == {LeftoverReason.MORE_ENTERPRISES}


def test_the_stored_breakdown_sums_exactly_to_each_score(taskforce_user):
    district(5, 5)
    proposal = propose(taskforce_user)
    for pair in proposal.pairs.all():
        assert set(pair.breakdown) == {"unit_function", "category", "rank", "street", "load"}
        assert sum(Decimal(str(v)) for v in pair.breakdown.values()) == pair.score


def test_hard_rules_exclude_paired_inactive_closed_and_blocked(taskforce_user):
    # given cadres and enterprises that each break one hard rule, and one clean pair
    streets, cadres, enterprises = district(1, 1)
    busy = factories.make_assignment(cadre=factories.make_cadre(), enterprise=factories.make_enterprise())
    gone = factories.make_cadre(active=False)
    closed = factories.make_enterprise(status=EnterpriseStatus.CLOSED)
    other = factories.make_enterprise(street=streets[0])
    BlockedPair.objects.create(cadre=cadres[0], enterprise=other, reason="亲属关系")
    # when staff propose
    proposal = propose(taskforce_user)
    # then only allowed pairs are proposed: the blocked enterprise is left unpaired with its reason
    pairs = set(proposal.pairs.values_list("cadre_id", "enterprise_id"))
    assert pairs == {(cadres[0].pk, enterprises[0].pk)}
    proposed_cadres = {c for c, _e in pairs} | set(proposal.leftovers.values_list("cadre_id", flat=True))
    assert busy.cadre_id not in proposed_cadres and gone.pk not in proposed_cadres
    left = set(proposal.leftovers.filter(side=LeftoverSide.ENTERPRISE).values_list("enterprise_id", flat=True))
    assert left == {other.pk} and closed.pk not in left and busy.enterprise_id not in left


def test_a_street_proposal_takes_only_that_streets_enterprises(taskforce_user):
    streets, _cadres, enterprises = district(4, 4)
    proposal = propose(taskforce_user, scope=Scope.STREET, street=streets[0])
    expected = {e.pk for e in enterprises if e.street_id == streets[0].pk}
    assert set(proposal.pairs.values_list("enterprise_id", flat=True)) == expected


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"scope": Scope.STREET}, "street"),
        ({"scope": Scope.SECTION, "section": "Z"}, "section"),
        ({"scope": "province"}, "scope"),
    ],
)
def test_a_bad_scope_is_refused_and_makes_no_proposal(taskforce_user, kwargs, field):
    district(2, 2)
    with pytest.raises(ValidationError) as error:
        propose(taskforce_user, **kwargs)
    assert field in error.value.message_dict
    assert Proposal.objects.count() == 0


def test_only_the_task_force_may_propose(pairing, leader_user):
    with pytest.raises(PermissionDenied):
        propose(pairing.cadre.user)
    with pytest.raises(PermissionDenied):
        propose(leader_user)


def test_a_large_proposal_runs_in_blocks_and_reports_what_the_split_gave_up(
    taskforce_user, settings, django_capture_on_commit_callbacks
):
    # given a problem above the in-request size, with blocks of at most 4 a side
    settings.MATCHING_SYNC_MAX_SIDE = 5
    settings.MATCHING_BLOCK_MAX_SIDE = 4
    _streets, cadres, enterprises = district(11, 12)
    # when staff propose (the job starts on commit; Celery runs eagerly in the tests, the chord included)
    with django_capture_on_commit_callbacks(execute=True):
        proposal = propose(taskforce_user)
    assert proposal.status == ProposalStatus.COMPUTING
    proposal.refresh_from_db()
    # then every block ran, every enterprise or cadre is paired or listed, and the gap is reported
    assert proposal.status == ProposalStatus.READY, proposal.error
    assert proposal.blocks_total >= 3 and proposal.blocks_done == proposal.blocks_total
    assert proposal.pairs.count() == 11
    assert proposal.leftovers.filter(side=LeftoverSide.ENTERPRISE).count() == 1
    assert not proposal.bound_is_exact and proposal.best_bound >= proposal.total_score
    assert proposal.gap is not None and proposal.gap >= 0
    assert proposal.total_score == sum(p.score for p in proposal.pairs.all())
    # and a block solved again (a retried task) changes nothing
    services.proposal_solve_block(proposal_id=proposal.pk, index=0)
    assert proposal.pairs.count() == 11


# --- Accepting ---------------------------------------------------------------------------------


def test_accepting_all_creates_pairings_through_the_pairing_service(taskforce_user):
    district(3, 3)
    proposal = propose(taskforce_user)
    result = services.proposal_accept(proposal=proposal, acting_user=taskforce_user)
    assert len(result.accepted) == 3 and result.failed == []
    pairings = Assignment.objects.active()
    assert pairings.count() == 3
    for pairing in pairings:
        assert pairing.created_by == taskforce_user
        assert f"#{proposal.pk}" in pairing.reason
        assert pairing.history.first().history_user == taskforce_user
    # and accepting again has nothing left to do
    again = services.proposal_accept(proposal=proposal, acting_user=taskforce_user)
    assert again.accepted == [] and again.failed == []


def test_a_pair_taken_meanwhile_fails_cleanly_while_the_others_go_through(taskforce_user):
    # given a proposal, then one of its enterprises paired by hand with someone else
    district(3, 3)
    proposal = propose(taskforce_user)
    taken = proposal.pairs.order_by("id").first()
    other_cadre = factories.make_cadre()
    Assignment.objects.create(cadre=other_cadre, enterprise=taken.enterprise, started_on=taken.proposal.created_at)
    # when staff accept all
    result = services.proposal_accept(proposal=proposal, acting_user=taskforce_user)
    # then that pair fails with its reason and the existing pairing is untouched
    assert [p.pk for p in result.failed] == [taken.pk]
    taken.refresh_from_db()
    assert other_cadre.name in taken.failure and taken.accepted_at is None
    assert Assignment.objects.active().get(enterprise=taken.enterprise).cadre == other_cadre
    assert len(result.accepted) == 2


def test_accepting_one_pair_accepts_only_that_one(taskforce_user):
    district(3, 3)
    proposal = propose(taskforce_user)
    pair = proposal.pairs.first()
    result = services.proposal_accept(proposal=proposal, acting_user=taskforce_user, pair_ids=[pair.pk])
    assert [p.pk for p in result.accepted] == [pair.pk]
    assert Assignment.objects.active().count() == 1


def test_a_pair_from_another_proposal_is_refused(taskforce_user):
    district(2, 2)
    first, second = propose(taskforce_user), propose(taskforce_user)
    with pytest.raises(ValidationError):
        services.proposal_accept(proposal=first, acting_user=taskforce_user, pair_ids=[second.pairs.first().pk])
    assert Assignment.objects.count() == 0


def test_a_pair_blocked_after_the_proposal_is_not_accepted(taskforce_user):
    district(1, 1)
    proposal = propose(taskforce_user)
    pair = proposal.pairs.get()
    services.blocked_pair_create(
        cadre=pair.cadre, enterprise=pair.enterprise, reason="利益冲突", acting_user=taskforce_user
    )
    result = services.proposal_accept(proposal=proposal, acting_user=taskforce_user)
    assert result.failed and Assignment.objects.count() == 0


# --- Settings ----------------------------------------------------------------------------------


def test_weights_are_validated_and_kept_with_history(taskforce_user):
    services.weights_update(weights={"street": 40}, acting_user=taskforce_user)
    row = FactorWeight.objects.get(factor="street")
    assert row.weight == 40 and row.history.first().history_user == taskforce_user
    for bad in ({"street": 101}, {"street": -1}, {"nonsense": 3}):
        with pytest.raises(ValidationError):
            services.weights_update(weights=bad, acting_user=taskforce_user)
    with pytest.raises(ValidationError):
        services.weights_update(weights=dict.fromkeys(selectors.current_weights(), 0), acting_user=taskforce_user)
    assert FactorWeight.objects.get(factor="street").weight == 40
    assert sum(selectors.current_weights().values()) > 0


def test_a_proposal_keeps_the_weights_it_was_made_with(taskforce_user):
    district(2, 2)
    proposal = propose(taskforce_user)
    services.weights_update(weights={"rank": 0}, acting_user=taskforce_user)
    proposal.refresh_from_db()
    assert proposal.settings_snapshot["weights"]["rank"] == 20


def test_unit_functions_reject_unknown_codes_and_guess_from_names(taskforce_user):
    unit = factories.make_unit(name="区商务局")
    with pytest.raises(ValidationError):
        services.unit_function_save(unit=unit, sections="CZ", divisions="", acting_user=taskforce_user)
    with pytest.raises(ValidationError):
        services.unit_function_save(unit=unit, sections="C", divisions="39,00", acting_user=taskforce_user)
    assert not UnitFunction.objects.exists()
    row = next(r for r in selectors.unit_rows() if r.unit == unit)
    assert row.is_default and row.sections == "FH"
    services.unit_function_save(unit=unit, sections="hf", divisions="61, 62", acting_user=taskforce_user)
    assert UnitFunction.objects.get(unit=unit).sections == "FH"
    assert UnitFunction.objects.get(unit=unit).divisions == "61,62"


def test_a_unit_competent_for_the_industry_scores_its_full_weight(taskforce_user):
    # given an industry bureau cadre and a manufacturer
    unit = factories.make_unit(name="区工业和信息化局")
    factories.make_cadre(unit=unit, category=Category.INDUSTRY)
    factories.make_enterprise(industry_section="C", industry_division="39")
    # when proposed
    pair = propose(taskforce_user).pairs.get()
    # then the unit function and category factors give full points
    assert pair.breakdown["unit_function"] == 30 and pair.breakdown["category"] == 25


def test_blocking_twice_or_without_a_reason_is_refused(taskforce_user):
    cadre, enterprise = factories.make_cadre(), factories.make_enterprise()
    with pytest.raises(ValidationError):
        services.blocked_pair_create(cadre=cadre, enterprise=enterprise, reason=" ", acting_user=taskforce_user)
    services.blocked_pair_create(cadre=cadre, enterprise=enterprise, reason="近亲属任职", acting_user=taskforce_user)
    with pytest.raises(ValidationError):
        services.blocked_pair_create(cadre=cadre, enterprise=enterprise, reason="再次", acting_user=taskforce_user)
    assert BlockedPair.objects.count() == 1


# --- Replacement -------------------------------------------------------------------------------


def test_a_cadre_who_leaves_gets_a_replacement_proposed_and_paired(taskforce_user, client):
    # given a pairing whose cadre then leaves (deactivated), and two free cadres
    from liaison import services as roster

    pairing = factories.make_assignment()
    free = [factories.make_cadre(), factories.make_cadre()]
    cadre = pairing.cadre
    cadre.active = False
    roster.cadre_save(cadre=cadre, acting_user=taskforce_user)
    # then the enterprise is listed as needing a replacement, with candidates and breakdowns
    assert list(selectors.pairings_needing_replacement()) == [pairing]
    client.force_login(taskforce_user)
    page = client.get(reverse("enterprise-detail", args=[pairing.enterprise_id]))
    assert 'id="replacement"' in page.content.decode()
    candidates = selectors.replacement_candidates(pairing.enterprise)
    assert {c.cadre for c in candidates} == set(free)
    assert all(sum(Decimal(str(v)) for v in c.breakdown.values()) == Decimal(str(c.score)) for c in candidates)
    # when staff pick the first candidate
    response = client.post(
        reverse("matching-replacement", args=[pairing.enterprise_id]), {"cadre": candidates[0].cadre.pk}
    )
    # then the old pairing ends and the new one is made through the pairing service
    assert response.status_code == 302
    pairing.refresh_from_db()
    assert pairing.ended_on is not None
    new = Assignment.objects.active().get(enterprise=pairing.enterprise)
    assert new.cadre == candidates[0].cadre and new.created_by == taskforce_user
    assert selectors.replacement_reason(pairing.enterprise) is None


def test_a_cadre_who_moves_unit_is_flagged_for_replacement(taskforce_user):
    from liaison import services as roster

    pairing = factories.make_assignment()
    cadre = pairing.cadre
    cadre.unit = factories.make_unit()
    roster.cadre_save(cadre=cadre, acting_user=taskforce_user)
    assert list(selectors.pairings_needing_replacement()) == [pairing]


# --- Pages -------------------------------------------------------------------------------------


def test_staff_propose_and_accept_in_the_browser_pages(client, taskforce_user):
    streets, _cadres, _enterprises = district(3, 3)
    client.force_login(taskforce_user)
    response = client.post(reverse("matching"), {"scope": "street", "street": streets[0].pk, "above_scale_only": "on"})
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "<details" in page and 'id="accept-all"' in page
    client.post(reverse("matching-accept", args=[proposal.pk]), {"all": "1"})
    assert Assignment.objects.active().count() == proposal.pairs.count()


def test_a_bad_form_shows_an_error_and_makes_nothing(client, taskforce_user):
    client.force_login(taskforce_user)
    response = client.post(reverse("matching"), {"scope": "street"})
    assert response.status_code == 200 and Proposal.objects.count() == 0
    assert "errorlist" in response.content.decode()


def test_matching_pages_are_closed_to_cadres_and_read_only_for_leaders(client, pairing, leader_user):
    client.force_login(pairing.cadre.user)
    for name in ("matching", "matching-settings", "matching-blocked"):
        assert client.get(reverse(name)).status_code == 403
    client.force_login(leader_user)
    assert client.get(reverse("matching")).status_code == 200
    assert client.post(reverse("matching"), {"scope": "all"}).status_code == 403


def test_settings_page_saves_weights_and_shows_errors(client, taskforce_user):
    client.force_login(taskforce_user)
    data = {"form": "weights", **selectors.current_weights(), "load": 500}
    response = client.post(reverse("matching-settings"), data)
    assert response.status_code == 200 and FactorWeight.objects.get(factor="load").weight == 10
    data["load"] = 5
    assert client.post(reverse("matching-settings"), data).status_code == 302
    assert FactorWeight.objects.get(factor="load").weight == 5


def test_the_proposal_page_keeps_a_fixed_number_of_queries(client, taskforce_user, django_assert_max_num_queries):
    district(30, 30)
    proposal = propose(taskforce_user)
    client.force_login(taskforce_user)
    with django_assert_max_num_queries(14):
        response = client.get(proposal.get_absolute_url())
    assert response.content.decode().count("data-pair=") == 30
    with django_assert_max_num_queries(14):
        assert client.get(reverse("matching")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("matching-settings")).status_code == 200


def test_a_computing_proposal_page_polls_and_refreshes_when_done(client, taskforce_user):
    proposal = Proposal.objects.create(created_by=taskforce_user, blocks_total=4, blocks_done=1)
    client.force_login(taskforce_user)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "1 / 4" in page or "25%" in page
    assert 'hx-trigger="every 1s"' in page
    partial = client.get(proposal.get_absolute_url() + "?progress=1", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "25%" in partial.content.decode()
    Proposal.objects.filter(pk=proposal.pk).update(status=ProposalStatus.READY)
    done = client.get(proposal.get_absolute_url() + "?progress=1", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


# --- API ---------------------------------------------------------------------------------------


def test_the_api_makes_a_proposal_lists_its_pairs_and_accepts(taskforce_user):
    streets, _cadres, _enterprises = district(3, 4)
    api = client_for(taskforce_user)
    created = api.post("/api/v1/matching/proposals/", {"scope": "all"}, format="json")
    assert created.status_code == 201, created.data
    pid = created.data["id"]
    assert created.data["status"] == "ready" and created.data["gap"] == "0.00"
    pairs = api.get(f"/api/v1/matching/proposals/{pid}/pairs/").data
    assert pairs["count"] == 3
    first = pairs["results"][0]
    assert sum(Decimal(str(v)) for v in first["breakdown"].values()) == Decimal(first["score"])
    leftovers = api.get(f"/api/v1/matching/proposals/{pid}/leftovers/").data
    assert leftovers["count"] == 1 and leftovers["results"][0]["side"] == "enterprise"
    accepted = api.post(f"/api/v1/matching/proposals/{pid}/accept/", {"pairs": [first["id"]]}, format="json")
    assert accepted.status_code == 200 and [p["id"] for p in accepted.data["accepted"]] == [first["id"]]
    rest = api.post(f"/api/v1/matching/proposals/{pid}/accept/", {"all": True}, format="json")
    assert len(rest.data["accepted"]) == 2
    assert api.post(f"/api/v1/matching/proposals/{pid}/accept/", {}, format="json").status_code == 400


def test_the_api_refuses_bad_input_and_other_roles(taskforce_user, pairing, leader_user):
    api = client_for(taskforce_user)
    bad = api.post("/api/v1/matching/proposals/", {"scope": "street"}, format="json")
    assert bad.status_code == 400 and "street" in bad.data
    assert client_for(pairing.cadre.user).get("/api/v1/matching/proposals/").status_code == 403
    leader = client_for(leader_user)
    assert leader.get("/api/v1/matching/proposals/").status_code == 200
    assert leader.post("/api/v1/matching/proposals/", {"scope": "all"}, format="json").status_code == 403


def test_the_schema_documents_the_matching_endpoints(client, admin_user_):
    import yaml

    client.force_login(admin_user_)  # the schema needs a sign-in
    schema = yaml.safe_load(client.get("/api/schema/").content)
    for path in (
        "/api/v1/matching/proposals/",
        "/api/v1/matching/proposals/{id}/",
        "/api/v1/matching/proposals/{id}/pairs/",
        "/api/v1/matching/proposals/{id}/accept/",
    ):
        assert path in schema["paths"], path
    accept = schema["paths"]["/api/v1/matching/proposals/{id}/accept/"]["post"]
    assert accept["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("AcceptResult")


def test_only_roles_from_the_task_force_see_the_nav_link(client, taskforce_user, leader_user):
    client.force_login(taskforce_user)
    assert 'id="nav-matching"' in client.get(reverse("home")).content.decode()
    client.force_login(leader_user)
    assert 'id="nav-matching"' not in client.get(reverse("home")).content.decode()
    assert Role.LEADER == leader_user.role


def test_a_district_size_proposal_comes_back_in_about_a_second(taskforce_user):
    # given a district: 400 free cadres in 40 units and 400 unpaired enterprises on 8 streets
    import time

    from enterprises.models import Enterprise
    from enterprises.validators import make_credit_code
    from liaison.models import Cadre, Unit

    streets = [factories.make_street() for _ in range(8)]
    units = [factories.make_unit() for _ in range(32)] + streets
    Cadre.objects.bulk_create(
        Cadre(name=f"干部{i}", unit=units[i % 40], rank=list(Rank)[i % 4], category=list(Category)[i % 8])
        for i in range(400)
    )
    Enterprise.objects.bulk_create(
        Enterprise(
            name=f"企业{i}",
            credit_code=make_credit_code(50_000_000 + i),
            industry_section="CFIGKLMEHJ"[i % 10],
            above_scale=True,
            street=streets[i % 8],
            annual_revenue=Decimal(1000 + 37 * i),
            employees=20 + i,
        )
        for i in range(400)
    )
    assert Unit.objects.count() >= 40
    # when staff propose in the request
    started = time.monotonic()
    proposal = propose(taskforce_user)
    elapsed = time.monotonic() - started
    # then all 400 are paired, exactly, in about a second (generous margin for a loaded machine)
    assert proposal.pairs.count() == 400 and proposal.bound_is_exact
    assert elapsed < 3, elapsed
    print(f"400 × 400 proposal in the request: {elapsed * 1000:.0f} ms (solve and store {proposal.elapsed_ms} ms)")
