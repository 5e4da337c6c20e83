"""Chinese text into terms: jieba word segmentation, less the stop words, digits and punctuation.

jieba ships its dictionary inside the package, so nothing is downloaded; it is imported and loaded
(about a second) on first use in a process, never when the web process starts.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from functools import cache
from pathlib import Path

_lock = threading.Lock()
_jieba = None

# A term is kept when it has a CJK character, is a Latin word of 2+ letters (ETC, PCT...), a number with
# letters (5G) or a number of 2+ digits (amounts and counts: the same problem written twice shares them).
_KEEP = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]{2,}|\d[A-Za-z]|\d\d")
# Words jieba should keep whole: the campaign's own vocabulary.
USER_WORDS = (
    "免申即享", "直达快享", "首贷", "续贷", "无还本续贷", "出口退税", "环评", "排污许可", "消防验收",
    "用地规划许可", "稳岗补贴", "人才公寓", "招聘会", "停车位", "停车难", "招工难", "融资难", "电力增容",
    "通行证", "知识产权", "子女入学", "随迁子女", "租金减免", "政策兑现", "工程款", "营业执照",
)


def _segmenter():
    """jieba's default tokenizer, loaded once per process and quietly (its log says how it loaded)."""
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for word in USER_WORDS:
                    tokenizer.add_word(word, freq=20000)
                _jieba = tokenizer
    return _jieba


@cache
def stop_words() -> frozenset[str]:
    path = Path(__file__).with_name("stopwords_zh.txt")
    return frozenset(
        line.strip() for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )


def tokenize(text: str) -> list[str]:
    """The terms of a text, in order: words of two or more characters (one-character words carry little
    in Chinese), without stop words, one-digit numbers and punctuation.

    jieba's search mode gives a compound and its parts (流动资金贷款 → 流动, 资金, 流动资金, 贷款,
    流动资金贷款), so that 银行贷款 and 流动资金贷款 share 贷款: on the labelled set it raised the
    clusters' adjusted Rand index from 0.85 to 0.98. HMM off: the same text always gives the same terms."""
    if not text:
        return []
    stop = stop_words()
    return [
        word for word in _segmenter().lcut_for_search(text, HMM=False)
        if len(word) > 1 and word not in stop and _KEEP.search(word)
    ]


def appeal_text(title: str, description: str) -> str:
    # The title says what the problem is; counted twice so that it weighs more than the story around it.
    return f"{title}。{title}。{description}"


def term_weights(terms: list[str]) -> dict[str, float]:
    """Each distinct term's weight in its document: (1 + log tf), normalised to unit length. The inverse
    document frequency is applied at query time, as it changes with every appeal raised."""
    counts = Counter(terms)
    weights = {term: 1.0 + math.log(n) for term, n in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {term: w / norm for term, w in weights.items()}
