"""The portal's forms. Domain rules (topic questions, attachment checks) live in `tickets`;
these forms draw the fields, keep what the user typed and turn refusals into field errors."""

import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.http import HttpRequest
from django.urls import reverse

from helpdesk.db import ID_DIGITS
from helpdesk.remembered import remembered_copy
from helpdesk.uploads import MultipleFileField
from tickets import fields as topic_fields
from tickets import notifications
from tickets.models import Contact, HelpTopic, HelpTopicField, phone_validator

User = get_user_model()
Kind = HelpTopicField.Kind
MAX_MESSAGE = 20_000
number_validator = RegexValidator(r"^#?\s*\d{6,12}$", "Enter the ticket number, like 12345678.")
form_key_validator = RegexValidator(r"^[A-Za-z0-9_-]{16,64}$", "Reload the page and try again.")


class HoneypotMixin(forms.Form):
    """A field people never see (hidden by CSS, skipped by the keyboard); bots fill it in."""

    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise ValidationError("This form could not be sent. Please try again.")
        return ""


def attachments_field() -> MultipleFileField:
    return MultipleFileField(
        label="Attachments",
        help_text="Screenshots, PDFs or log files. Optional.",
    )


class JudgedByTickets:
    """A topic question's field draws the input (and the browser's hints, "required"
    included); `tickets.fields` judges the answer, so the form does not judge it twice."""

    def validate(self, value: Any) -> None:
        return None


class QuestionText(JudgedByTickets, forms.CharField):
    pass


class QuestionFile(JudgedByTickets, forms.FileField):
    pass


class QuestionChoices(JudgedByTickets, forms.Field):
    pass


def topic_field(definition: HelpTopicField) -> forms.Field:
    """A form field for one of a topic's questions."""
    options = [(option, option) for option in definition.options]
    common = {
        "label": definition.label,
        "help_text": definition.help_text,
        "required": definition.required,
    }
    if definition.kind == Kind.FILE:
        return QuestionFile(**common)
    if definition.kind == Kind.MULTIPLE:
        return QuestionChoices(widget=forms.CheckboxSelectMultiple(choices=options), **common)
    widget: forms.Widget = {
        Kind.PARAGRAPH: forms.Textarea(attrs={"rows": 3}),
        Kind.EMAIL: forms.EmailInput(),
        Kind.NUMBER: forms.NumberInput(attrs={"step": "any"}),
        Kind.DATE: forms.DateInput(attrs={"type": "date"}),
        Kind.CHOICE: forms.Select(choices=[("", "Choose…"), *options]),
    }.get(definition.kind, forms.TextInput(attrs={"maxlength": "255"}))
    return QuestionText(widget=widget, strip=False, **common)


class TopicChoiceField(forms.ModelChoiceField):
    # The topic the form already looked up to ask its questions: the same look-up, not redone.
    chosen: HelpTopic | None = None

    def label_from_instance(self, obj: HelpTopic) -> str:
        return obj.full_name

    def to_python(self, value: Any) -> HelpTopic | None:
        if self.chosen is not None and str(value) == str(self.chosen.pk):
            return self.chosen
        return super().to_python(value)


def offered_topic(pk: int) -> HelpTopic | None:
    """The offered topic `pk` with what opening a ticket reads from it (its routing), as of
    the desk's configuration: remembered, since every new ticket asks for its topic."""
    routing = ("department__default_sla_plan", "default_priority", "sla_plan")
    return remembered_copy(
        f"portal:topic:{pk}",
        lambda: HelpTopic.objects.offered().select_related(*routing).filter(pk=pk).first(),
    )


class NewTicketForm(HoneypotMixin):
    """Open a ticket: contact details (guests only), topic and its questions, the problem."""

    name = forms.CharField(label="Your name", max_length=120)
    email = forms.EmailField(label="Email address", max_length=254)
    phone = forms.CharField(
        label="Phone",
        max_length=32,
        required=False,
        validators=[phone_validator],
        help_text="Optional: if calling you is quicker.",
    )
    topic = TopicChoiceField(
        label="Help topic",
        queryset=HelpTopic.objects.none(),
        empty_label="Choose what it is about…",
        error_messages={"invalid_choice": "Choose one of the help topics in the list."},
    )
    subject = forms.CharField(label="Subject", max_length=255, help_text="A short summary.")
    body = forms.CharField(
        label="What happened?",
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="In your own words: the exact error message, what you were doing, "
        "and how many people are affected.",
    )
    attachments = attachments_field()
    form_key = forms.CharField(widget=forms.HiddenInput, validators=[form_key_validator])

    def __init__(self, *args: Any, contact: Contact | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contact = contact
        if contact is not None:  # signed in: the account says who is asking
            for name in ("name", "email", "phone"):
                del self.fields[name]
        self.fields["topic"].queryset = HelpTopic.objects.offered()
        self.fields["form_key"].initial = secrets.token_urlsafe(24)
        # Not `self.topic`: templates would find the "topic" field under that name first.
        self.chosen_topic = self.fields["topic"].chosen = self._chosen_topic()
        self.questions = topic_fields.fields_of(self.chosen_topic)
        for question in self.questions:
            self.fields[question.key] = topic_field(question)
        self.field_values: list[topic_fields.FieldValue] = []

    def _chosen_topic(self) -> HelpTopic | None:
        """The topic whose questions to ask: the submitted one, else the one to start with."""
        raw = (self.data if self.is_bound else self.initial).get("topic")
        if isinstance(raw, HelpTopic):
            return raw
        text = str(raw or "")
        return offered_topic(int(text)) if ID_DIGITS.fullmatch(text) else None

    @property
    def question_fields(self) -> list[forms.BoundField]:
        return [self[question.key] for question in self.questions]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.has_error("form_key"):  # hidden: say it where it shows
            self.add_error(None, "This form is incomplete: reload the page and send it again.")
        answers = {question.key: self._answer(question) for question in self.questions}
        try:
            self.field_values = topic_fields.check_answers(self.questions, answers)
        except topic_fields.InvalidFieldValues as refused:
            for key, message in refused.errors.items():
                self.add_error(key, message)
        return cleaned

    def _answer(self, question: HelpTopicField) -> topic_fields.Answer:
        if question.kind == Kind.MULTIPLE:
            return self.data.getlist(question.key) if hasattr(self.data, "getlist") else []
        return self.cleaned_data.get(question.key)

    @classmethod
    def initial_from(cls, data: Any) -> dict[str, Any]:
        """What the user typed, to draw the form again without judging it yet."""
        initial = {key: data.get(key) for key in data if not key.startswith("field_")}
        for key in data:
            if key.startswith("field_"):
                values = data.getlist(key)
                initial[key] = values if len(values) > 1 else values[0]
        return initial


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Your message", max_length=MAX_MESSAGE, widget=forms.Textarea(attrs={"rows": 5})
    )
    attachments = attachments_field()


class CloseForm(forms.Form):
    reason = forms.CharField(
        label="Why are you closing it? (optional)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="What is still wrong?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StatusLookupForm(HoneypotMixin):
    email = forms.EmailField(label="Email address", max_length=254)
    number = forms.CharField(label="Ticket number", max_length=14, validators=[number_validator])


class RegisterForm(HoneypotMixin):
    name = forms.CharField(label="Your name", max_length=120)
    email = forms.EmailField(label="Email address", max_length=150)
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            name = cleaned.get("name", "")
            probe = User(username=cleaned.get("email", ""), first_name=name, email=name)
            try:
                password_validation.validate_password(first, probe)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class SignInForm(AuthenticationForm):
    """Django's sign-in form, asking for the email (customers' usernames are their emails)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an account. If you have just "
        "registered, confirm your email address first.",
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Email address (or username)"

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class VerifyForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ProfileForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=120)
    phone = forms.CharField(
        label="Phone", max_length=32, required=False, validators=[phone_validator]
    )


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form; the email goes through the outbox and the worker, not the request."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context["user"]
        path = reverse(
            "portal:password_reset_confirm",
            kwargs={"uidb64": context["uid"], "token": context["token"]},
        )
        notifications.queue_email(
            "password_reset",
            to=(to_email, user.get_full_name()),
            values={"reset_url": f"{settings.SITE_URL}{path}"},
        )
