from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        from helpdesk.remembered import watch
        from sla.models import SLAPlan
        from tickets.models import Agent, CannedResponse, Department, HelpTopic, Priority, Team

        # The models behind the panel's select boxes (see agents.choices).
        watch(
            get_user_model(), Agent, Department, HelpTopic, Priority, Team, SLAPlan, CannedResponse
        )
