"""`{{ form|bootstrap }}` draws what crispy-forms' bootstrap5 pack draws, for every form of the
app, fresh and with errors, and for every kind of topic question."""

from collections.abc import Callable

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.html import parse_html
from django.utils.safestring import mark_safe

from agents.forms import AgentAuthenticationForm, AlertPreferencesForm, CallerTicketForm
from agents.views_ticket import ACTIONS
from helpdesk.bootstrap import bootstrap, bootstrap_field
from portal import forms as portal_forms
from tests.conftest import Cast, OpenTicket
from tickets.models import HelpTopicField, Ticket
from tickets.operations import resolve

MakeForm = Callable[[], forms.BaseForm]
FORM_KEY = "the-same-key-for-both-drawings"


def assert_drawn_as_crispy_draws(make: MakeForm) -> str:
    """Each renderer gets a form of its own: crispy adds its classes to the widgets."""
    fast, crispy = bootstrap(make()), as_crispy_form(make())
    assert parse_html(fast) == parse_html(crispy), f"\n{fast}\n---\n{crispy}"
    return fast


def judged(form: forms.BaseForm) -> forms.BaseForm:
    form.is_valid()
    return form


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("state", ["open", "resolved"])
def test_the_ticket_pages_forms(
    cast: Cast, open_ticket: OpenTicket, action: str, state: str
) -> None:
    ticket = open_ticket()
    if state == "resolved":
        resolve(
            ticket, by=cast.tier1, root_cause="Cable", resolution="Replugged", category="incident"
        )
        ticket.refresh_from_db()
    form_class = ACTIONS[action].form

    def fresh() -> forms.BaseForm:
        return form_class(ticket=ticket, agent=cast.tier1, prefix=action)

    def refused() -> forms.BaseForm:
        form = judged(form_class({}, ticket=ticket, agent=cast.tier1, prefix=action))
        form.add_error(None, "Someone changed it <meanwhile>.")
        return form

    assert_drawn_as_crispy_draws(fresh)
    drawn = assert_drawn_as_crispy_draws(refused)
    assert "Someone changed it &lt;meanwhile&gt;." in drawn


@pytest.mark.parametrize(
    "make",
    [
        CallerTicketForm,
        lambda: judged(CallerTicketForm({"email": "not an email", "source": "phone"})),
        AgentAuthenticationForm,
        lambda: judged(AgentAuthenticationForm(data={"username": "x", "password": "y"})),
        AlertPreferencesForm,
        portal_forms.ReplyForm,
        lambda: judged(portal_forms.ReplyForm({"body": ""})),
        portal_forms.CloseForm,
        portal_forms.ReopenForm,
        portal_forms.StatusLookupForm,
        lambda: judged(portal_forms.StatusLookupForm({"email": "x", "number": "<b>"})),
        portal_forms.RegisterForm,
        lambda: portal_forms.NewTicketForm(initial={"form_key": FORM_KEY}),
        lambda: judged(portal_forms.NewTicketForm({"subject": "x" * 300, "form_key": FORM_KEY})),
    ],
)
def test_the_other_forms(cast: Cast, make: MakeForm) -> None:
    assert_drawn_as_crispy_draws(make)


def test_the_password_form(cast: Cast) -> None:
    def make() -> forms.BaseForm:
        return judged(PasswordChangeForm(cast.tier1.user, {"old_password": "wrong"}))

    assert_drawn_as_crispy_draws(make)


@pytest.mark.parametrize("kind", HelpTopicField.Kind.values)
@pytest.mark.parametrize("required", [True, False])
def test_every_kind_of_topic_question(kind: str, required: bool) -> None:
    question = HelpTopicField(
        pk=7,
        label="Affected <service>",
        help_text="As it appears in the <b>service catalogue</b>.",
        kind=kind,
        required=required,
        choices="VPN\nMail & calendar",
    )

    class Questions(forms.Form):
        q = portal_forms.topic_field(question)

    def answered(data: dict[str, str] | None) -> forms.BoundField:
        form = judged(Questions(data))
        if data is not None:
            form.add_error("q", "Needed <now>.")
        return form["q"]

    for data in (None, {"q": ""}):
        fast = bootstrap_field(answered(data))
        assert parse_html(fast) == parse_html(as_crispy_field(answered(data)))
        assert "Affected &lt;service&gt;" in fast


class Odd(forms.Form):
    """What the app's forms do not use yet, drawn the same way all the same."""

    error_css_class = "has-error"
    required_css_class = "is-required"

    unlabelled = forms.CharField(label="", required=False)
    locked = forms.CharField(disabled=True, initial="fixed")
    picked = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)
    upload = forms.FileField(required=False, disabled=True, help_text="Up to 10 MB.")
    agreed = forms.BooleanField()
    secret = forms.CharField(widget=forms.HiddenInput, initial=mark_safe("<x>"))  # noqa: S308
    day = forms.SplitDateTimeField(required=False)


@pytest.mark.parametrize(
    "make",
    [
        Odd,
        lambda: judged(Odd({"upload": ""}, {"upload": SimpleUploadedFile("a.txt", b"")})),
        lambda: judged(Odd({"picked": ["z"]})),
    ],
)
def test_fields_the_app_does_not_use_yet(make: MakeForm) -> None:
    assert_drawn_as_crispy_draws(make)


def test_user_text_stays_text(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket: Ticket = open_ticket()
    payload = '"><script>alert(1)</script>'
    form = ACTIONS["note"].form(
        {"note-body": payload}, ticket=ticket, agent=cast.tier1, prefix="note"
    )
    form.add_error("body", payload)

    drawn = bootstrap(form)

    assert "<script>" not in drawn and "&lt;script&gt;" in drawn
