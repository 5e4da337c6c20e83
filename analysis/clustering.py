"""Grouping problems by what they are about: TF-IDF over jieba terms, then k-means.

How a period's clusters are made (the README's account):
1. Each appeal's title (counted twice) and description are cut into terms by jieba, less stop words
   (analysis/stopwords_zh.txt); meeting issues not yet raised as appeals likewise.
2. TF-IDF over those terms: sublinear term frequency, terms in at least 2 documents and at most half of
   them, the 20,000 most frequent at most; each document's vector normalised to unit length, so that
   k-means on it groups by cosine similarity.
3. The number of clusters k: k-means is tried for k on a grid from 4 to √n (at most 40) on a sample
   of at most 2,000 documents, each scored by its silhouette (cosine); the smallest k whose score is
   within 0.01 of the best is kept (fewer, broader clusters when the data cannot tell them apart).
4. k-means with that k on every document (mini-batch k-means above 5,000 documents, in bounded
   memory), a fixed seed, so that the same data gives the same clusters.
5. Each cluster's label is its 4 heaviest terms in the centroid (numbers and parts of compounds among
   them left out); its representative
   problems are the members closest to the centroid. Staff may rename it.
6. The period's countermeasures (对策建议) are placed by the same vectors: each goes with the cluster
   whose centroid is nearest, when the cosine similarity is at least 0.2 (analysis.services).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

SEED = 14
MAX_CLUSTERS = 40
SAMPLE_FOR_K = 2000
MINIBATCH_ABOVE = 5000
MAX_FEATURES = 20000
LABEL_TERMS = 4
K_TOLERANCE = 0.01


@dataclass
class Clustering:
    k: int
    labels: list[int]  # a cluster number per document
    similarity: list[float]  # each document's cosine similarity to its cluster's centroid
    keywords: list[list[str]]  # per cluster, its heaviest terms
    silhouette: dict[int, float]  # the k tried and their scores
    vectoriser: object = None
    unit_centroids: object = None

    def nearest(self, docs: Sequence[Sequence[str]]) -> list[tuple[int, float]]:
        """For other documents (countermeasures), the closest cluster and the cosine similarity to it."""
        import numpy as np

        if not docs or self.vectoriser is None:
            return []
        scores = np.asarray(self.vectoriser.transform(docs) @ self.unit_centroids.T)
        best = scores.argmax(axis=1)
        return [(int(c), float(scores[i, c])) for i, c in enumerate(best)]


def _vectorise(docs: Sequence[Sequence[str]]):
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(docs)
    vectoriser = TfidfVectorizer(
        analyzer=_identity,
        min_df=2 if n >= 20 else 1,
        max_df=0.5 if n >= 20 else 1.0,
        sublinear_tf=True,
        max_features=MAX_FEATURES,
        dtype=np.float64,
    )
    return vectoriser, vectoriser.fit_transform(docs)


def _identity(terms):
    return terms


def _k_grid(n: int) -> list[int]:
    top = max(2, min(MAX_CLUSTERS, int(math.sqrt(n)), n - 1))
    grid, k = [], min(4, top)
    while k <= top:
        grid.append(k)
        k = k + 1 if k < 8 else k + 2 if k < 20 else k + 4
    return grid or [top]


def choose_k(matrix, *, progress: Callable[[int, int], None] | None = None) -> tuple[int, dict[int, float]]:
    """The number of clusters by the silhouette rule (module docstring, step 3)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _choose_k(matrix, progress=progress)


def _choose_k(matrix, *, progress) -> tuple[int, dict[int, float]]:
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.metrics.pairwise import cosine_distances

    n = matrix.shape[0]
    if n < 8:
        return max(1, min(n, 2)), {}
    rng = np.random.default_rng(SEED)
    sample = matrix[rng.choice(n, SAMPLE_FOR_K, replace=False)] if n > SAMPLE_FOR_K else matrix
    # Documents with no term left (all stop words) would sit on the origin: leave them out of the choice.
    sample = sample[np.asarray(sample.getnnz(axis=1) > 0)]
    # Dense over the terms the sample uses: k-means is several times faster on dense rows.
    columns = np.flatnonzero(np.asarray(sample.getnnz(axis=0)))
    if len(columns) * sample.shape[0] <= 20_000_000:
        sample = sample[:, columns].toarray()
    grid = [k for k in _k_grid(sample.shape[0]) if k < sample.shape[0]]
    distances = cosine_distances(sample)  # once for every k
    np.fill_diagonal(distances, 0.0)
    scores: dict[int, float] = {}
    for done, k in enumerate(grid):
        labels = KMeans(n_clusters=k, n_init=2, random_state=SEED).fit_predict(sample)
        scores[k] = float(silhouette_score(distances, labels, metric="precomputed")) if len(set(labels)) > 1 else -1.0
        if progress:
            progress(done + 1, len(grid))
    best = max(scores.values())
    return min(k for k, score in scores.items() if score >= best - K_TOLERANCE), scores


def cluster(
    docs: Sequence[Sequence[str]],
    *,
    k: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Clustering:
    """Cluster documents given as lists of terms (analysis.text.tokenize). BLAS runs on one thread: on
    a shared worker its threads spinning against other processes made k-means several times slower."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _cluster(docs, k=k, progress=progress)


def _cluster(docs, *, k, progress) -> Clustering:
    import numpy as np
    from sklearn.cluster import KMeans, MiniBatchKMeans

    n = len(docs)
    if n == 0:
        return Clustering(k=0, labels=[], similarity=[], keywords=[], silhouette={})
    vectoriser, matrix = _vectorise(docs)
    scores: dict[int, float] = {}
    if k is None:
        k, scores = _choose_k(matrix, progress=progress)
    k = max(1, min(k, n))
    if n > MINIBATCH_ABOVE:
        model = MiniBatchKMeans(n_clusters=k, n_init=3, random_state=SEED, batch_size=4096, max_no_improvement=20)
    else:
        model = KMeans(n_clusters=k, n_init=5, random_state=SEED)
    labels = model.fit_predict(matrix)
    centroids = model.cluster_centers_
    norms = np.linalg.norm(centroids, axis=1)
    norms[norms == 0] = 1.0
    unit = centroids / norms[:, None]
    # Cosine to the own centroid, one cluster at a time (a full n × k product would be dense).
    similarity = np.zeros(n, dtype="float32")
    for c in range(k):
        members = np.flatnonzero(labels == c)
        if len(members):
            similarity[members] = np.asarray(matrix[members] @ unit[c]).ravel()
    terms = vectoriser.get_feature_names_out()
    keywords = [_label_terms(terms, centroids[c]) for c in range(k)]
    return Clustering(
        k=k,
        labels=[int(x) for x in labels],
        similarity=[float(x) for x in similarity],
        keywords=keywords,
        silhouette=scores,
        vectoriser=vectoriser,
        unit_centroids=unit,
    )


def _label_terms(terms, weights) -> list[str]:
    """The heaviest terms that read well: no numbers (they tell duplicates apart, not topics), and no
    part of a compound that is also among them (操作工, not 操作 and 作工)."""
    import numpy as np

    top = [str(terms[i]) for i in np.argsort(-weights)[:LABEL_TERMS * 4]
           if weights[i] > 0 and not any(ch.isdigit() for ch in terms[i])]
    return [t for t in top if not any(t != other and t in other for other in top)][:LABEL_TERMS]


def purity(truth: Sequence, labels: Sequence[int]) -> float:
    """The share of documents whose cluster's most common true label is their own."""
    from collections import Counter, defaultdict

    by_cluster: dict[int, Counter] = defaultdict(Counter)
    for true, label in zip(truth, labels, strict=True):
        by_cluster[label][true] += 1
    return sum(c.most_common(1)[0][1] for c in by_cluster.values()) / max(1, len(truth))
