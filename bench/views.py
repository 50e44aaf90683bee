"""The ceilings the app's pages are compared with, served by the same server and settings."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from tickets.models import Ticket

REFERENCE_ROWS = 25


@require_safe
def minimal(request: HttpRequest) -> HttpResponse:
    """No database, no template: what the server and the middleware cost alone."""
    return HttpResponse("ok", content_type="text/plain")


@require_safe
def reference(request: HttpRequest) -> HttpResponse:
    """One indexed query (the newest tickets by primary key) rendered in a small template:
    the least a 25-row queue page could cost."""
    tickets = Ticket.objects.order_by("-pk").values("number", "subject", "status", "updated_at")
    return render(request, "bench/reference.html", {"tickets": tickets[:REFERENCE_ROWS]})
