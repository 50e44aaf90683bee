"""Django's form renderer, with select boxes drawn in Python.

Django draws every <option> by including a template; the agent panel's pages hold a dozen
select boxes with a few hundred options between them, and drawing those was a third of the
queue page's time. The HTML is the same as Django's templates produce, character for
character (tests/unit/test_form_renderer.py compares the two).
"""

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def attributes(attrs: dict[str, Any]) -> str:
    """` name="value"` for each attribute; True gives a bare name, False leaves it out."""
    return "".join(
        f" {name}" if value is True else f' {name}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def option(choice: dict[str, Any]) -> str:
    value = escape(choice["value"])  # |stringformat:'s' makes even safe strings plain
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


class FastSelectRenderer(DjangoTemplates):
    """Select boxes whose options use Django's own option template are drawn in Python; every
    other widget (and any select with a custom template) goes through the templates."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget")
        if (
            template_name == SELECT_TEMPLATE
            and widget is not None
            and all(
                choice["template_name"] == OPTION_TEMPLATE
                for _name, choices, _index in widget["optgroups"]
                for choice in choices
            )
        ):
            return select(widget)
        return super().render(template_name, context, request)
