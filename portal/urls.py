from django.urls import path

from portal import account_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("tickets/new/", views.new_ticket, name="new_ticket"),
    path("tickets/new/questions/", views.topic_fields, name="topic_fields"),
    path("tickets/", views.my_tickets, name="my_tickets"),
    path("tickets/<ticket:number>/", views.ticket_page, name="ticket"),
    path("tickets/<ticket:number>/submitted/", views.ticket_submitted, name="ticket_submitted"),
    path("tickets/<ticket:number>/reply/", views.reply, name="reply"),
    path("tickets/<ticket:number>/confirm/", views.confirm_fixed, name="confirm_fixed"),
    path("tickets/<ticket:number>/close/", views.close_ticket, name="close"),
    path("tickets/<ticket:number>/reopen/", views.reopen_ticket, name="reopen"),
    path(
        "tickets/<ticket:number>/files/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
    path("t/<str:token>/", views.access_link, name="access_link"),
    path("status/", views.status_lookup, name="status_lookup"),
    path("accounts/register/", account_views.register, name="register"),
    path(
        "accounts/verify/<str:uidb64>/<str:token>/",
        account_views.verify_email,
        name="verify_email",
    ),
    path("accounts/login/", account_views.sign_in, name="login"),
    path("accounts/logout/", account_views.sign_out, name="logout"),
    path("accounts/profile/", account_views.profile, name="profile"),
    path("accounts/password-reset/", account_views.password_reset, name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        account_views.password_reset_done,
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/<str:uidb64>/<str:token>/",
        account_views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/done/",
        account_views.password_reset_complete,
        name="password_reset_complete",
    ),
]
