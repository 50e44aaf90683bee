"""The fast select renderer draws exactly what Django's templates draw."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from helpdesk.form_renderer import FastWidgetRenderer
from helpdesk.uploads import MultipleFileInput

CHOICES = [
    ("", "— any —"),
    ("1", "P1 Emergency"),
    ("2", 'Quotes " & <tags> in a label'),
    (3, mark_safe("<b>safe</b> label")),  # noqa: S308 - testing how safe labels are kept
    (mark_safe("a&amp;b"), "A safe value"),  # noqa: S308 - testing how safe values are kept
]
GROUPED = [
    ("Service Desk", [("a", "Alex"), ("s", "Sam")]),
    ("Sys<Admin>", [("p", "Priya")]),
    ("x", "Ungrouped"),
]


def both(widget: forms.Widget, name: str, value: object) -> tuple[str, str]:
    fast = widget.render(name, value, renderer=FastWidgetRenderer())
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


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (forms.TextInput(attrs={"class": "form-control", "required": True}), "Hi <b>"),
        (forms.TextInput(attrs={"placeholder": mark_safe("&amp; safe")}), None),  # noqa: S308
        (forms.EmailInput(attrs={"disabled": False, "aria-describedby": 'x "y"'}), "a@b.example"),
        (forms.NumberInput(attrs={"min": 1, "max": 600}), 15),
        (forms.DateInput(attrs={"type": "date"}), "2026-11-23"),
        (forms.HiddenInput(), 7),
        (forms.PasswordInput(render_value=True), "s3cr<et"),
        (forms.URLInput(), ""),
        (forms.FileInput(attrs={"class": "form-control"}), None),
        (MultipleFileInput(), None),
        (forms.ClearableFileInput(attrs={"class": "x"}), None),
        (forms.Textarea(attrs={"rows": 3}), 'Line one\n<script>alert("x")</script>'),
        (forms.Textarea(), ""),
        (forms.Textarea(), None),
    ],
)
def test_inputs_and_text_areas_are_drawn_as_djangos_templates_draw_them(
    widget: forms.Widget, value: object
) -> None:
    fast, django = both(widget, 'na"me', value)

    assert fast == django


def test_user_text_is_escaped_in_inputs_and_text_areas() -> None:
    field, _ = both(forms.TextInput(), "subject", '"><script>x</script>')
    area, _ = both(forms.Textarea(), "body", "</textarea><script>x</script>")

    assert "<script>" not in field and "&quot;&gt;&lt;script&gt;" in field
    assert area.count("</textarea>") == 1 and "&lt;script&gt;" in area


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The templates the renderers draw from, in order."""
    names: list[str] = []
    original = DjangoTemplates.render

    def spy(self: DjangoTemplates, template_name: str, *args: object, **kwargs: object) -> str:
        names.append(template_name)
        return original(self, template_name, *args, **kwargs)

    monkeypatch.setattr(DjangoTemplates, "render", spy)
    return names


def test_a_select_with_its_own_option_template_uses_the_templates(drawn: list[str]) -> None:
    widget = forms.Select(choices=CHOICES)
    widget.option_template_name = "django/forms/widgets/radio_option.html"
    widget.render("priority", "1", renderer=FastWidgetRenderer())

    assert drawn == ["django/forms/widgets/select.html"]


@pytest.mark.parametrize(
    "widget",
    [
        forms.CheckboxInput(),
        forms.RadioSelect(choices=CHOICES),
        forms.CheckboxSelectMultiple(choices=CHOICES),
    ],
)
def test_other_widgets_still_use_their_templates(widget: forms.Widget, drawn: list[str]) -> None:
    fast = widget.render("field", "1", renderer=FastWidgetRenderer())

    assert drawn[0] == widget.template_name
    assert fast == widget.render("field", "1", renderer=DjangoTemplates())
