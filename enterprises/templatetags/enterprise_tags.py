"""The directory's rows, written in Python: drawn by the template, a page of 25 enterprises took longer than
the page's statements together. The markup is the template's as it was."""

from html import escape

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from enterprises.models import EnterpriseStatus
from liaison.templatetags.liaison_urls import url_of

register = template.Library()


@register.simple_tag
def enterprise_rows(enterprises) -> str:
    """A `<tr>` per enterprise (with `current_cadre_id` and `current_cadre_name`, and its street read)."""
    above_scale = f'<span class="badge text-bg-light border">{escape(_("Above scale"))}</span>'
    high_tech = f'<span class="badge bg-info-subtle text-info-emphasis border">{escape(_("High-tech"))}</span>'
    closed = f'<span class="badge text-bg-secondary">{escape(_("Closed"))}</span>'
    unpaired = f'<span class="text-danger">{escape(_("Unpaired"))}</span>'
    rows = []
    for e in enterprises:
        street = e.street.name if e.street_id is not None else ""
        if e.current_cadre_id:
            cadre = f'<a href="{url_of(e.current_cadre_id, "cadre-detail")}">{escape(e.current_cadre_name)}</a>'
        else:
            cadre = unpaired
        rows.append(
            f'\n  <tr>\n    <td><a href="{url_of(e.pk, "enterprise-detail")}">{escape(e.name)}</a>\n'
            f'      {above_scale if e.above_scale else ""}\n'
            f'      {high_tech if e.high_tech else ""}\n'
            f'      {closed if e.status == EnterpriseStatus.CLOSED else ""}</td>\n'
            f'    <td class="d-none d-lg-table-cell font-monospace small">{escape(e.credit_code)}</td>\n'
            f'    <td class="d-none d-md-table-cell small">{escape(e.industry_section)} '
            f'{escape(e.get_industry_division_display() or e.get_industry_section_display())}</td>\n'
            f'    <td class="d-none d-md-table-cell small">{escape(street or "—")}</td>\n'
            f'    <td class="small">{cadre}</td>\n'
            f'  </tr>\n  '
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped above
