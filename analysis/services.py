"""Writes of the analysis app: the term index, the clustering of a period (a job), and what staff do
with a cluster (its label, a countermeasure or a draft policy made from it)."""

from __future__ import annotations

import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analysis import text
from analysis.models import AppealTerm, AppealTerms, Cluster, ClusterLink, ClusterMember, ClusterRun
from analysis.permissions import can_act_on_clusters
from appeals.models import RESOLVED_STATUSES, SATISFIED_VERDICTS, Appeal, Status
from liaison.models import User

INDEX_CHUNK = 1000
INDEX_COMPLETE_KEY = "analysis:index-complete"
# Carry a label and links to the new cluster sharing most appeals with the old one, when they share
# at least this share of the smaller of the two.
CARRY_OVER_SHARE = 0.3
# A countermeasure of the period goes with its nearest cluster at this cosine similarity or more.
COUNTERMEASURE_MATCH = 0.2
DF_CACHE_SECONDS = 24 * 3600

Progress = Callable[..., None]


# --- The term index ----------------------------------------------------------------------------


def appeals_index(*, appeal_ids: Iterable[int]) -> int:
    """(Re)index these appeals: their terms, and one posting per distinct term with its weight."""
    ids = list(appeal_ids)
    if not ids:
        return 0
    rows = list(Appeal.objects.filter(pk__in=ids).values_list("pk", "title", "description"))
    terms_rows, postings = [], []
    for pk, title, description in rows:
        terms = [t[:40] for t in text.tokenize(text.appeal_text(title, description))]
        terms_rows.append(AppealTerms(appeal_id=pk, terms=" ".join(terms)))
        postings.extend(
            AppealTerm(appeal_id=pk, term=term, weight=weight) for term, weight in text.term_weights(terms).items()
        )
    with transaction.atomic():
        done = [pk for pk, _t, _d in rows]
        AppealTerm.objects.filter(appeal_id__in=done).delete()
        AppealTerms.objects.filter(appeal_id__in=done).delete()
        AppealTerms.objects.bulk_create(terms_rows, batch_size=INDEX_CHUNK)
        AppealTerm.objects.bulk_create(postings, batch_size=5000)
    return len(rows)


def appeals_index_missing(*, limit: int | None = None, progress: Progress | None = None) -> int:
    """Index the appeals not indexed yet (those bulk-loaded, or raised before the app), in chunks
    committed one by one: a run stopped halfway goes on where it stopped. Returns how many."""
    missing = Appeal.objects.filter(analysis_terms__isnull=True).order_by("pk").values_list("pk", flat=True)
    total = missing.count() if progress else 0
    done = 0
    while limit is None or done < limit:
        size = INDEX_CHUNK if limit is None else min(INDEX_CHUNK, limit - done)
        chunk = list(missing[:size])
        if not chunk:
            break
        done += appeals_index(appeal_ids=chunk)
        if progress:
            progress(done, max(total, done), _("Indexing appeals"))
    if limit is None or done < limit:
        cache.set(INDEX_COMPLETE_KEY, True, 300)
    return done


def appeal_index_on_save(appeal_id: int) -> None:
    """After an appeal is raised (receivers): index it once committed. A failure is
    logged, never the request's: the lookup and the job index what is missing."""
    transaction.on_commit(lambda: appeals_index(appeal_ids=[appeal_id]), robust=True)


# --- Clustering a period -------------------------------------------------------------------------


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _appeal_docs(start: date, end: date) -> list[tuple[int, list[str]]]:
    rows = AppealTerms.objects.filter(
        appeal__raised_at__gte=_aware(start), appeal__raised_at__lt=_aware(end + timedelta(days=1))
    ).order_by("appeal_id").values_list("appeal_id", "terms")
    return [(pk, terms.split()) for pk, terms in rows.iterator(chunk_size=5000)]


def _issue_docs(start: date, end: date) -> list[tuple[int, list[str]]]:
    from meetings.models import MeetingIssue

    rows = MeetingIssue.objects.filter(
        meeting__date__range=(start, end), appeal__isnull=True
    ).order_by("pk").values_list("pk", "title", "description")
    return [(pk, text.tokenize(text.appeal_text(title, description))) for pk, title, description in rows]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _top(counter: Counter, n: int = 5) -> list[list]:
    return [[str(name), count] for name, count in counter.most_common(n) if name]


def _figures(appeal_ids: list[int], issue_ids: list[int]) -> dict[int, dict]:
    """Per appeal, what the cluster figures count; and per issue, its enterprise and category."""
    from enterprises.industries import SECTIONS
    from meetings.models import MeetingIssue

    facts: dict[tuple[str, int], dict] = {}
    fields = (
        "pk", "enterprise_id", "category__name", "enterprise__industry_section", "enterprise__street__name",
        "cadre__unit__name", "raised_at", "status", "handling_workdays", "feedback",
    )
    for start in range(0, len(appeal_ids), 5000):
        for row in Appeal.objects.filter(pk__in=appeal_ids[start:start + 5000]).values_list(*fields):
            pk, enterprise, category, section, street, unit, raised, status, workdays, feedback = row
            facts[("appeal", pk)] = {
                "enterprise": enterprise, "category": category, "industry": SECTIONS.get(section, section),
                "street": street, "unit": unit, "month": timezone.localtime(raised).strftime("%Y-%m"),
                "status": status, "workdays": workdays, "feedback": feedback,
            }
    issue_fields = ("pk", "enterprise_id", "category__name", "enterprise__industry_section",
                    "enterprise__street__name", "meeting__date")
    for pk, enterprise, category, section, street, day in MeetingIssue.objects.filter(
        pk__in=issue_ids
    ).values_list(*issue_fields):
        facts[("issue", pk)] = {
            "enterprise": enterprise, "category": category, "industry": SECTIONS.get(section, section),
            "street": street, "unit": None, "month": day.strftime("%Y-%m"), "status": None, "workdays": None,
            "feedback": None,
        }
    return facts


def cluster_figures(members: list[dict]) -> dict:
    """The figures of one cluster from its members' facts (see _figures)."""
    appeals = [m for m in members if m["status"] is not None]
    counted = [m for m in appeals if m["status"] not in (Status.WITHDRAWN, Status.OUT_OF_SCOPE)]
    resolved = [m for m in counted if m["status"] in RESOLVED_STATUSES]
    workdays = [m["workdays"] for m in resolved if m["workdays"] is not None]
    judged = [m for m in appeals if m["feedback"]]
    satisfied = [m for m in judged if m["feedback"] in SATISFIED_VERDICTS]
    return {
        "appeals": len(appeals),
        "issues": len(members) - len(appeals),
        "categories": _top(Counter(m["category"] for m in members)),
        "industries": _top(Counter(m["industry"] for m in members)),
        "streets": _top(Counter(m["street"] for m in members)),
        "units": _top(Counter(m["unit"] for m in members)),
        "months": sorted([month, n] for month, n in Counter(m["month"] for m in members).items()),
        "resolved_share": _share(len(resolved), len(counted)),
        "median_workdays": round(statistics.median(workdays), 1) if workdays else None,
        "satisfaction": _share(len(satisfied), len(judged)),
        "feedback": len(judged),
    }


def _countermeasures_matched(result, start: date, end: date) -> dict[int, dict]:
    """Cluster number → the period's countermeasures nearest to it (step 6 of analysis.clustering) and
    the policies they led to."""
    from meetings.models import Countermeasure

    rows = list(Countermeasure.objects.filter(meeting__date__range=(start, end)).order_by("pk")
                .values_list("pk", "text"))
    if not rows:
        return {}
    policies = defaultdict(list)
    for countermeasure_id, policy_id in Countermeasure.policies.through.objects.filter(
        countermeasure_id__in=[pk for pk, _t in rows]
    ).values_list("countermeasure_id", "policy_id"):
        policies[countermeasure_id].append(policy_id)
    matched: dict[int, dict] = defaultdict(lambda: {"countermeasures": [], "policies": []})
    nearest = result.nearest([text.tokenize(t) for _pk, t in rows])
    for (pk, _t), (number, similarity) in zip(rows, nearest, strict=True):
        if similarity >= COUNTERMEASURE_MATCH:
            matched[number]["countermeasures"].append(pk)
            matched[number]["policies"].extend(p for p in policies[pk] if p not in matched[number]["policies"])
    return dict(matched)


def _carry_over(old: dict[int, set], new: dict[int, set]) -> dict[int, int]:
    """Old cluster id → the new cluster number that takes its label and links."""
    mapping = {}
    for old_id, old_members in old.items():
        best, best_share = None, 0.0
        for number, members in new.items():
            shared = len(old_members & members)
            share = shared / max(1, min(len(old_members), len(members)))
            if shared and share > best_share:
                best, best_share = number, share
        if best is not None and best_share >= CARRY_OVER_SHARE:
            mapping[old_id] = best
    return mapping


def clusters_build(
    *, start: date, end: date, acting_user: User | None = None, progress: Progress | None = None,
    k: int | None = None,
) -> ClusterRun:
    """Cluster the appeals raised and the meeting issues (not raised as appeals) of the period, and
    store the clusters with their figures, replacing the period's previous run: a label staff wrote
    and the countermeasures and policies linked go to the new cluster sharing most of its problems."""
    from analysis import clustering

    began = time.monotonic()
    appeals_index_missing(progress=progress)
    appeal_docs, issue_docs = _appeal_docs(start, end), _issue_docs(start, end)
    keys = [("appeal", pk) for pk, _terms in appeal_docs] + [("issue", pk) for pk, _terms in issue_docs]
    if progress:
        progress(0, 3, _("Clustering %(n)d problems") % {"n": len(keys)})
    result = clustering.cluster(
        [terms for _pk, terms in appeal_docs] + [terms for _pk, terms in issue_docs],
        k=k,
        progress=(lambda done, total: progress(done, total + 2, _("Choosing the number of clusters")))
        if progress else None,
    )
    facts = _figures([pk for pk, _t in appeal_docs], [pk for pk, _t in issue_docs])
    matched = _countermeasures_matched(result, start, end)
    grouped: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(result.labels):
        grouped[label].append(index)
    with transaction.atomic():
        run, _created = ClusterRun.objects.select_for_update().get_or_create(period_start=start, period_end=end)
        old_clusters = {c.pk: c for c in run.clusters.all()}
        old_members: dict[int, set] = defaultdict(set)
        for cluster_id, appeal_id, issue_id in ClusterMember.objects.filter(
            cluster__run=run
        ).values_list("cluster_id", "appeal_id", "issue_id"):
            old_members[cluster_id].add(("appeal", appeal_id) if appeal_id else ("issue", issue_id))
        new_members = {number: {keys[i] for i in indexes} for number, indexes in grouped.items()}
        mapping = _carry_over(old_members, new_members)
        created: dict[int, Cluster] = {}
        for number, indexes in sorted(grouped.items()):
            member_facts = [facts[keys[i]] for i in indexes if keys[i] in facts]
            created[number] = Cluster(
                run=run,
                number=number + 1000,  # renumbered below, once the old clusters are gone
                keywords=result.keywords[number],
                size=len(indexes),
                enterprises=len({m["enterprise"] for m in member_facts}),
                figures={**cluster_figures(member_facts), **matched.get(number, {})},
            )
        for old_id, number in mapping.items():
            old = old_clusters[old_id]
            if old.label and not created[number].label:
                created[number].label = old.label
                created[number].label_edited_by_id = old.label_edited_by_id
                created[number].label_edited_at = old.label_edited_at
        for cluster in created.values():
            cluster._history_user = acting_user
        Cluster.objects.bulk_create(created.values())
        for old_id, number in mapping.items():
            for link in ClusterLink.objects.filter(cluster_id=old_id):
                if not ClusterLink.objects.filter(
                    cluster=created[number], countermeasure_id=link.countermeasure_id, policy_id=link.policy_id
                ).exists():
                    ClusterLink.objects.filter(pk=link.pk).update(cluster=created[number])
        Cluster.objects.filter(pk__in=list(old_clusters)).delete()
        for number, cluster in created.items():
            Cluster.objects.filter(pk=cluster.pk).update(number=number + 1)
        ClusterMember.objects.bulk_create(
            (
                ClusterMember(
                    cluster=created[result.labels[i]],
                    appeal_id=keys[i][1] if keys[i][0] == "appeal" else None,
                    issue_id=keys[i][1] if keys[i][0] == "issue" else None,
                    similarity=result.similarity[i],
                )
                for i in range(len(keys))
            ),
            batch_size=5000,
        )
        run.documents, run.k, run.silhouette = len(keys), result.k, {str(k): v for k, v in result.silhouette.items()}
        run.created_by = acting_user
        run.seconds = round(time.monotonic() - began, 2)
        run.save()
    if progress:
        progress(3, 3, "")
    return run


def term_frequencies_cache() -> int:
    """Count how many appeals have each term, once for all terms, into the cache the similar lookup reads
    (for a day): the lookup then counts only terms new since. Run by the clustering job."""
    from django.db.models import Count

    from analysis.selectors import df_key

    rows = AppealTerm.objects.values_list("term").annotate(n=Count("*")).values_list("term", "n").iterator(
        chunk_size=10000
    )
    batch, written = {}, 0
    for term, n in rows:
        batch[df_key(term)] = n
        if len(batch) >= 5000:
            cache.set_many(batch, DF_CACHE_SECONDS)
            written += len(batch)
            batch = {}
    if batch:
        cache.set_many(batch, DF_CACHE_SECONDS)
        written += len(batch)
    return written


def hot_problems_run(*, year: int, progress: Progress | None = None, acting_user: User | None = None) -> dict:
    """The job (jobs.registry "hot_problems"): cluster the year's problems. Running it again for the
    same year replaces that year's clusters; the index it builds on the way is kept, chunk by chunk."""
    start, end = year_bounds(int(year))
    run = clusters_build(start=start, end=end, acting_user=acting_user, progress=progress)
    term_frequencies_cache()
    return {"year": int(year), "problems": run.documents, "clusters": run.k}


def hot_problems_quarter_run(
    *, month: date, progress: Progress | None = None, acting_user: User | None = None
) -> dict:
    """The job "hot_problems_quarter": cluster the problems of the quarter holding `month` (the
    analysis report of a quarter reads it). Running it again replaces that quarter's clusters."""
    from analysis.report_figures import period_of

    period = period_of("quarter", f"{month.year}-Q{(month.month - 1) // 3 + 1}")
    run = clusters_build(start=period.start, end=period.end, acting_user=acting_user, progress=progress)
    term_frequencies_cache()
    return {"month": period.start.isoformat(), "problems": run.documents, "clusters": run.k}


def hot_problems_campaign_run(*, day: date, progress: Progress | None = None, acting_user: User | None = None) -> dict:
    """The job "hot_problems_campaign": cluster the campaign's problems from its start to `day` (the
    analysis report of the campaign to date reads it)."""
    from analysis.report_figures import campaign_start

    run = clusters_build(start=campaign_start(), end=day, acting_user=acting_user, progress=progress)
    term_frequencies_cache()
    return {"day": day.isoformat(), "problems": run.documents, "clusters": run.k}


# --- What staff do with a cluster ------------------------------------------------------------------


def _require(user: User) -> None:
    if not can_act_on_clusters(user):
        raise PermissionDenied(_("Only task-force staff can change clusters."))


@transaction.atomic
def cluster_label_set(*, cluster_id: int, label: str, acting_user: User) -> Cluster:
    """Name a cluster (empty: back to its keywords); who and when are kept, and in its history."""
    _require(acting_user)
    cluster = Cluster.objects.select_for_update().get(pk=cluster_id)
    cluster.label = (label or "").strip()[:100]
    cluster.label_edited_by = acting_user if cluster.label else None
    cluster.label_edited_at = timezone.now() if cluster.label else None
    cluster._history_user = acting_user
    cluster.save(update_fields=["label", "label_edited_by", "label_edited_at"])
    return cluster


def _link(cluster: Cluster, acting_user: User, **target) -> ClusterLink:
    link = ClusterLink(cluster=cluster, created_by=acting_user, **target)
    link._history_user = acting_user
    link.save()
    return link


@transaction.atomic
def cluster_countermeasure_create(*, cluster_id: int, meeting_id: int, text_: str, acting_user: User) -> ClusterLink:
    """Turn a cluster into a countermeasure (对策建议) of a meeting, linked back to the cluster."""
    from meetings.models import Meeting
    from meetings.services import countermeasure_add

    _require(acting_user)
    cluster = Cluster.objects.select_for_update().get(pk=cluster_id)
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise ValidationError({"meeting": _("Choose the meeting the countermeasure is proposed at.")})
    countermeasure = countermeasure_add(meeting=meeting, text=text_, acting_user=acting_user)
    return _link(cluster, acting_user, countermeasure=countermeasure)


@transaction.atomic
def cluster_policy_draft(
    *, cluster_id: int, title: str, category_id: int, summary: str, acting_user: User
) -> ClusterLink:
    """Draft a policy from a cluster (status draft, to be completed in the catalogue), linked back."""
    from policies.models import Policy, PolicyCategory, PolicyStatus
    from policies.services import policy_save

    _require(acting_user)
    cluster = Cluster.objects.select_for_update().get(pk=cluster_id)
    category = PolicyCategory.objects.filter(pk=category_id).first()
    if category is None:
        raise ValidationError({"category": _("Choose the policy's category.")})
    policy = policy_save(
        policy=Policy(title=(title or "").strip(), category=category, summary=summary or "", status=PolicyStatus.DRAFT),
        acting_user=acting_user,
    )
    return _link(cluster, acting_user, policy=policy)


def gap_thresholds() -> tuple[int, float]:
    return (
        int(getattr(settings, "ANALYSIS_GAP_MIN_ENTERPRISES", 5)),
        float(getattr(settings, "ANALYSIS_GAP_MAX_SATISFACTION", 0.8)),
    )
