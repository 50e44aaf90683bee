"""Portal pages: thin views over `tickets`' queries and operations."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from tickets.models import HelpTopic


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: what the desk is and the help topics it offers."""
    return render(request, "portal/home.html", {"topics": HelpTopic.objects.offered()})
