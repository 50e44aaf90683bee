"""Django's form renderer, with select boxes, inputs and text areas drawn in Python.

Django draws every <option> by including a template; the agent panel's pages hold a dozen
select boxes with a few hundred options between them, and drawing those was a third of the
queue page's time. Inputs and text areas are two template includes each, and the ticket page
draws forty of them. The HTML is the same as Django's templates produce, character for
character (tests/unit/test_form_renderer.py compares the two).
"""

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"
CLEARABLE_FILE_TEMPLATE = "django/forms/widgets/clearable_file_input.html"
# Django's widgets whose template is nothing but an include of input.html.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "email", "number", "date", "hidden", "file", "password", "url")
)

# Values are drawn with conditional_escape(): Django's templates draw them through
# `|stringformat:'s'`, which keeps a safe string safe and leaves the rest to be escaped.


def attributes(attrs: dict[str, Any]) -> str:
    """` name="value"` for each attribute; True gives a bare name, False leaves it out."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def text_input(widget: dict[str, Any]) -> SafeString:
    kind, name = conditional_escape(widget["type"]), conditional_escape(widget["name"])
    value = "" if widget["value"] is None else f' value="{conditional_escape(widget["value"])}"'
    html = f'<input type="{kind}" name="{name}"{value}{attributes(widget["attrs"])}>'
    return mark_safe(html)  # noqa: S308 - every value above is escaped


def textarea(widget: dict[str, Any]) -> SafeString:
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    name = conditional_escape(widget["name"])
    html = f'<textarea name="{name}"{attributes(widget["attrs"])}>\n{value}</textarea>'
    return mark_safe(html)  # noqa: S308 - every value above is escaped


def option(choice: dict[str, Any]) -> str:
    value = conditional_escape(choice["value"])
    label = conditional_escape(choice["label"])
    return f'<option value="{value}"{attributes(choice["attrs"])}>{label}</option>'


def select(widget: dict[str, Any]) -> SafeString:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{attributes(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        # Django includes one template per option; its final newline comes along.
        parts.extend(f"\n  {option(choice)}\n" for choice in group_choices)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def _drawn_in_python(template_name: str, widget: dict[str, Any]) -> SafeString | None:
    """The widget's HTML, or None for a template this module does not know."""
    if template_name in INPUT_TEMPLATES:
        return text_input(widget)
    if template_name == TEXTAREA_TEMPLATE:
        return textarea(widget)
    if template_name == CLEARABLE_FILE_TEMPLATE and not widget["is_initial"]:
        # The template's first lines draw only the current file, which a new upload lacks.
        return text_input({**widget, "value": None})
    if template_name == SELECT_TEMPLATE and all(
        choice["template_name"] == OPTION_TEMPLATE
        for _name, choices, _index in widget["optgroups"]
        for choice in choices
    ):
        return select(widget)
    return None


class FastWidgetRenderer(DjangoTemplates):
    """Select boxes whose options use Django's own option template, inputs and text areas
    are drawn in Python; every other widget (and any widget with a custom template) goes
    through the templates."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget")
        drawn = None if widget is None else _drawn_in_python(template_name, widget)
        if drawn is not None:
            return drawn
        return super().render(template_name, context, request)
