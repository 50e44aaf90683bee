"""A help topic's extra questions: which ones it asks, and checking the answers.

Every channel (portal form, inbound email, API) checks answers here, so a required
"Affected service" is required whichever way the ticket arrives. Answers come in as they
were submitted, keyed by `HelpTopicField.key`: a string, a list of strings for multiple
choice, an uploaded file for a file question.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email

from helpdesk.remembered import remembered_copy
from tickets.attachments import check_uploads
from tickets.errors import TicketError
from tickets.models import HelpTopic, HelpTopicField
from tickets.sanitize import clean_text

Kind = HelpTopicField.Kind
MAX_LINE = 255
MAX_PARAGRAPH = 5000
MAX_NUMBER_DIGITS = 30
Answer = str | list[str] | UploadedFile | None


@dataclass(frozen=True)
class FieldValue:
    """A checked answer: the text to store, and the file for a file question."""

    field: HelpTopicField
    value: str
    upload: UploadedFile | None = None


class InvalidFieldValues(TicketError):
    """Some answers were refused; `errors` maps each field's key to what is wrong with it."""

    def __init__(self, errors: dict[str, str], labels: dict[str, str]) -> None:
        self.errors = errors
        problems = "; ".join(f"{labels[key]}: {message}" for key, message in errors.items())
        super().__init__(f"Some answers need another look. {problems}")


def fields_of(topic: HelpTopic | None) -> list[HelpTopicField]:
    """The active questions a topic asks, in order (none for no topic)."""
    if topic is None:
        return []
    return remembered_copy(
        f"topic-fields:{topic.pk}",
        lambda: list(topic.fields.filter(is_active=True).order_by("order", "pk")),
    )


def check_answers(fields: list[HelpTopicField], answers: Mapping[str, Answer]) -> list[FieldValue]:
    """Check every answer against its question; raise `InvalidFieldValues` naming each problem.

    Unanswered optional questions are left out; unknown keys are ignored.
    """
    values, errors = [], {}
    for field in fields:
        try:
            value = _check(field, answers.get(field.key))
        except ValidationError as error:
            errors[field.key] = error.messages[0]
            continue
        if value is not None:
            values.append(value)
    if errors:
        raise InvalidFieldValues(errors, {field.key: field.label for field in fields})
    return values


def _check(field: HelpTopicField, answer: Answer) -> FieldValue | None:
    if field.kind == Kind.FILE:
        return _check_file(field, answer)
    if field.kind == Kind.MULTIPLE:
        return _check_multiple(field, answer)
    if not isinstance(answer, str | None):
        raise ValidationError("Enter a single value.")
    text = clean_text(answer or "").strip()
    if not text:
        if field.required:
            raise ValidationError("This question needs an answer.")
        return None
    if field.kind == Kind.PARAGRAPH:
        _require_length(text, MAX_PARAGRAPH)
        return FieldValue(field, text)
    text = " ".join(text.split())
    _require_length(text, MAX_LINE)
    return FieldValue(field, CHECKS.get(field.kind, _as_text)(field, text))


def _require_length(text: str, limit: int) -> None:
    if len(text) > limit:
        raise ValidationError(f"Keep it to {limit} characters (this is {len(text)}).")


def _as_text(field: HelpTopicField, text: str) -> str:
    return text


def _as_email(field: HelpTopicField, text: str) -> str:
    validate_email(text)
    return text.lower()


def _as_number(field: HelpTopicField, text: str) -> str:
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValidationError("Enter a number, like 12 or 2.5.") from None
    if not number.is_finite():
        raise ValidationError("Enter a number, like 12 or 2.5.")
    # "1e9999999" is a valid Decimal whose digits take minutes to write out.
    if number and abs(number.adjusted()) >= MAX_NUMBER_DIGITS:
        raise ValidationError(f"Enter a number of at most {MAX_NUMBER_DIGITS} digits.")
    return str(number.normalize()) if number != number.to_integral() else str(int(number))


def _as_date(field: HelpTopicField, text: str) -> str:
    try:
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValidationError("Enter a date as YYYY-MM-DD, like 2026-03-02.") from None


def _as_choice(field: HelpTopicField, text: str) -> str:
    if text not in field.options:
        raise ValidationError("Choose one of the options offered.")
    return text


CHECKS = {
    Kind.EMAIL: _as_email,
    Kind.NUMBER: _as_number,
    Kind.DATE: _as_date,
    Kind.CHOICE: _as_choice,
}


def _check_multiple(field: HelpTopicField, answer: Answer) -> FieldValue | None:
    chosen = [answer] if isinstance(answer, str) else answer or []
    if not isinstance(chosen, list) or not all(isinstance(option, str) for option in chosen):
        raise ValidationError("Choose from the options offered.")
    chosen = [option.strip() for option in chosen if option.strip()]
    if not chosen:
        if field.required:
            raise ValidationError("Choose at least one option.")
        return None
    if not set(chosen) <= set(field.options):
        raise ValidationError("Choose only from the options offered.")
    # Stored in the admin's order, once each, whatever order the browser sent.
    return FieldValue(field, "\n".join(option for option in field.options if option in chosen))


def _check_file(field: HelpTopicField, answer: Answer) -> FieldValue | None:
    if answer is None or answer == "":
        if field.required:
            raise ValidationError("Attach a file.")
        return None
    if not isinstance(answer, UploadedFile):
        raise ValidationError("Attach a file.")
    try:
        check_uploads([answer])
    except TicketError as refused:
        raise ValidationError(str(refused)) from None
    return FieldValue(field, answer.name or "attachment", answer)
