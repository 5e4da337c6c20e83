"""The analysis report as an official document: its prose (in the language it is issued in, as the
bulletin's rules are), its charts (PNG drawn on the server with Pillow, SVG on the page), the PDF
(WeasyPrint) and the Word document (python-docx), laid out after GB/T 9704: the title in a heavy
serif (方正小标宋's place, Noto Serif CJK Black), the body in a light serif (仿宋's place), headings
一、二、 in a sans bold (黑体's place), the issuing body and the date at the end."""

from __future__ import annotations

import base64
import functools
import io
import subprocess
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from analysis.models import AnalysisReport

NUMERALS = "一二三四五六七八九十"
CHART_BARS = 10
CHART_CACHE_SECONDS = 24 * 3600
RED = (155, 28, 28)
BLUE = (29, 95, 168)
GREY = (222, 226, 230)
INK = (33, 37, 41)
MUTED = (108, 117, 125)


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _n(value) -> str:
    return "0" if value is None else f"{value}"


# --- The prose ------------------------------------------------------------------------------------


@dataclass
class Section:
    number: str
    heading: str
    paragraphs: list[str]
    note: str


def _day(value: str) -> str:
    """An ISO date as an official document writes it: 2026年1月1日."""
    try:
        year, month, day = (int(part) for part in value.split("-"))
    except (AttributeError, ValueError):
        return value or ""
    return f"{year}年{month}月{day}日"


def _basics_text(figures: dict) -> list[str]:
    b = figures.get("basics", {})
    meetings, appeals, contact, deliveries = b.get("meetings", {}), b.get("appeals", {}), b.get("contact", {}), (
        b.get("deliveries", {}))
    period = figures.get("period", {})
    return [
        f"统计期间为{_day(period.get('start', ''))}至{_day(period.get('as_of', ''))}。"
        f"全区共有{_n(b.get('cadres_paired'))}名领导干部"
        f"与企业建立一对一结对关系，期间应联系服务企业{_n(contact.get('due'))}户次，已联系{_n(contact.get('contacted'))}户次，"
        f"月度联系率{_pct(contact.get('rate'))}；登记走访{_n(b.get('visits'))}次。",
        f"召开征求意见会、推进会等各类会议{_n(meetings.get('meetings'))}场，区级领导{_n(meetings.get('district_leaders'))}人、"
        f"处级领导{_n(meetings.get('division_leaders'))}人参加，邀请企业家{_n(meetings.get('entrepreneurs'))}人次，"
        f"收集问题{_n(meetings.get('issues'))}个，提出对策建议{_n(meetings.get('countermeasures'))}条。",
        f"受理企业诉求{_n(appeals.get('total'))}件（撤回{_n(appeals.get('withdrawn'))}件、不属于受理范围"
        f"{_n(appeals.get('out_of_scope'))}件，不计入比率），已办结{_n(appeals.get('resolved'))}件，"
        f"办结率{_pct(appeals.get('closure_rate'))}，按时办结率{_pct(appeals.get('on_time_rate'))}，"
        f"满意率{_pct(appeals.get('satisfaction'))}。惠企政策送达企业{_n(deliveries.get('enterprises'))}家、"
        f"{_n(deliveries.get('delivered'))}项次。",
    ]


def _top(rows: list[dict], n: int = 3) -> str:
    named = [row for row in rows if row["total"] and row["name"] != "—"][:n]
    return "、".join(f"{row['name']}（{row['total']}件）" for row in named) or "—"


def _problems_text(figures: dict) -> list[str]:
    p = figures.get("problems", {})
    streets = _top(p.get("by_street", []))
    paragraphs = [
        f"从问题类别看，企业诉求主要集中在{_top(p.get('by_category', []))}；从行业看，诉求较多的是"
        f"{_top(p.get('by_industry', []))}" + (f"；从街道看，诉求较多的是{streets}。" if streets != "—" else "。"),
    ]
    clusters = p.get("clusters", [])
    if clusters:
        gaps = [c["label"] for c in clusters if c.get("policy_gap")]
        paragraphs.append(
            f"经对期间诉求和会议问题的文本聚类分析，共形成{_n((p.get('run') or {}).get('clusters'))}类问题，"
            f"涉及企业较多的热点问题有{len(clusters)}类（见表2）。"
            + (f"其中“{'”“'.join(gaps)}”等问题涉及企业多但尚无对应对策或政策，或企业满意度偏低，需重点研究。"
               if gaps else "")
        )
    else:
        paragraphs.append("本期间尚未进行热点问题聚类分析。")
    return paragraphs


def _measures_text(figures: dict) -> list[str]:
    m = figures.get("measures", {})
    cm = m.get("countermeasures", {})
    status = {row["status"]: row["count"] for row in cm.get("by_status", [])}
    policies = m.get("policies", {})
    free = m.get("no_application_deliveries", {})
    return [
        f"期间各类会议共提出对策建议{_n(cm.get('total'))}条，其中已落实{_n(status.get('implemented'))}条、"
        f"已采纳{_n(status.get('adopted'))}条、研究中{_n(status.get('proposed'))}条。",
        f"期间发布惠企政策措施{_n(policies.get('total'))}项，其中免申即享{_n(policies.get('no_application'))}项；"
        f"通过免申即享直达{_n(free.get('enterprises'))}家企业、{_n(free.get('deliveries'))}项次。",
    ]


def countermeasures_note(figures: dict) -> str:
    """Under table 3 when it lists only the first rows."""
    countermeasures = figures.get("measures", {}).get("countermeasures", {})
    listed, total = len(countermeasures.get("rows", [])), countermeasures.get("total", 0)
    return f"注：期间共提出对策建议{total}条，表中列出前{listed}条。" if total > listed else ""


def sections(report: AnalysisReport) -> list[Section]:
    """The four sections: their prose from the frozen figures, and the staff's commentary."""
    figures = report.figures or {}
    return [
        Section("一", "基本情况", _basics_text(figures), report.basics_note),
        Section("二", "问题分析", _problems_text(figures), report.problems_note),
        Section("三", "对策建议及落实", _measures_text(figures), report.measures_note),
        Section("四", "下步工作", [], report.next_steps),
    ]


def paragraphs_of(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def issued_on(report: AnalysisReport) -> str:
    when = timezone.localtime(report.published_at) if report.published_at else timezone.localtime()
    return f"{when.year}年{when.month}月{when.day}日"


# --- The charts -----------------------------------------------------------------------------------


@dataclass
class Bars:
    title: str
    rows: list[tuple[str, float | None, str]]  # label, bar length 0..1, the value written beside it
    shares: bool = True  # the lengths are shares (a percent axis); else counts scaled to the longest


def chart_data(report: AnalysisReport) -> list[Bars]:
    """图1: appeals by category (share of all raised); 图2: the enterprises each hot cluster concerns."""
    problems = (report.figures or {}).get("problems", {})
    categories = problems.get("by_category", [])[:CHART_BARS]
    total = sum(row["total"] for row in problems.get("by_category", [])) or 0
    result = [Bars("图1  企业诉求按类别分布（占全部诉求比例）",
                   [(row["name"], row["total"] / total if total else None,
                     f"{_pct(row['total'] / total if total else None)}  {row['total']}件") for row in categories])]
    clusters = problems.get("clusters", [])
    if clusters:
        widest = max(c["enterprises"] for c in clusters) or 1
        result.append(Bars("图2  热点问题涉及企业数",
                           [(c["label"], c["enterprises"] / widest, f"{c['enterprises']}家") for c in clusters],
                           shares=False))
    return result


def chart_images(report: AnalysisReport) -> list[tuple[str, str]]:
    """The charts for the page, as the documents have them: (title, PNG data URI). Drawn once per
    computation of the figures (the cache key names it), since the texts do not change them."""
    stamp = report.computed_at.timestamp() if report.computed_at else 0
    key = f"analysis-report-charts:{report.pk}:{stamp}"
    images = cache.get(key)
    if images is None:
        images = [(bars.title, _data_uri(png)) for bars, png in zip(chart_data(report), chart_pngs(report),
                                                                       strict=True)]
        cache.set(key, images, CHART_CACHE_SECONDS)
    return [tuple(image) for image in images]


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@functools.cache
def _font_file(family: str) -> tuple[str, int] | None:
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}|%{index}", family], capture_output=True, text=True,
                               timeout=5, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    path, _sep, index = found.partition("|")
    return (path, int(index or 0)) if path else None


def _font(size: int, bold: bool = False):
    located = _font_file("Noto Sans CJK SC:bold" if bold else "Noto Sans CJK SC")
    if located:
        try:
            return ImageFont.truetype(located[0], size, index=located[1])
        except OSError:
            pass
    return ImageFont.load_default(size)


def _fit(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def chart_png(bars: Bars, *, color=RED) -> bytes:
    """A horizontal bar chart as a PNG (2× scale for print)."""
    width, row_h, top, bottom, label_w, value_w = 1600, 64, 110 if bars.shares else 90, 40, 420, 260
    plot_x, plot_w = label_w + 24, width - label_w - 24 - value_w
    height = top + row_h * max(len(bars.rows), 1) + bottom
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    title_font, font, small = _font(38, bold=True), _font(30), _font(26)
    draw.text((width / 2, 24), bars.title, font=title_font, fill=INK, anchor="mt")
    for tick in (0, 0.25, 0.5, 0.75, 1) if bars.shares else (0,):
        x = plot_x + plot_w * tick
        draw.line([(x, top - 12), (x, height - bottom)], fill=GREY, width=2)
        if bars.shares:
            draw.text((x, top - 16), f"{int(tick * 100)}%", font=small, fill=MUTED, anchor="mb")
    for index, (label, value, note) in enumerate(bars.rows):
        y = top + index * row_h
        mid = y + row_h / 2
        draw.text((label_w, mid), _fit(draw, label, font, label_w - 10), font=font, fill=INK, anchor="rm")
        if value is None:
            draw.rectangle([plot_x, y + 12, plot_x + plot_w, y + row_h - 12], outline=GREY, width=2)
        else:
            draw.rectangle([plot_x, y + 12, plot_x + max(plot_w * min(value, 1.0), 3), y + row_h - 12], fill=color)
        draw.text((plot_x + plot_w + 16, mid), note, font=small, fill=INK, anchor="lm")
    if not bars.rows:
        draw.text((width / 2, top + row_h / 2), "无数据", font=font, fill=MUTED, anchor="mm")
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


def chart_pngs(report: AnalysisReport) -> list[bytes]:
    return [chart_png(bars, color=RED if index == 0 else BLUE) for index, bars in enumerate(chart_data(report))]


# --- PDF -------------------------------------------------------------------------------------------


def _context(report: AnalysisReport) -> dict:
    from analysis.reports import report_issuer

    return {
        "report": report,
        "figures": report.figures or {},
        "sections": sections(report),
        "next_steps": paragraphs_of(report.next_steps),
        "issuer": report_issuer(),
        "issued_on": issued_on(report),
        "countermeasures_note": countermeasures_note(report.figures or {}),
    }


def report_pdf(report: AnalysisReport) -> bytes:
    """The report as an A4 PDF in the official layout, with its charts (WeasyPrint, imported here)."""
    from weasyprint import HTML

    images = [_data_uri(png) for png in chart_pngs(report)]
    html = render_to_string("analysis/report_pdf.html", {**_context(report), "charts": images})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


# --- Word ------------------------------------------------------------------------------------------

TITLE_FONT = "Noto Serif CJK SC Black"
BODY_FONT = "Noto Serif CJK SC"
HEADING_FONT = "Noto Sans CJK SC"


def _run(paragraph, text: str, *, font: str = BODY_FONT, size: float = 16, bold: bool = False):
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.font.size, run.font.bold, run.font.name = Pt(size), bold, font
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)
    return run


def _body(document, text: str, *, indent: bool = True, align=None):
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    paragraph.paragraph_format.first_line_indent = Pt(32) if indent else None
    paragraph.paragraph_format.line_spacing = Pt(28)
    paragraph.paragraph_format.space_after = Pt(0)
    if align is not None:
        paragraph.alignment = align
    _run(paragraph, text)
    return paragraph


def _table(document, header: list[str], rows: list[list[str]], caption: str):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    caption_paragraph = document.add_paragraph()
    caption_paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(caption_paragraph, caption, font=HEADING_FONT, size=12, bold=True)
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _run(cell.paragraphs[0], text, font=HEADING_FONT, size=10.5, bold=True)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            _run(cell.paragraphs[0], str(text), size=10.5)


def _page_number(section) -> None:
    """“— 1 —” centred in the footer (a PAGE field)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, "— ", size=14)
    run = _run(paragraph, "", size=14)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._element.append(element)
    _run(paragraph, " —", size=14)


def report_docx(report: AnalysisReport) -> bytes:
    """The report as a Word document in the official layout (A4, GB/T 9704 margins), with its charts."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    context = _context(report)
    figures = context["figures"]
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    _page_number(section)
    core = document.core_properties
    core.title, core.author = report.title, context["issuer"]

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(16)
    title.paragraph_format.line_spacing = Pt(36)
    _run(title, report.title, font=TITLE_FONT, size=22, bold=True)
    if report.version and report.version > 1:
        _body(document, f"（第{report.version}版，更正原因：{report.reason}）", indent=False,
              align=WD_ALIGN_PARAGRAPH.CENTER)

    pngs = chart_pngs(report)
    for item in context["sections"]:
        heading = document.add_paragraph()
        heading.paragraph_format.first_line_indent = Pt(32)
        heading.paragraph_format.line_spacing = Pt(28)
        heading.paragraph_format.space_before = Pt(6)
        _run(heading, f"{item.number}、{item.heading}", font=HEADING_FONT, size=16, bold=True)
        for text in item.paragraphs:
            _body(document, text)
        if item.number == "一":
            _basics_table(document, figures)
        if item.number == "二":
            for png in pngs:
                picture = document.add_paragraph()
                picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
                picture.add_run().add_picture(io.BytesIO(png), width=Mm(150))
            _clusters_table(document, figures)
        if item.number == "三":
            _countermeasures_table(document, figures)
        for text in paragraphs_of(item.note):
            _body(document, text)

    document.add_paragraph()
    for text in (context["issuer"], context["issued_on"]):
        signature = _body(document, text, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
        signature.paragraph_format.right_indent = Pt(32)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def _basics_table(document, figures: dict) -> None:
    b = figures.get("basics", {})
    m, a, c = b.get("meetings", {}), b.get("appeals", {}), b.get("contact", {})
    rows = [
        ["结对干部（人）", _n(b.get("cadres_paired"))], ["月度联系率", _pct(c.get("rate"))],
        ["走访（次）", _n(b.get("visits"))], ["召开会议（场）", _n(m.get("meetings"))],
        ["参会区级、处级领导（人）", f"{_n(m.get('district_leaders'))}、{_n(m.get('division_leaders'))}"],
        ["参会企业家（人次）", _n(m.get("entrepreneurs"))], ["收集问题（个）", _n(m.get("issues"))],
        ["对策建议（条）", _n(m.get("countermeasures"))], ["企业诉求（件）", _n(a.get("total"))],
        ["办结率", _pct(a.get("closure_rate"))],
    ]
    _table(document, ["项目", "数值"], rows, "表1  基本情况")


def _clusters_table(document, figures: dict) -> None:
    clusters = figures.get("problems", {}).get("clusters", [])
    if not clusters:
        return
    rows = [
        [str(i), c["label"], _n(c["problems"]), _n(c["enterprises"]), _pct(c.get("resolved_share")),
         "；".join(f"{case['enterprise']}：{case['title']}" for case in c.get("cases", [])[:2])]
        for i, c in enumerate(clusters, 1)
    ]
    _table(document, ["序号", "热点问题", "问题数", "企业数", "办结比例", "典型案例"], rows, "表2  热点问题及典型案例")


def _countermeasures_table(document, figures: dict) -> None:
    rows = figures.get("measures", {}).get("countermeasures", {}).get("rows", [])
    if not rows:
        return
    _table(document, ["序号", "对策建议", "提出会议", "状态"],
           [[str(i), r["text"], f"{r['meeting']}（{r['date']}）", r["status"]] for i, r in enumerate(rows, 1)],
           "表3  对策建议及落实情况")
    note = countermeasures_note(figures)
    if note:
        _body(document, note, indent=False)
