"""Hot-problem clusters and similar appeals: quality on the labelled set, scope, the job, and what staff
do with a cluster."""

from __future__ import annotations

import pytest
from django.utils import timezone

from analysis import selectors, services
from analysis.models import AppealTerm, Cluster, ClusterLink, ClusterRun
from appeals.models import Appeal, Status
from bench.analysis import Fixture, load_labelled, quality
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_cache(monkeypatch):
    """Each test its own cache: the lookup caches document frequencies and a viewer's appeal ids."""
    from django.core.cache.backends.locmem import LocMemCache

    fresh = LocMemCache(f"analysis-{id(monkeypatch)}", {})
    monkeypatch.setattr(selectors, "cache", fresh)
    monkeypatch.setattr(services, "cache", fresh)


def _year_bounds():
    year = timezone.localdate().year
    return services.year_bounds(year)


def test_the_labelled_set_is_large_and_varied_enough():
    rows = load_labelled()
    assert len(rows) >= 300
    assert len({r["type"] for r in rows}) >= 15
    assert sum(1 for r in rows if r["duplicate_of"]) >= 30


def test_clusters_and_duplicates_on_the_labelled_set_stay_above_the_floor():
    """Computed through the app's own index, clustering and lookup, on PostgreSQL."""
    # given the labelled appeals in the database
    fixture = Fixture()
    # when they are indexed, clustered and each duplicate is looked up
    figures = quality(fixture, load_labelled())
    # then the clusters agree with the problem types and the duplicates are found
    assert figures["ari"] >= 0.6, figures
    assert figures["purity"] >= 0.7, figures
    assert figures["recall_enterprise"] >= 0.75, figures
    assert figures["recall_text"] >= 0.6, figures


def _appeal(pairing, title, description, **kwargs):
    appeal = factories.make_appeal(pairing=pairing, title=title, description=description, **kwargs)
    services.appeals_index(appeal_ids=[appeal.pk])
    return appeal


def test_similar_appeals_are_only_those_the_viewer_may_see(pairing, other_pairing, taskforce_user):
    # given the same problem raised in two units
    own = _appeal(pairing, "企业融资难，申请银行贷款", "企业流动资金紧张，希望对接银行办理首贷。")
    other = _appeal(other_pairing, "融资难，希望对接银行首贷", "扩大生产存在资金缺口，申请银行贷款。")
    _appeal(pairing, "厂区停车位紧张", "员工停车困难，希望增设停车位。")
    # when the cadre and task-force staff look up a title
    mine = selectors.similar_appeals(viewer=pairing.cadre.user, query="银行贷款融资难")
    everyone = selectors.similar_appeals(viewer=taskforce_user, query="银行贷款融资难")
    # then the cadre sees only their own, staff both, the parking problem for neither
    assert [s.appeal.pk for s in mine] == [own.pk]
    assert {s.appeal.pk for s in everyone} == {own.pk, other.pk}
    assert all(0 < s.similarity <= 1 for s in everyone)


def test_an_open_appeal_of_the_same_enterprise_is_a_probable_duplicate(client, pairing):
    # given an open appeal of the enterprise
    open_one = _appeal(pairing, "申请电力增容", "新增设备后用电负荷不足，申请变压器增容。")
    client.force_login(pairing.cadre.user)
    # when the cadre types the same problem for the same enterprise
    body = client.get("/api/v1/appeals/similar/", {"text": "变压器增容 用电负荷不足",
                                                    "enterprise": pairing.enterprise_id}).json()
    # then it is named a probable duplicate; for another enterprise it is only similar
    assert body["probable_duplicate"] == open_one.pk
    assert body["results"][0]["id"] == open_one.pk and body["results"][0]["status"] == Status.HANDLING
    other = client.get("/api/v1/appeals/similar/", {"text": "变压器增容 用电负荷不足"}).json()
    assert other["probable_duplicate"] is None and other["results"]
    # and the raise form's fragment shows the warning
    page = client.get("/analysis/similar/", {"text": "变压器增容", "enterprise": pairing.enterprise_id})
    assert 'id="similar-duplicate"' in page.content.decode()


def test_the_similar_lookup_indexes_appeals_loaded_in_bulk(pairing, taskforce_user):
    # given appeals written without the index (as the demo writes them)
    appeal = factories.make_appeal(pairing=pairing, title="出口退税办理周期长", description="退税款未到账。")
    AppealTerm.objects.all().delete()
    from analysis.models import AppealTerms

    AppealTerms.objects.all().delete()
    services.cache.delete(services.INDEX_COMPLETE_KEY)
    # when someone looks up
    found = selectors.similar_appeals(viewer=taskforce_user, query="出口退税")
    # then the missing appeals were indexed on the way
    assert [s.appeal.pk for s in found] == [appeal.pk]


def test_a_raised_appeal_is_indexed_once_committed(pairing, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appeal = factories.make_appeal(pairing=pairing, title="子女入学难", description="员工子女入学需要协调学位。")
    assert AppealTerm.objects.filter(appeal=appeal, term="子女入学").exists()


def _problems(pairings):
    titles = [
        ("申请银行贷款解决融资难", "企业流动资金紧张，申请银行贷款和首贷贴息。"),
        ("融资难，续贷到期", "贷款即将到期，银行要求先还后贷，融资困难。"),
        ("招工难，一线工人缺口大", "一线操作工招聘困难，希望对接招聘会。"),
        ("技术工人招聘困难", "电焊工数控车工招不到人，希望对接招聘会和职业院校。"),
    ]
    appeals = []
    for pairing in pairings:
        for title, description in titles:
            appeals.append(_appeal(pairing, title, description))
    return appeals


def test_the_job_clusters_the_year_and_running_again_keeps_names_and_links(
    taskforce_user, django_capture_on_commit_callbacks
):
    from jobs.services import job_start
    from meetings.models import Meeting

    # given two problems shared by six enterprises
    pairings = [factories.make_assignment() for _i in range(6)]
    _problems(pairings)
    start, end = _year_bounds()
    # when the task force runs the job for this year
    with django_capture_on_commit_callbacks(execute=True):
        run, _created = job_start(job_key="hot_problems", period=str(start.year), acting_user=taskforce_user)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    clusters = selectors.clusters_of(ClusterRun.objects.get(period_start=start, period_end=end))
    # then the loans and the hiring are never together; each cluster is of six enterprises, a policy gap
    assert 2 <= len(clusters) <= 4 and sum(c.size for c in clusters) == 24
    for cluster in clusters:
        titles = set(Appeal.objects.filter(pk__in=cluster.members.values("appeal_id")).values_list("title", flat=True))
        assert all("融资" in t for t in titles) or not any("融资" in t for t in titles), titles
    assert all(c.enterprises == 6 and c.policy_gap for c in clusters)
    money = next(c for c in clusters if {"贷款", "融资", "续贷"} & set(c.keywords))
    assert money.figures["categories"][0][1] == money.size == money.figures["appeals"]
    # when staff name one, turn it into a countermeasure, and the job runs again
    meeting = Meeting.objects.create(kind="topic", title="专题会", date=start)
    services.cluster_label_set(cluster_id=money.pk, label="融资难", acting_user=taskforce_user)
    services.cluster_countermeasure_create(cluster_id=money.pk, meeting_id=meeting.pk,
                                           text_="设立应急转贷资金池", acting_user=taskforce_user)
    services.clusters_build(start=start, end=end, acting_user=taskforce_user)
    # then the period still has one run, and the new cluster kept the name and the link: no longer a gap
    assert ClusterRun.objects.count() == 1
    renamed = Cluster.objects.get(label="融资难")
    assert renamed.pk != money.pk and renamed.size == money.size
    assert not selectors.cluster_detail(renamed.pk).policy_gap
    link = ClusterLink.objects.get()
    assert link.cluster_id == renamed.pk and link.created_by == taskforce_user
    assert link.countermeasure.meeting == meeting


def test_a_draft_policy_made_from_a_cluster_is_linked_back(client, taskforce_user, leader_user):
    from policies.models import Policy, PolicyCategory, PolicyStatus

    pairings = [factories.make_assignment() for _i in range(3)]
    _problems(pairings)
    start, end = _year_bounds()
    run = services.clusters_build(start=start, end=end)
    cluster = run.clusters.first()
    category = PolicyCategory.objects.first() or PolicyCategory.objects.create(code="c", name="综合")
    # a leader may read but not act
    client.force_login(leader_user)
    assert client.get(f"/analysis/clusters/{cluster.pk}/").status_code == 200
    assert client.post(f"/analysis/clusters/{cluster.pk}/policy/", {"title": "x", "category": category.pk}
                       ).status_code == 403
    # task-force staff draft a policy in one step
    client.force_login(taskforce_user)
    response = client.post(f"/analysis/clusters/{cluster.pk}/policy/",
                           {"title": "转贷应急资金管理办法", "category": category.pk, "summary": "草案"})
    policy = Policy.objects.get(title="转贷应急资金管理办法")
    assert response.status_code == 302 and response["Location"] == f"/policies/{policy.pk}/edit/"
    assert policy.status == PolicyStatus.DRAFT
    assert ClusterLink.objects.get(policy=policy).cluster_id == cluster.pk
    page = client.get(f"/analysis/clusters/{cluster.pk}/").content.decode()
    assert "转贷应急资金管理办法" in page


def test_the_pages_and_api_show_the_clusters_to_leaders_only(client, pairing, leader_user,
                                                             django_assert_max_num_queries):
    pairings = [factories.make_assignment() for _i in range(3)]
    _problems(pairings)
    start, _end = _year_bounds()
    run = services.clusters_build(start=start, end=services.year_bounds(start.year)[1])
    client.force_login(leader_user)
    with django_assert_max_num_queries(12):
        page = client.get("/analysis/", {"year": start.year})
    assert page.status_code == 200 and page.content.decode().count("data-cluster=") == run.k
    body = client.get("/api/v1/analysis/clusters/", {"year": start.year}).json()
    assert body["year"] == start.year and len(body["clusters"]) == run.k
    assert {"appeals", "resolved_share", "median_workdays", "satisfaction", "months"} <= set(
        body["clusters"][0]["figures"])
    detail = client.get(f"/api/v1/analysis/clusters/{body['clusters'][0]['id']}/").json()
    assert detail["representatives"]
    client.force_login(pairing.cadre.user)
    assert client.get("/analysis/").status_code == 403
    assert client.get("/api/v1/analysis/clusters/").status_code == 403


def test_meeting_issues_not_raised_as_appeals_are_clustered_too(taskforce_user):
    from meetings.models import Meeting, MeetingIssue

    pairings = [factories.make_assignment() for _i in range(3)]
    _problems(pairings)
    start, end = _year_bounds()
    meeting = Meeting.objects.create(kind="solicitation", title="征求意见会", date=start)
    MeetingIssue.objects.create(meeting=meeting, enterprise=pairings[0].enterprise,
                                category=Appeal.objects.first().category,
                                title="融资难贷款难", description="希望银行加大信贷支持，办理首贷续贷。")
    run = services.clusters_build(start=start, end=end)
    assert run.documents == 13
    assert sum(c.figures["issues"] for c in run.clusters.all()) == 1
