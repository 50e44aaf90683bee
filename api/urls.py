"""The API's URLs: osTicket's ticket creation (also under osTicket's /api/http.php/ prefix)
and the JSON API with its OpenAPI schema."""

from django.urls import URLPattern, path
from drf_spectacular.views import SpectacularAPIView

from api import views, views_osticket

app_name = "api"


def osticket_routes(prefix: str, name_prefix: str) -> list[URLPattern]:
    return [
        path(f"{prefix}tickets.json", views_osticket.create_from_json,
             name=f"{name_prefix}tickets_json"),
        path(f"{prefix}tickets.email", views_osticket.create_from_email,
             name=f"{name_prefix}tickets_email"),
        path(f"{prefix}tickets.xml", views_osticket.xml_not_supported,
             name=f"{name_prefix}tickets_xml"),
    ]  # fmt: skip


urlpatterns = [
    *osticket_routes("", ""),
    *osticket_routes("http.php/", "http_php_"),
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("v1/tickets/", views.TicketList.as_view(), name="tickets"),
    path("v1/tickets/<ticket:number>/", views.TicketDetail.as_view(), name="ticket"),
    path("v1/tickets/<ticket:number>/reply/", views.Reply.as_view(), name="reply"),
    path("v1/tickets/<ticket:number>/notes/", views.Note.as_view(), name="note"),
    path("v1/tickets/<ticket:number>/status/", views.ChangeStatus.as_view(), name="status"),
    path("v1/tickets/<ticket:number>/priority/", views.ChangePriority.as_view(), name="priority"),
    path("v1/tickets/<ticket:number>/assignee/", views.ChangeAssignee.as_view(), name="assignee"),
]
