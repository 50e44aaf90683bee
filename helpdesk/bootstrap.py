"""Forms in Bootstrap 5 markup, drawn in Python as crispy-forms' bootstrap5 pack draws them.

`{% load bootstrap %}{{ form|bootstrap }}` draws what `{{ form|crispy }}` draws. crispy draws
each field through half a dozen nested templates; the agent's ticket page holds a dozen forms,
and drawing them through crispy was half of the page's time. The fields a help desk's forms
are made of (inputs, text areas, select boxes, file inputs, hidden fields) are drawn here with
the same markup (tests/integration/test_bootstrap.py compares every form of the app with
crispy's drawing); any other field (check boxes, radio buttons, a current file, a widget made
of several) is handed to crispy.
"""

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.conf import settings
from django.forms.boundfield import BoundField
from django.forms.widgets import Input
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from helpdesk.form_renderer import attributes

register = template.Library()

DRAWN_HERE = (Input, forms.Textarea, forms.Select)
LEFT_TO_CRISPY = (forms.CheckboxInput, forms.RadioSelect, forms.MultiWidget)


@register.filter
def bootstrap(form: forms.BaseForm) -> SafeString:
    """The whole form: its non-field errors, then each field."""
    parts = [_non_field_errors(form), *(bootstrap_field(field) for field in form)]
    return mark_safe("".join(parts))  # noqa: S308 - each part is escaped where it is made


@register.filter
def bootstrap_field(field: BoundField) -> SafeString:
    """One field in its group: label, control, errors, help text."""
    widget = field.field.widget
    if field.is_hidden:
        return SafeString(field)  # Django's hidden input, as crispy draws it
    if not isinstance(widget, DRAWN_HERE) or isinstance(widget, LEFT_TO_CRISPY):
        return as_crispy_field(field)
    if isinstance(widget, forms.FileInput):
        drawn = _file_control(field)
        if drawn is None:
            return as_crispy_field(field)
        control = drawn
    else:
        control = _control(field) + _errors_and_help(field)
    extra = field.css_classes()
    return format_html(
        '<div id="div_{}" class="mb-3{}">{}{}</div>',
        field.auto_id,
        f" {extra}" if extra else "",
        _label(field),
        control,
    )


def _non_field_errors(form: forms.BaseForm) -> str:
    errors = form.non_field_errors()
    if not errors:
        return ""
    items = "".join(f"<li>{conditional_escape(error)}</li>" for error in errors)
    return f'<div class="alert alert-block alert-danger"><ul class="m-0">{items}</ul></div>'


def _label(field: BoundField) -> str:
    if not field.label:
        return ""
    required = field.field.required
    target = f' for="{field.id_for_label}"' if field.id_for_label else ""
    return format_html(
        '<label{} class="form-label{}">{}{}</label>',
        mark_safe(target),  # noqa: S308 - an id Django made from the field's name
        " requiredField" if required else "",
        field.label,
        mark_safe('<span class="asteriskField">*</span>') if required else "",
    )


def _control(field: BoundField) -> SafeString:
    """The widget with crispy's classes: its own class name, Bootstrap's, is-invalid."""
    widget = field.field.widget
    name = type(widget).__name__.lower()
    name = getattr(settings, "CRISPY_CLASS_CONVERTERS", {}).get(name, name)
    css = widget.attrs.get("class", "")
    if not css:
        css = name
    elif name not in css:  # crispy's test: a substring is enough
        css += f" {name}"
    bootstrap_class = "form-select" if isinstance(widget, forms.Select) else "form-control"
    for added in (bootstrap_class, "is-invalid") if field.errors else (bootstrap_class,):
        if added not in css.split():
            css += f" {added}"
    return field.as_widget(attrs={"class": css})


def _file_control(field: BoundField) -> SafeString | None:
    """crispy's file input, drawn from the widget's parts; None when a current file would
    be shown (crispy draws that)."""
    drawn = []
    invalid = bool(field.errors)
    for subwidget in field.subwidgets:
        data = subwidget.data
        if data.get("is_initial"):
            return None
        own = data["attrs"].get("class")
        css = f"form-control{f' {own}' if own else ''}{' is-invalid' if invalid else ''}"
        others = {name: value for name, value in data["attrs"].items() if name != "class"}
        drawn.append(
            format_html(
                '<div{}><input type="{}" name="{}" class="{}"{}{}>{}</div>',
                mark_safe(' class="is-invalid"' if invalid else ""),  # noqa: S308 - literal
                data["type"],
                data["name"],
                css,
                mark_safe(" disabled" if field.field.disabled else ""),  # noqa: S308 - literal
                mark_safe(attributes(others)),  # noqa: S308 - attributes() escapes each value
                _errors_and_help(field),
            )
        )
    return mark_safe("".join(drawn))  # noqa: S308 - format_html escaped each part


def _errors_and_help(field: BoundField) -> SafeString:
    parts = []
    if field.errors:
        paragraphs = "".join(
            format_html('<p id="error_{}_{}"><strong>{}</strong></p>', number, field.auto_id, error)
            for number, error in enumerate(field.errors, start=1)
        )
        parts.append(
            format_html(
                '<div id="{}_error" class="invalid-feedback">{}</div>',
                field.errors.field_id,
                mark_safe(paragraphs),  # noqa: S308 - format_html escaped each error
            )
        )
    if field.help_text:
        helptext_id = format_html('id="{}_helptext" ', field.auto_id) if field.auto_id else ""
        # Help text is the app's own, and crispy draws it unescaped too (`|safe`).
        parts.append(f'<div {helptext_id}class="form-text">{field.help_text}</div>')
    return mark_safe("".join(parts))  # noqa: S308 - escaped above; help text is ours
