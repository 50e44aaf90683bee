"""Checking answers to a topic's extra questions (tickets.fields), channel-independent."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django import Settings

from tickets.fields import InvalidFieldValues, check_answers
from tickets.models import HelpTopicField

Kind = HelpTopicField.Kind


def question(
    kind: str, *, required: bool = False, choices: str = "", pk: int = 1
) -> HelpTopicField:
    return HelpTopicField(pk=pk, label="Q", kind=kind, required=required, choices=choices)


@pytest.mark.parametrize(
    ("kind", "raw", "stored"),
    [
        (Kind.TEXT, "  WS   2231 ", "WS 2231"),
        (Kind.PARAGRAPH, "line one\r\nline two", "line one\nline two"),
        (Kind.EMAIL, "Ann@Bank.TEST", "ann@bank.test"),
        (Kind.NUMBER, "1,200", "1200"),
        (Kind.NUMBER, "2.50", "2.5"),
        (Kind.NUMBER, "0", "0"),
        (Kind.NUMBER, "-1e29", "-" + "1" + "0" * 29),
        (Kind.NUMBER, "0.25e-3", "0.00025"),
        (Kind.DATE, "2026-03-02", "2026-03-02"),
    ],
)
def test_answers_are_cleaned(kind: str, raw: str, stored: str) -> None:
    (value,) = check_answers([question(kind)], {"field_1": raw})

    assert value.value == stored


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        (question(Kind.TEXT, required=True), "  ", "This question needs an answer."),
        (question(Kind.TEXT), "x" * 256, "Keep it to 255 characters"),
        (question(Kind.EMAIL), "not mail", "Enter a valid email address."),
        (question(Kind.NUMBER), "NaN", "Enter a number"),
        (question(Kind.NUMBER), "twelve", "Enter a number"),
        # Valid decimals whose digits took minutes to write out (or a server error).
        (question(Kind.NUMBER), "1e9999999", "Enter a number of at most 30 digits."),
        (question(Kind.NUMBER), "1e5000", "Enter a number of at most 30 digits."),
        (question(Kind.NUMBER), "1e-5000", "Enter a number of at most 30 digits."),
        (question(Kind.DATE), "02/03/2026", "Enter a date as YYYY-MM-DD"),
        (question(Kind.CHOICE, choices="A\nB"), "C", "Choose one of the options offered."),
        (question(Kind.MULTIPLE, choices="A\nB"), ["A", "Z"], "Choose only from the options"),
        (question(Kind.MULTIPLE, required=True, choices="A"), [], "Choose at least one option."),
        (question(Kind.FILE, required=True), None, "Attach a file."),
        (question(Kind.FILE), "not a file", "Attach a file."),
        (question(Kind.TEXT), ["a", "list"], "Enter a single value."),
    ],
)
def test_bad_answers_are_refused_per_question(
    field: HelpTopicField, raw: object, message: str
) -> None:
    with pytest.raises(InvalidFieldValues) as refused:
        check_answers([field], {"field_1": raw})

    assert message in refused.value.errors["field_1"]
    assert f"Q: {message}" in str(refused.value)


def test_multiple_choice_is_stored_in_the_admins_order_once_each() -> None:
    field = question(Kind.MULTIPLE, choices="Branch\nHome\nMobile")

    (value,) = check_answers([field], {"field_1": ["Mobile", "Branch", "Mobile"]})

    assert value.value == "Branch\nMobile"


def test_unanswered_optional_questions_are_left_out() -> None:
    assert check_answers([question(Kind.TEXT), question(Kind.FILE, pk=2)], {}) == []


def test_every_problem_is_reported_at_once() -> None:
    fields = [question(Kind.TEXT, required=True), question(Kind.NUMBER, pk=2)]

    with pytest.raises(InvalidFieldValues) as refused:
        check_answers(fields, {"field_2": "many"})

    assert set(refused.value.errors) == {"field_1", "field_2"}


def test_a_file_answer_goes_through_the_attachment_checks(settings: Settings) -> None:
    settings.HELPDESK_ATTACHMENT_EXTENSIONS = ["png"]

    with pytest.raises(InvalidFieldValues) as refused:
        check_answers([question(Kind.FILE)], {"field_1": SimpleUploadedFile("a.exe", b"MZ")})

    assert "not accepted" in refused.value.errors["field_1"]
