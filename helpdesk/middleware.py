"""Middleware that must run before Django's own."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse


class HealthCheckMiddleware:
    """Answer `/healthz` before host validation and the HTTPS redirect.

    Load balancers and container health checks call it by IP over plain HTTP, which
    ALLOWED_HOSTS and SECURE_SSL_REDIRECT would otherwise refuse. It says 200 only if the
    database answers, so a web process that lost its database is taken out of rotation.
    """

    path = "/healthz"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path != self.path:
            return self.get_response(request)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
        return HttpResponse("ok\n", content_type="text/plain")


class RefuseNulCharactersMiddleware:
    """A NUL character anywhere in the address is a 400, "Bad request".

    No page takes one, and PostgreSQL refuses any text that holds one, so a filter or a
    look-up that passed it along was a server error (Django admin's list filters did). Form
    fields refuse it themselves: Django's and DRF's prohibit null characters.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            raise BadRequest("A NUL character in the address.")
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY with every page except Django admin's.

    Our pages load scripts and styles only from static files, so an injected <script> or
    inline handler cannot run even if escaping ever failed. Admin keeps Django's defaults.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = request.resolver_match
        if match is None or "admin" not in match.namespaces:
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
