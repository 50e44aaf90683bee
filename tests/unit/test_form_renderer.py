"""The fast select renderer draws exactly what Django's templates draw."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from helpdesk.form_renderer import FastSelectRenderer

CHOICES = [
    ("", "— any —"),
    ("1", "P1 Emergency"),
    ("2", 'Quotes " & <tags> in a label'),
    (3, mark_safe("<b>safe</b> label")),  # noqa: S308 - testing how safe labels are kept
]
GROUPED = [
    ("Service Desk", [("a", "Alex"), ("s", "Sam")]),
    ("Sys<Admin>", [("p", "Priya")]),
    ("x", "Ungrouped"),
]


def both(widget: forms.Widget, name: str, value: object) -> tuple[str, str]:
    fast = widget.render(name, value, renderer=FastSelectRenderer())
    django = widget.render(name, value, renderer=DjangoTemplates())
    return fast, django


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (forms.Select(choices=CHOICES), "2"),
        (forms.Select(choices=CHOICES), None),
        (forms.Select(choices=CHOICES, attrs={"class": "form-select", "required": True}), 3),
        (forms.Select(choices=CHOICES, attrs={"disabled": False, "aria-label": 'a "b"'}), ""),
        (forms.Select(choices=GROUPED), "p"),
        (forms.SelectMultiple(choices=GROUPED), ["a", "x"]),
        (forms.NullBooleanSelect(), True),
        (forms.Select(choices=[]), None),
    ],
)
def test_selects_are_drawn_as_djangos_templates_draw_them(
    widget: forms.Widget, value: object
) -> None:
    fast, django = both(widget, 'na"me', value)

    assert fast == django


def test_other_widgets_still_use_their_templates() -> None:
    fast, django = both(forms.TextInput(attrs={"class": "form-control"}), "subject", "Hi <b>")

    assert fast == django
    assert 'value="Hi &lt;b&gt;"' in fast


def test_a_select_with_its_own_option_template_uses_the_templates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    widget = forms.Select(choices=CHOICES)
    widget.option_template_name = "django/forms/widgets/radio_option.html"
    drawn: list[str] = []
    original = DjangoTemplates.render

    def spy(self: DjangoTemplates, template_name: str, *args: object, **kwargs: object) -> str:
        drawn.append(template_name)
        return original(self, template_name, *args, **kwargs)

    monkeypatch.setattr(DjangoTemplates, "render", spy)
    widget.render("priority", "1", renderer=FastSelectRenderer())

    assert drawn == ["django/forms/widgets/select.html"]
