from django.contrib import admin

from sla.models import SLAPlan


def _as_duration(minutes: int) -> str:
    """90 → "1 h 30 min", for list columns an admin reads at a glance."""
    hours, rest = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [
        f"{days} d" if days else "",
        f"{hours} h" if hours else "",
        f"{rest} min" if rest else "",
    ]
    return " ".join(part for part in parts if part) or "0 min"


@admin.register(SLAPlan)
class SLAPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "first_response", "resolution", "alerts_enabled", "is_active"]
    list_filter = ["is_active", "alerts_enabled"]
    search_fields = ["name", "description"]

    @admin.display(description="first response", ordering="first_response_minutes")
    def first_response(self, plan: SLAPlan) -> str:
        return _as_duration(plan.first_response_minutes)

    @admin.display(description="resolution", ordering="resolution_minutes")
    def resolution(self, plan: SLAPlan) -> str:
        return _as_duration(plan.resolution_minutes)
