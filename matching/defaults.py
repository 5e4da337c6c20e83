"""Defaults for the editable tables: used when staff have not set a row yet.

A unit's competence is guessed from keywords in its name (工信 → C, 商务 → F/H...) until staff set
it on the matching settings page; street offices serve every industry of their own street, which
the street factor already counts, so they get no section here.
"""

from __future__ import annotations

# (keyword in the unit's name, sections, divisions): every matching keyword adds its sections.
UNIT_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("工业", "C"),
    ("工信", "CI"),
    ("经信", "CI"),
    ("经济和信息化", "CI"),
    ("信息化", "I"),
    ("数据", "I"),
    ("科技", "IM"),
    ("科学技术", "IM"),
    ("发展和改革", "DE"),
    ("发改", "DE"),
    ("商务", "FH"),
    ("商贸", "F"),
    ("投资促进", "LF"),
    ("招商", "LF"),
    ("住房", "EK"),
    ("住建", "EK"),
    ("城乡建设", "EK"),
    ("自然资源", "K"),
    ("城市管理", "EN"),
    ("生态环境", "N"),
    ("水务", "DN"),
    ("交通", "G"),
    ("港口", "G"),
    ("物流", "G"),
    ("邮政", "G"),
    ("农业", "A"),
    ("农村", "A"),
    ("林业", "A"),
    ("海洋", "A"),
    ("文化", "R"),
    ("旅游", "HR"),
    ("文旅", "HR"),
    ("体育", "R"),
    ("金融", "J"),
    ("财政", "J"),
    ("税务", "FJ"),
    ("市场监督", "FH"),
    ("人力资源", "LO"),
    ("司法", "L"),
    ("营商", "L"),
    ("卫生", "Q"),
    ("医疗", "Q"),
    ("教育", "P"),
    ("民政", "OQ"),
    ("应急", "BD"),
    ("工商业联合会", "CF"),
    ("工商联", "CF"),
)

# How each professional category suits the industry sections: (strong, some).
# Keyed by liaison.models.Category values (plain strings: the benchmark runs without Django).
CATEGORY_FIT: dict[str, tuple[str, str]] = {
    "economy": ("J", "CDFGKL"),
    "industry": ("CI", "DM"),
    "construction": ("EK", "CDN"),
    "commerce": ("F", "GHL"),
    "law": ("", "FHLMQ"),
    "culture": ("HR", "P"),
    "social": ("OPQ", "L"),
    "administration": ("", ""),
}


def unit_sections_from_name(name: str, kind: str) -> str:
    """The sections a unit is guessed competent for, from its name."""
    if kind == "street":
        return ""
    letters = {letter for keyword, sections in UNIT_KEYWORDS if keyword in name for letter in sections}
    return "".join(sorted(letters))
