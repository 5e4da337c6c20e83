"""The demo district's problems make meaningful clusters: appeals written the way the demo writes them
(demo.appeals.TOPICS: its titles and the visit's text, with amounts) group by their category."""

from __future__ import annotations

import random
from collections import Counter

from sklearn.metrics import adjusted_rand_score

from analysis import clustering, text
from demo.appeals import TOPICS


class _Words(dict):
    def __missing__(self, key):
        return "3"


def _demo_like_appeals(per_topic: int = 20) -> list[tuple[int, str, str]]:
    rng = random.Random(14)
    rows = []
    for number, topic in enumerate(TOPICS):
        for i in range(per_topic):
            words = _Words(n=rng.choice((200, 500, 800, 1500)), m=rng.choice((10, 20, 40)), bank="建设银行",
                           expo="中国国际进口博览会", policy="稳岗补贴", loan=300)
            title = topic.titles[i % len(topic.titles)].format_map(words)
            rows.append((number, topic.category, text.appeal_text(title, topic.text.format_map(words))))
    return rows


def test_the_demo_topics_cluster_by_category():
    # given appeals on every demo topic, about as many as the demo district holds (367 with its meeting issues)
    rows = _demo_like_appeals()
    # when they are clustered with the rule the job uses
    result = clustering.cluster([text.tokenize(body) for _topic, _category, body in rows])
    topics = [topic for topic, _category, _body in rows]
    categories = [category for _topic, category, _body in rows]
    # then the clusters are the topics (a category, e.g. policy questions, spans several), each of one category
    assert adjusted_rand_score(topics, result.labels) >= 0.8
    assert clustering.purity(categories, result.labels) >= 0.9
    # and the labels read as the problem: the financing cluster is labelled with money words
    financing = Counter(label for label, category in zip(result.labels, categories, strict=True)
                        if category == "financing").most_common(1)[0][0]
    money = {"贷款", "资金", "流动资金", "融资", "首贷", "银行"}
    assert money & set(result.keywords[financing]), result.keywords[financing]
