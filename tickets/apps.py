from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self) -> None:
        from helpdesk.remembered import watch
        from tickets import checks  # noqa: F401 - registers the system checks
        from tickets.models import EmailTemplate, HelpTopicField

        # Email wordings (see tickets.emails.source_for) and topics' questions
        # (tickets.fields.fields_of) are remembered.
        watch(EmailTemplate, HelpTopicField)
