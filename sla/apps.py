from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = "SLA"

    def ready(self) -> None:
        from helpdesk.remembered import watch
        from sla.models import BusinessSchedule, BusinessWindow, Holiday, PriorityTarget, SLAPlan

        # Calendars and priority targets are remembered (see SLAPlan.calendar and targets).
        watch(SLAPlan, PriorityTarget, BusinessSchedule, BusinessWindow, Holiday)
