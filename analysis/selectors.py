"""Reads of the analysis app: similar past appeals (the term index), and a period's clusters."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Prefetch, QuerySet

from analysis import text
from analysis.models import AppealTerm, AppealTerms, Cluster, ClusterLink, ClusterMember, ClusterRun
from appeals.models import OPEN_STATUSES, Appeal
from liaison.models import User

SIMILAR_LIMIT = 5
CANDIDATES = 50
# Postings read per query term: the appeals where the term weighs most.
PER_TERM = 1000
VISIBLE_IDS_MAX = 5000
# A term found in more than this share of appeals says nothing about which ones are alike.
COMMON_SHARE = 0.3
# Added (as a share of a perfect match) to appeals of the enterprise being raised for.
SAME_ENTERPRISE_BOOST = 0.25
DOCUMENT_COUNT_KEY = "analysis:documents"
CACHE_SECONDS = 600


@dataclass
class SimilarAppeal:
    appeal: Appeal
    similarity: float
    same_enterprise: bool
    probable_duplicate: bool


def _document_count() -> int:
    count = cache.get(DOCUMENT_COUNT_KEY)
    if count is None:
        count = AppealTerms.objects.count()
        cache.set(DOCUMENT_COUNT_KEY, count, 60)
    return count


def df_key(term: str) -> str:
    return f"analysis:df:{hashlib.md5(term.encode()).hexdigest()}"


def _document_frequencies(terms: list[str]) -> dict[str, int]:
    """How many appeals have each term; cached for CACHE_SECONDS, or a day when the clustering job
    counted them all (analysis.services.term_frequencies_cache): a few appeals more or less do not change
    which appeals are alike, and counting a common term at 100,000 appeals took 30 ms."""
    keys = {df_key(t): t for t in terms}
    cached = cache.get_many(list(keys))
    found = {keys[key]: n for key, n in cached.items()}
    missing = [t for t in terms if t not in found]
    if missing:
        counted = dict(AppealTerm.objects.filter(term__in=missing).values_list("term").annotate(n=Count("*"))
                       .values_list("term", "n"))
        fresh = {t: counted.get(t, 0) for t in missing}
        # A term no appeal has yet is not cached: the next appeal may bring it.
        cache.set_many({key: fresh[t] for key, t in keys.items() if fresh.get(t)}, CACHE_SECONDS)
        found.update(fresh)
    return found


def _visible_ids(viewer: User) -> list[int]:
    """The appeals a cadre or unit may see, as ids (at most VISIBLE_IDS_MAX + 1), cached for a minute while
    they type: the scope's query read all 100,000 appeals (66 ms). The appeals shown are read again
    through appeal_list, so one that left the viewer's scope meanwhile is never shown."""
    from appeals.selectors import appeal_list

    key = f"analysis:visible:{viewer.pk}"
    ids = cache.get(key)
    if ids is None:
        ids = list(appeal_list(viewer=viewer).order_by().values_list("pk", flat=True)[:VISIBLE_IDS_MAX + 1])
        cache.set(key, ids, 60)
    return ids


def _ensure_index() -> None:
    """Appeals loaded in bulk (the demo, an import) are indexed on the first lookup, a chunk at a time;
    the clustering job indexes all of them."""
    from analysis.services import INDEX_COMPLETE_KEY, appeals_index_missing

    if not cache.get(INDEX_COMPLETE_KEY):
        appeals_index_missing(limit=2000)


def _postings(terms: list[str], *, appeal_ids: list[int] | None = None) -> list[tuple[int, str, float]]:
    """(appeal, term, weight) for the terms: of the given appeals, or else the PER_TERM heaviest of each
    term (on PostgreSQL, one index range scan per term, whatever the term's frequency)."""
    qs = AppealTerm.objects.filter(term__in=terms)
    if appeal_ids is not None:
        return list(qs.filter(appeal_id__in=appeal_ids).values_list("appeal_id", "term", "weight"))
    if not connection.features.supports_slicing_ordering_in_compound or len(terms) == 1:
        return list(qs.order_by("-weight").values_list("appeal_id", "term", "weight")[:PER_TERM * len(terms)])
    parts = [
        AppealTerm.objects.filter(term=term).order_by("-weight").values_list("appeal_id", "term", "weight")[:PER_TERM]
        for term in terms
    ]
    return list(parts[0].union(*parts[1:], all=True))


def similar_appeals(
    *, viewer: User, query: str, enterprise_id: int | None = None, limit: int = SIMILAR_LIMIT,
    exclude_id: int | None = None,
) -> list[SimilarAppeal]:
    """Up to `limit` past appeals the viewer may see that are most like `query` (a title as typed, or
    a title and description), best first.

    Ranked by Σ over the query's terms of idf² × the term's weight in the query × its weight in the
    appeal (both (1 + log tf), unit length), over the appeals where each term weighs most (PER_TERM)
    and the enterprise's own; terms in more than 30% of appeals are left out, and appeals of
    `enterprise_id` get a small boost. The similarity shown is how much of the query the
    appeal covers: its terms found there, weighted by idf² and their weight in the query, as a share
    of all of them. An open appeal of `enterprise_id` covering at least ANALYSIS_DUPLICATE_SIMILARITY
    is a probable duplicate."""
    from appeals.selectors import appeal_list

    terms = text.tokenize(query)
    if not terms:
        return []
    _ensure_index()
    query_weights = text.term_weights(terms)
    n = max(1, _document_count())
    df = _document_frequencies(list(query_weights))
    idf = {t: math.log((n + 1) / (df.get(t, 0) + 1)) + 1 for t in query_weights}
    kept = {t: w for t, w in query_weights.items() if df.get(t, 0) and df[t] <= max(5, COMMON_SHARE * n)}
    if not kept:
        return []
    coefficient = {t: w * idf[t] ** 2 for t, w in kept.items()}
    perfect = sum(w * w * idf[t] ** 2 for t, w in query_weights.items())
    coverage_of = {t: (query_weights[t] * idf[t]) ** 2 for t in kept}
    candidates = CANDIDATES
    restricted_to = None
    if not viewer.sees_everything:
        # A cadre or a unit sees a few hundred appeals: rank only those (read first, as ids: the scope's
        # OR over joins made a poor subquery). Past VISIBLE_IDS_MAX, rank all and keep the visible.
        visible = _visible_ids(viewer)
        if len(visible) <= VISIBLE_IDS_MAX:
            if not visible:
                return []
            restricted_to = visible
        else:
            candidates = CANDIDATES * 10
    rows = _postings(list(kept), appeal_ids=restricted_to)
    if enterprise_id and restricted_to is None:
        # The enterprise's own appeals always compete (a duplicate may rank below the per-term cut).
        own = list(Appeal.objects.filter(enterprise_id=enterprise_id).values_list("pk", flat=True)[:1000])
        if own:
            rows += _postings(list(kept), appeal_ids=own)
    score: dict[int, float] = {}
    coverage: dict[int, float] = {}
    seen = set()
    for appeal_id, term, weight in rows:
        if appeal_id == exclude_id or (appeal_id, term) in seen:
            continue
        seen.add((appeal_id, term))
        score[appeal_id] = score.get(appeal_id, 0.0) + weight * coefficient[term]
        coverage[appeal_id] = coverage.get(appeal_id, 0.0) + coverage_of[term]
    ranked = sorted(((pk, s, coverage[pk]) for pk, s in score.items()), key=lambda r: (-r[1], -r[0]))[:candidates]
    if not ranked:
        return []
    boost = SAME_ENTERPRISE_BOOST * perfect
    same = set()
    if enterprise_id:
        same = set(Appeal.objects.filter(pk__in=[row[0] for row in ranked], enterprise_id=enterprise_id)
                   .values_list("pk", flat=True))
    best = sorted(ranked, key=lambda row: -(row[1] + (boost if row[0] in same else 0)))
    if candidates > CANDIDATES:
        visible = set(appeal_list(viewer=viewer).filter(pk__in=[row[0] for row in best]).values_list("pk", flat=True))
        best = [row for row in best if row[0] in visible]
    best = best[:limit]
    appeals = appeal_list(viewer=viewer).select_related("resolved_by__cadre").in_bulk([row[0] for row in best])
    threshold = float(getattr(settings, "ANALYSIS_DUPLICATE_SIMILARITY", 0.5))
    found = []
    for pk, _score, coverage in best:
        appeal = appeals.get(pk)
        if appeal is None:
            continue
        similarity = min(1.0, coverage / perfect) if perfect else 0.0
        found.append(SimilarAppeal(
            appeal=appeal,
            similarity=round(similarity, 3),
            same_enterprise=pk in same,
            probable_duplicate=pk in same and appeal.status in OPEN_STATUSES and similarity >= threshold,
        ))
    return found


# --- Clusters -----------------------------------------------------------------------------------


def cluster_runs() -> QuerySet[ClusterRun]:
    return ClusterRun.objects.order_by("-period_start")


def _with_links(qs: QuerySet[Cluster]) -> QuerySet[Cluster]:
    links = ClusterLink.objects.select_related("countermeasure__meeting", "policy", "created_by")
    return qs.prefetch_related(Prefetch("links", queryset=links))


def clusters_of(run: ClusterRun) -> list[Cluster]:
    """The run's clusters, most enterprises first, each with `links` and `policy_gap` set."""
    clusters = list(_with_links(run.clusters.all()))
    for cluster in clusters:
        mark_gap(cluster)
    return clusters


def cluster_detail(pk: int) -> Cluster:
    cluster = _with_links(Cluster.objects.select_related("run", "label_edited_by")).get(pk=pk)
    mark_gap(cluster)
    return cluster


def mark_gap(cluster: Cluster) -> Cluster:
    """A policy gap: many enterprises share the problem and nothing was decided about it (no
    countermeasure or policy linked by staff, nor a countermeasure of the period matched by the
    clustering), or the enterprises are not satisfied with how it was handled (thresholds:
    ANALYSIS_GAP_*)."""
    from analysis.services import gap_thresholds

    min_enterprises, max_satisfaction = gap_thresholds()
    links = list(cluster.links.all())
    cluster.countermeasure_links = [link for link in links if link.countermeasure_id]
    cluster.policy_links = [link for link in links if link.policy_id]
    satisfaction = (cluster.figures or {}).get("satisfaction")
    reasons = []
    figures = cluster.figures or {}
    cluster.matched_countermeasures = figures.get("countermeasures", [])
    cluster.matched_policies = figures.get("policies", [])
    answered = links or cluster.matched_countermeasures or cluster.matched_policies
    cluster.countermeasure_count = len(
        {link.countermeasure_id for link in cluster.countermeasure_links} | set(cluster.matched_countermeasures)
    )
    cluster.policy_count = len({link.policy_id for link in cluster.policy_links} | set(cluster.matched_policies))
    if cluster.enterprises >= min_enterprises and not answered:
        reasons.append("unanswered")
    if satisfaction is not None and satisfaction < max_satisfaction and (cluster.figures or {}).get("feedback", 0) >= 3:
        reasons.append("unsatisfied")
    cluster.gap_reasons = reasons
    cluster.policy_gap = bool(reasons)
    return cluster


def matched(cluster: Cluster) -> tuple[list, list]:
    """The countermeasures the clustering placed with the cluster, and the policies they led to."""
    from meetings.models import Countermeasure
    from policies.models import Policy

    figures = cluster.figures or {}
    countermeasures = list(Countermeasure.objects.filter(pk__in=figures.get("countermeasures", []))
                           .select_related("meeting"))
    policies = list(Policy.objects.filter(pk__in=figures.get("policies", [])))
    return countermeasures, policies


def representatives(cluster: Cluster, *, limit: int = 8) -> list[ClusterMember]:
    """The problems closest to the cluster's centre: what it is about, in the cadres' own words."""
    return list(
        cluster.members.select_related("appeal__enterprise", "issue__enterprise", "issue__meeting")
        .order_by("-similarity", "id")[:limit]
    )
