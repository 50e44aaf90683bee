"""Admins attach extra questions to a help topic in Django admin."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import Cast
from tickets.models import HelpTopicField


@pytest.fixture
def admin_client_(cast: Cast, client: Client) -> Client:
    cast.admin.user.is_staff = True
    cast.admin.user.save()
    client.force_login(cast.admin.user)
    return client


def topic_with_question(cast: Cast, **question: object) -> dict[str, object]:
    form: dict[str, object] = {
        "name": "Hardware",
        "department": cast.service_desk.pk,
        "is_public": "on",
        "is_active": "on",
        "sort_order": 10,
        "fields-TOTAL_FORMS": 1,
        "fields-INITIAL_FORMS": 0,
        "fields-0-order": 1,
        "fields-0-label": "Asset tag",
        "fields-0-kind": "text",
        "fields-0-is_active": "on",
    }
    form.update({f"fields-0-{key}": value for key, value in question.items()})
    return form


def test_a_question_is_added_with_its_topic(admin_client_: Client, cast: Cast) -> None:
    response = admin_client_.post(
        reverse("admin:tickets_helptopic_add"),
        topic_with_question(cast, required="on", help_text="On the label."),
    )

    assert response.status_code == 302
    question = HelpTopicField.objects.get()
    assert (question.topic.name, question.label, question.required) == (
        "Hardware",
        "Asset tag",
        True,
    )


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ({"kind": "choice", "choices": "  \n "}, "List at least one option"),
        ({"kind": "text", "choices": "A\nB"}, "Only choice lists and multiple choice have options"),
    ],
)
def test_questions_with_inconsistent_options_are_refused(
    admin_client_: Client, cast: Cast, question: dict[str, str], message: str
) -> None:
    response = admin_client_.post(
        reverse("admin:tickets_helptopic_add"), topic_with_question(cast, **question)
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not HelpTopicField.objects.exists()
