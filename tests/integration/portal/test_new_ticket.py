"""Opening a ticket in the portal: the happy path, every kind of bad input, duplicates, abuse."""

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django import Settings

from tests.conftest import Cast, make_agent
from tests.integration.portal.conftest import PNG, SubmitTicket, ticket_form
from tickets.models import Contact, HelpTopic, HelpTopicField, Notification, Ticket
from tickets.notifications import compose

NEW = reverse("portal:new_ticket")


def test_a_guest_opens_a_ticket_and_sees_its_number(
    cast: Cast, client: Client, submit_ticket: SubmitTicket
) -> None:
    response = submit_ticket()

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:ticket_submitted", args=[ticket.number])
    page = client.get(response["Location"]).content.decode()
    assert f"#{ticket.number}" in page
    assert "What happens next" in page
    assert ticket.source == Ticket.Source.WEB
    assert ticket.requester == cast.requester
    assert ticket.entries.get().body.startswith("Customers see")


def test_the_confirmation_email_is_queued_with_the_number_and_a_personal_link(
    cast: Cast, client: Client, submit_ticket: SubmitTicket
) -> None:
    submit_ticket()

    ticket = Ticket.objects.get()
    received = Notification.objects.get(template="ticket_received")
    assert received.recipient_email == "jordan.blake@northbank.test"
    assert ticket.number in compose(received).subject
    link = next(line for line in received.body.splitlines() if "/t/" in line).strip()
    # The link opens the ticket in a browser that has never seen it.
    stranger = Client()
    followed = stranger.get(link.removeprefix("http://testserver"), follow=True)
    assert followed.status_code == 200
    assert ticket.subject in followed.content.decode()


def test_a_new_contact_is_created_for_an_unknown_email(submit_ticket: SubmitTicket) -> None:
    submit_ticket(email="New.Person@Bank.test", name="New Person", phone="")

    contact = Contact.objects.get(email="new.person@bank.test")
    assert contact.name == "New Person"
    assert Ticket.objects.get().requester == contact


def test_topic_answers_are_stored_with_the_ticket(
    cast: Cast, submit_ticket: SubmitTicket, outage_questions: dict[str, HelpTopicField]
) -> None:
    q = outage_questions
    response = submit_ticket(
        topic=cast.outage.pk,
        **{
            q["service"].key: "Mobile app",
            q["users"].key: "1,200",
            q["channels"].key: ["Mobile", "Branch"],
            q["screenshot"].key: SimpleUploadedFile("error.png", PNG, "image/png"),
        },
    )

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    answers = {value.label: value.value for value in ticket.field_values.all()}
    assert answers == {
        "Affected service": "Mobile app",
        "Number of users affected": "1200",
        "Where do you see it?": "Branch\nMobile",
        "Screenshot": "error.png",
    }
    screenshot = ticket.field_values.get(label="Screenshot").attachment
    assert screenshot.entry == ticket.entries.get()
    assert screenshot.content_type == "image/png"


def test_attachments_are_stored_with_the_first_message(submit_ticket: SubmitTicket) -> None:
    files = [
        SimpleUploadedFile("one.png", PNG, "image/png"),
        SimpleUploadedFile("app.log", b"ERROR pool exhausted\n", "text/plain"),
    ]

    assert submit_ticket(attachments=files).status_code == 302

    stored = Ticket.objects.get().entries.get().attachments.order_by("filename")
    assert [a.filename for a in stored] == ["app.log", "one.png"]


def bad(field: str, value: Any, message: str) -> Any:
    return pytest.param(field, value, message, id=f"{field}-{message[:24]}")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        bad("name", "", "This field is required."),
        bad("name", "x" * 121, "at most 120 characters"),
        bad("email", "", "This field is required."),
        bad("email", "not-an-email", "Enter a valid email address."),
        bad("phone", "call me maybe", "Enter a phone number"),
        bad("subject", "", "This field is required."),
        bad("subject", "s" * 256, "at most 255 characters"),
        bad("body", "", "This field is required."),
        bad("body", "b" * 20_001, "at most 20000 characters"),
        bad("topic", "", "This field is required."),
        bad("topic", "999999", "Choose one of the help topics in the list."),
        bad("topic", "abc", "Choose one of the help topics in the list."),
        bad("topic", "9" * 30, "Choose one of the help topics in the list."),
        bad("topic", "\u00b2", "Choose one of the help topics in the list."),
        bad("form_key", "", "This form is incomplete: reload the page"),
        bad("form_key", "short", "This form is incomplete: reload the page"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_kept(
    cast: Cast, submit_ticket: SubmitTicket, field: str, value: str, message: str
) -> None:
    response = submit_ticket(**{field: value})

    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert not Ticket.objects.exists()
    assert "Online and mobile banking are down" in page or field == "subject"
    assert 'aria-invalid="true"' in page or field == "form_key"


@pytest.mark.parametrize("reason", ["inactive", "private", "closed department"])
def test_a_topic_end_users_may_not_choose_is_refused(
    cast: Cast, submit_ticket: SubmitTicket, reason: str
) -> None:
    topic = HelpTopic.objects.create(name="Hidden", department=cast.service_desk)
    if reason == "inactive":
        topic.is_active = False
    elif reason == "private":
        topic.is_public = False
    else:
        topic.department = cast.networking
        cast.networking.is_active = False
        cast.networking.save()
    topic.save()

    response = submit_ticket(topic=topic.pk)

    assert response.status_code == 400
    assert "Choose one of the help topics in the list." in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_required_question_left_empty_is_refused_next_to_the_question(
    cast: Cast, submit_ticket: SubmitTicket, outage_questions: dict[str, HelpTopicField]
) -> None:
    q = outage_questions
    response = submit_ticket(topic=cast.outage.pk, **{q["service"].key: "", q["users"].key: "12"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "This question needs an answer." in page
    assert f'aria-describedby="id_{q["service"].key}_error"' in page
    assert 'value="12"' in page  # the other answer is kept
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("Teleporter", "Choose one of the options offered."),
        ("<script>", "Choose one of the options offered."),
    ],
)
def test_an_answer_outside_the_choices_is_refused(
    cast: Cast,
    submit_ticket: SubmitTicket,
    outage_questions: dict[str, HelpTopicField],
    answer: str,
    message: str,
) -> None:
    q = outage_questions
    response = submit_ticket(
        topic=cast.outage.pk, **{q["service"].key: answer, q["users"].key: "3"}
    )

    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_number_question_refuses_words(
    cast: Cast, submit_ticket: SubmitTicket, outage_questions: dict[str, HelpTopicField]
) -> None:
    q = outage_questions
    response = submit_ticket(
        topic=cast.outage.pk, **{q["service"].key: "Mobile app", q["users"].key: "lots"}
    )

    assert response.status_code == 400
    assert "Enter a number" in response.content.decode()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("setup.exe", b"MZ\x90\x00", "application/octet-stream"),
            "not accepted",
        ),
        (SimpleUploadedFile("huge.log", b"x" * 2048, "text/plain"), "the limit is"),
        (
            SimpleUploadedFile("photo.png", b"MZ\x90\x00\x03" + b"\x00" * 60, "image/png"),
            "its content is not a .png file",
        ),
        (
            SimpleUploadedFile(
                "report.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"
            ),
            "its content is not a .pdf file",
        ),
    ],
    ids=["refused-type", "too-big", "exe-renamed-png", "html-renamed-pdf"],
)
def test_a_bad_file_is_refused_and_the_form_is_kept(
    settings: Settings, submit_ticket: SubmitTicket, upload: SimpleUploadedFile, message: str
) -> None:
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 1024

    response = submit_ticket(attachments=[upload])

    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert "Online and mobile banking are down" in page
    assert not Ticket.objects.exists()


def test_too_many_files_are_refused(settings: Settings, submit_ticket: SubmitTicket) -> None:
    settings.HELPDESK_ATTACHMENT_MAX_COUNT = 1
    files = [SimpleUploadedFile(f"{n}.txt", b"hello\n", "text/plain") for n in range(2)]

    response = submit_ticket(attachments=files)

    assert response.status_code == 400
    assert "Attach at most 1 files; you sent 2." in response.content.decode()


def test_a_bad_file_answer_is_refused_next_to_its_question(
    cast: Cast, submit_ticket: SubmitTicket, outage_questions: dict[str, HelpTopicField]
) -> None:
    q = outage_questions
    fake = SimpleUploadedFile("shot.png", b"<html>not an image</html>", "image/png")

    response = submit_ticket(
        topic=cast.outage.pk,
        **{q["service"].key: "Mobile app", q["users"].key: "3", q["screenshot"].key: fake},
    )

    assert response.status_code == 400
    assert "its content is not a .png file" in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_filled_honeypot_opens_nothing(submit_ticket: SubmitTicket) -> None:
    response = submit_ticket(website="http://spam.example")

    assert response.status_code == 400
    assert "could not be sent" in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_double_submit_opens_one_ticket(submit_ticket: SubmitTicket) -> None:
    first = submit_ticket(form_key="double-click-key-123456")
    second = submit_ticket(form_key="double-click-key-123456")

    assert Ticket.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_two_forms_open_two_tickets(submit_ticket: SubmitTicket) -> None:
    submit_ticket(form_key="first-form-key-1234567")
    submit_ticket(form_key="second-form-key-123456")

    assert Ticket.objects.count() == 2


def test_the_form_carries_a_fresh_random_key(client: Client, cast: Cast) -> None:
    keys = {client.get(NEW).context["form"]["form_key"].value() for _ in range(2)}

    assert len(keys) == 2
    assert all(len(key) >= 16 for key in keys)


def test_continue_shows_the_topics_questions_and_keeps_what_was_typed(
    cast: Cast, client: Client, outage_questions: dict[str, HelpTopicField]
) -> None:
    data = ticket_form(cast, topic=cast.outage.pk, subject="", continue_="1")
    data["continue"] = data.pop("continue_")

    response = client.post(NEW, data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Affected service" in page
    assert "Number of users affected" in page
    assert 'value="Jordan Blake"' in page
    assert "This field is required." not in page  # not judged yet
    assert not Ticket.objects.exists()


def test_the_questions_fragment_serves_the_script(
    cast: Cast, client: Client, outage_questions: dict[str, HelpTopicField]
) -> None:
    page = client.get(reverse("portal:topic_fields"), {"topic": cast.outage.pk}).content.decode()

    assert "About “Business Critical Outage”" in page
    assert re.search(r"Affected service\s*<span class=\"asteriskField\">\*</span>", page)
    assert re.search(r"<select[^>]*required[^>]*>", page)
    assert 'name="topic"' not in page
    empty = client.get(reverse("portal:topic_fields"), {"topic": cast.general.pk})
    assert "Affected service" not in empty.content.decode()


def test_inactive_questions_are_not_asked(
    cast: Cast, client: Client, outage_questions: dict[str, HelpTopicField]
) -> None:
    outage_questions["service"].is_active = False
    outage_questions["service"].save()

    page = client.get(NEW, {"topic": cast.outage.pk}).content.decode()

    assert "Affected service" not in page
    assert "Number of users affected" in page


def test_a_changed_question_shows_on_the_next_form(
    cast: Cast, client: Client, outage_questions: dict[str, HelpTopicField]
) -> None:
    client.get(NEW, {"topic": cast.outage.pk})  # the topic's questions are remembered
    outage_questions["service"].label = "Which service is down?"
    outage_questions["service"].save()

    page = client.get(NEW, {"topic": cast.outage.pk}).content.decode()

    assert "Which service is down?" in page and "Affected service" not in page


def test_a_topic_withdrawn_by_an_admin_is_refused_at_once(
    cast: Cast, submit_ticket: SubmitTicket
) -> None:
    assert submit_ticket(email="first@bank.test").status_code == 302  # the topic is remembered
    cast.general.is_public = False
    cast.general.save()

    refused = submit_ticket(email="second@bank.test", form_key="s" * 32)

    assert refused.status_code == 400
    assert "Choose one of the help topics in the list." in refused.content.decode()


def test_the_cap_on_open_tickets_per_email_is_enforced(
    settings: Settings, submit_ticket: SubmitTicket
) -> None:
    settings.HELPDESK_MAX_OPEN_TICKETS_PER_EMAIL = 2
    for number in range(2):
        assert submit_ticket(form_key=f"cap-key-{number}-0123456789").status_code == 302

    response = submit_ticket(form_key="cap-key-third-0123456789")

    assert response.status_code == 400
    assert "You already have 2 open tickets" in response.content.decode()
    assert Ticket.objects.count() == 2


def test_too_many_tickets_from_one_email_get_a_429(
    settings: Settings, submit_ticket: SubmitTicket
) -> None:
    settings.HELPDESK_RATE_LIMITS = {
        **settings.HELPDESK_RATE_LIMITS,
        "tickets": {"ip": "100/h", "email": "2/h"},
    }
    for number in range(2):
        submit_ticket(form_key=f"rate-key-{number}-0123456789")

    response = submit_ticket(form_key="rate-key-third-0123456789")

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many attempts" in page
    assert "Online and mobile banking are down" in page
    assert Ticket.objects.count() == 2
    other = submit_ticket(form_key="rate-key-other-0123456789", email="someone@else.test")
    assert other.status_code == 302  # the limit is per email


def test_too_many_tickets_from_one_ip_get_a_429(
    settings: Settings, submit_ticket: SubmitTicket
) -> None:
    settings.HELPDESK_RATE_LIMITS = {
        **settings.HELPDESK_RATE_LIMITS,
        "tickets": {"ip": "1/h", "email": "100/h"},
    }
    submit_ticket(form_key="ip-key-first-0123456789")

    response = submit_ticket(form_key="ip-key-second-0123456789", email="other@bank.test")

    assert response.status_code == 429


def test_a_signed_in_customer_is_not_asked_who_they_are(
    cast: Cast, requester_client: Client
) -> None:
    page = requester_client.get(NEW).content.decode()
    assert 'name="email"' not in page

    data = ticket_form(cast)
    for key in ("name", "email", "phone"):
        del data[key]
    response = requester_client.post(NEW, data)

    assert response.status_code == 302
    assert Ticket.objects.get().requester == cast.requester


def test_every_input_has_a_label(cast: Cast, client: Client, outage_questions: Any) -> None:
    page = client.get(NEW, {"topic": cast.outage.pk}).content.decode()

    controls = re.findall(r"<(?:input|select|textarea)\b[^>]*>", page)
    ids = [
        re.search(r'\bid="([^"]+)"', control).group(1)  # type: ignore[union-attr]
        for control in controls
        if 'type="hidden"' not in control
    ]
    assert len(ids) >= 10
    for element_id in ids:
        assert f'for="{element_id}"' in page, element_id


def test_opening_a_ticket_costs_the_same_queries_however_many_agents_hear_of_it(
    cast: Cast, submit_ticket: SubmitTicket
) -> None:
    def queries_to_open(number: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = submit_ticket(email=f"caller{number}@bank.test", form_key=f"{number}" * 32)
        assert response.status_code == 302
        return len(queries)

    queries_to_open(1)  # the desk's configuration is read once, then remembered
    with CaptureQueriesContext(connection) as later:
        with_few = queries_to_open(2)
    # The topic, its routing and its questions, the department's agents: all remembered.
    configuration = ("tickets_helptopic", "tickets_agent", "sla_slaplan", "tickets_department")
    assert not [query for query in later if any(table in query["sql"] for table in configuration)]
    for number in range(10):
        make_agent(f"extra{number}", f"Extra Agent{number}", cast.general.department)
    queries_to_open(3)  # new agents: the configuration is read again, once
    with_many = queries_to_open(4)

    alerted = Notification.objects.filter(template="new_ticket_alert")
    assert alerted.filter(ticket__requester__email="caller4@bank.test").count() >= 10
    assert with_many == with_few
