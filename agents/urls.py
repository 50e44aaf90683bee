from django.urls import path

from agents import views_auth, views_queue, views_ticket

app_name = "agents"
urlpatterns = [
    path("", views_queue.queue, name="queue"),
    path("bulk/", views_queue.bulk, name="bulk"),
    path("login/", views_auth.LoginView.as_view(), name="login"),
    path("logout/", views_auth.LogoutView.as_view(), name="logout"),
    path("profile/", views_auth.profile, name="profile"),
    path("profile/alerts/", views_auth.alert_preferences, name="alert_preferences"),
    path("profile/password/", views_auth.PasswordChangeView.as_view(), name="password"),
    path("tickets/new/", views_ticket.new_ticket, name="new_ticket"),
    path("tickets/<ticket:number>/", views_ticket.ticket_page, name="ticket"),
    # Before the actions' catch-all: "sla" is a page, not an action.
    path("tickets/<ticket:number>/sla/", views_ticket.sla_explained, name="ticket_sla"),
    path("tickets/<ticket:number>/<slug:action>/", views_ticket.act, name="act"),
    path("files/<int:attachment_id>/", views_ticket.attachment, name="attachment"),
]
