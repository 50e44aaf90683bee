"""Canned responses fill in a fixed set of variables and never run text as a template."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from tickets.models import Agent, CannedResponse, Contact, Department, Ticket


def ticket() -> Ticket:
    return Ticket(
        number="12345678",
        subject="VPN drops",
        requester=Contact(name="Grace Kim", email="grace.kim@northbank.example"),
        department=Department(name="Networking"),
    )


def agent() -> Agent:
    return Agent(user=User(username="noor", first_name="Noor", last_name="Haddad"))


def test_variables_are_filled_in_from_the_ticket_and_the_agent(settings: object) -> None:
    response = CannedResponse(
        body="Hi {{ requester_first_name }}, #{{ticket_number}} ({{ ticket_subject }}) is with "
        "{{ agent_name }} in {{ department_name }} at {{ desk_name }}; we write to "
        "{{ requester_email }}, {{ requester_name }}."
    )
    settings.HELPDESK_NAME = "North Bank IT"  # type: ignore[attr-defined]

    assert response.render(ticket(), agent()) == (
        "Hi Grace, #12345678 (VPN drops) is with Noor Haddad in Networking at North Bank IT; "
        "we write to grace.kim@northbank.example, Grace Kim."
    )


def test_template_code_in_the_body_or_the_ticket_is_left_as_text() -> None:
    shifty = ticket()
    shifty.subject = "{{ settings.SECRET_KEY }} {% debug %}"
    response = CannedResponse(body="{% load static %}{{ ticket_subject }} {{ unknown }}")

    assert response.render(shifty, agent()) == (
        "{% load static %}{{ settings.SECRET_KEY }} {% debug %} {{ unknown }}"
    )


def test_an_unknown_variable_is_refused_when_saved_in_admin() -> None:
    response = CannedResponse(title="Hi", body="Dear {{ customer_name }}, {{ ticket_number }}")

    with pytest.raises(ValidationError, match="Unknown variable\\(s\\): customer_name"):
        response.clean()
