from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        from agents import views_queue
        from helpdesk.remembered import watch
        from sla.models import SLAPlan
        from tickets.models import (
            Agent,
            CannedResponse,
            Contact,
            Department,
            HelpTopic,
            Priority,
            Team,
        )

        # The models behind the panel's select boxes (see agents.choices).
        watch(
            get_user_model(), Agent, Department, HelpTopic, Priority, Team, SLAPlan, CannedResponse
        )
        post_save.connect(
            views_queue.forget_renamed_requester, sender=Contact, dispatch_uid="renamed-requester"
        )
