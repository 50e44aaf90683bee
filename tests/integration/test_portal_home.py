"""The portal's start page and the health check."""

from unittest import mock

import pytest
from django.db import DatabaseError
from django.test import Client

from tests.conftest import Cast
from tickets.models import HelpTopic


def test_the_start_page_lists_only_topics_end_users_may_choose(cast: Cast, client: Client) -> None:
    HelpTopic.objects.create(name="Change Request", department=cast.sysadmin, is_public=False)
    HelpTopic.objects.create(name="Fax machines", department=cast.sysadmin, is_active=False)
    cast.networking.is_active = False
    cast.networking.save()
    HelpTopic.objects.create(name="Wi-Fi", department=cast.networking)
    HelpTopic.objects.create(name="Printers", parent=cast.general, department=cast.service_desk)

    page = client.get("/").content.decode()

    assert "General Inquiry / Printers" in page
    assert "Business Critical Outage" in page
    for hidden in ("Change Request", "Fax machines", "Wi-Fi"):
        assert hidden not in page


def test_topic_names_are_escaped(cast: Cast, client: Client) -> None:
    HelpTopic.objects.create(name="<script>alert(1)</script>", department=cast.service_desk)

    page = client.get("/").content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_start_page_costs_the_same_queries_however_many_topics(
    cast: Cast, client: Client, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(1):
        client.get("/")
    for number in range(20):
        parent = HelpTopic.objects.create(
            name=f"Area {number}", parent=cast.general, department=cast.service_desk
        )
        HelpTopic.objects.create(name="Sub", parent=parent, department=cast.service_desk)

    with django_assert_max_num_queries(1):
        client.get("/")


def test_an_unknown_page_gets_the_friendly_404(db: None, client: Client) -> None:
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.django_db
def test_the_health_check_answers_any_host(client: Client) -> None:
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")

    assert response.status_code == 200
    assert response.content == b"ok\n"


@pytest.mark.django_db
def test_the_health_check_says_503_when_the_database_is_gone(client: Client) -> None:
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=DatabaseError):
        response = client.get("/healthz")

    assert response.status_code == 503
