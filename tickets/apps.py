from django.apps import AppConfig
from django.urls import register_converter


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self) -> None:
        from helpdesk.remembered import watch
        from tickets import checks  # noqa: F401 - registers the system checks
        from tickets.models import EmailTemplate, HelpTopicField
        from tickets.numbers import TicketNumberConverter

        # Email wordings (see tickets.emails.source_for) and topics' questions
        # (tickets.fields.fields_of) are remembered.
        watch(EmailTemplate, HelpTopicField)
        register_converter(TicketNumberConverter, "ticket")
