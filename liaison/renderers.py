"""A form renderer that writes the commonest widgets in Python.

Django renders every widget, and every <option> of a select, through a template include; a filter form
with a few selects (21 industry sections, statuses, yes/no choices) spent more time there than the page
spent on its query. FastRenderer writes <select> with its options, <input> and <textarea> exactly as
Django's templates do (tests/test_renderers.py compares the two on the pages' forms) and leaves every
other template (radio buttons, pickers' own, multi-widgets) to Django.
"""

from __future__ import annotations

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape

INPUT_TEMPLATES = {
    f"django/forms/widgets/{kind}.html"
    for kind in ("input", "text", "number", "date", "hidden", "email", "url", "password", "search", "tel",
                 "datetime", "time")
}
SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
TEXTAREA = "django/forms/widgets/textarea.html"


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html"""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {conditional_escape(name)}")
        if value is not True:
            out.append(f'="{conditional_escape(str(value))}"')
    return "".join(out)


def _text(value) -> str:
    """`{{ value }}`: localized, then escaped unless already safe."""
    return str(conditional_escape(localize(value)))


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{conditional_escape(str(widget["value"]))}"'
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _textarea(widget: dict) -> str:
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _select(widget: dict) -> str | None:
    out = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION:
                return None  # an option of its own: Django renders the whole select
            out.append(f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                       f'{_attrs(option["attrs"])}>{_text(option["label"])}</option>\n')  # the include's own newline
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


class FastRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None:
            if template_name in INPUT_TEMPLATES:
                return _input(widget)
            if template_name == TEXTAREA:
                return _textarea(widget)
            if template_name == SELECT:
                html = _select(widget)
                if html is not None:
                    return html
        return super().render(template_name, context, request)


fast_renderer = FastRenderer()


class FastForm(forms.Form):
    """A form whose widgets render with FastRenderer."""

    default_renderer = fast_renderer
