"""Customer accounts: register with email verification, sign in and out, reset the password,
edit the profile. Every account email goes through the outbox and the worker.

Customers are plain users (never staff); their username is their email address. An account
becomes active, and takes over the tickets of the contact with the same email, only once the
address is verified.
"""

import contextlib
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes, force_str
from django.utils.http import (
    url_has_allowed_host_and_scheme,
    urlsafe_base64_decode,
    urlsafe_base64_encode,
)
from django.views.decorators.http import require_http_methods

from helpdesk import ratelimit
from portal import grants
from portal.forms import (
    OutboxPasswordResetForm,
    ProfileForm,
    RegisterForm,
    SignInForm,
    VerifyForm,
)
from portal.views import contact_of, posted
from tickets import notifications
from tickets import operations as ops
from tickets.errors import TicketError

User = get_user_model()


class EmailVerificationTokens(PasswordResetTokenGenerator):
    """One-use links: the hash covers `is_active`, which the verification flips, and the
    password, so registering again (with a new password) voids the earlier links."""

    key_salt = "portal.EmailVerificationTokens"

    def _make_hash_value(self, user: AbstractBaseUser, timestamp: int) -> str:
        return f"{user.pk}{user.is_active}{user.password}{user.email}{timestamp}"


verification_tokens = EmailVerificationTokens()


def _site(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


@require_http_methods(["GET", "HEAD", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """Create an inactive account and email the verification link.

    The page says the same whether the address is new or already has an account (that
    owner gets a "you already have an account" email), so it reveals no addresses.
    """
    form = RegisterForm(posted(request))
    if request.method != "POST":
        return render(request, "portal/accounts/register.html", {"form": form})
    if not form.is_valid():
        return render(request, "portal/accounts/register.html", {"form": form}, status=400)
    email, name = form.cleaned_data["email"].strip().lower(), form.cleaned_data["name"]
    try:
        ratelimit.limit(request, "lookups", email)
    except ratelimit.RateLimited as limited:
        form.add_error(None, str(limited))
        return render(request, "portal/accounts/register.html", {"form": form}, status=429)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=email).first()
        if user is not None and user.is_active:
            _send_account_exists(user, name)
        else:
            _send_verification(_inactive_user(user, email, name, form.cleaned_data["password1"]))
    return render(request, "portal/accounts/check_email.html", {"email": email})


def _inactive_user(
    user: AbstractBaseUser | None, email: str, name: str, password: str
) -> AbstractBaseUser:
    """A new unverified account, or the unverified one registered again with new details."""
    first, _, last = " ".join(name.split()).partition(" ")
    if user is None:
        user = User(username=email, email=email)
    user.first_name, user.last_name, user.is_active = first, last, False
    user.set_password(password)
    user.save()
    return user


def _send_verification(user: AbstractBaseUser) -> None:
    path = reverse(
        "portal:verify_email",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": verification_tokens.make_token(user),
        },
    )
    notifications.queue_email(
        "account_verify",
        to=(user.email, user.get_full_name()),
        values={"verify_url": _site(path)},
    )


def _send_account_exists(user: AbstractBaseUser, name: str) -> None:
    notifications.queue_email(
        "account_exists",
        to=(user.email, name),
        values={
            "login_url": _site(reverse("portal:login")),
            "reset_url": _site(reverse("portal:password_reset")),
        },
    )


def _user_for(uidb64: str, token: str) -> AbstractBaseUser | None:
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None
    return user if verification_tokens.check_token(user, token) else None


@require_http_methods(["GET", "HEAD", "POST"])
def verify_email(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Confirm the address with the account's password.

    GET only shows the form (mail scanners follow links; only a POST changes state). Asking
    for the password proves the person clicking is the one who registered: otherwise someone
    could register another person's address and wait for them to click.
    """
    user = _user_for(uidb64, token)
    if user is None:
        return render(request, "portal/accounts/verify_failed.html", status=404)
    form = VerifyForm(posted(request))
    context = {"email": user.email, "form": form}
    if request.method != "POST":
        return render(request, "portal/accounts/verify.html", context)
    try:
        ratelimit.limit(request, "logins", user.email, count=False)
    except ratelimit.RateLimited as limited:
        return render(
            request, "portal/accounts/verify.html", {**context, "refusal": str(limited)}, status=429
        )
    if not form.is_valid() or not user.check_password(form.cleaned_data["password"]):
        _count_failure(request, user.email)
        form.add_error("password", "That is not the password you registered with.")
        return render(request, "portal/accounts/verify.html", context, status=400)
    try:
        with transaction.atomic():
            user.is_active = True
            user.save(update_fields=["is_active"])
            ops.link_account(user=user, name=user.get_full_name() or user.email)
    except TicketError as refused:
        messages.error(request, str(refused))
        return redirect("portal:home")
    # Verified by the password above rather than authenticate(): name the sign-in backend.
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    messages.success(request, "Your email address is confirmed. Welcome!")
    return redirect("portal:my_tickets")


@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Sign in with email and password; failed attempts are rate-limited per IP and email."""
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    context = {"next": next_url}
    if request.method != "POST":
        return render(
            request, "portal/accounts/login.html", {**context, "form": SignInForm(request)}
        )
    email = request.POST.get("username", "")
    try:
        ratelimit.limit(request, "logins", email, count=False)
    except ratelimit.RateLimited as limited:
        form = SignInForm(request, initial={"username": email})
        context.update(form=form, refusal=str(limited))
        return render(request, "portal/accounts/login.html", context, status=429)
    form = SignInForm(request, data=request.POST)
    if form.is_valid():
        login(request, form.get_user())
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    _count_failure(request, email)
    return render(request, "portal/accounts/login.html", {**context, "form": form}, status=400)


def _count_failure(request: HttpRequest, email: str) -> None:
    # If this failure reached the limit, the next attempt is refused before checking.
    with contextlib.suppress(ratelimit.RateLimited):
        ratelimit.limit(request, "logins", email)


class SignOutView(auth_views.LogoutView):
    """Sign out (POST only): the session ends, and with it any ticket this browser was let
    see by a link, so the next person at a shared computer sees none of them."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        grants.forget(response)
        return response


sign_out = SignOutView.as_view()


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, rate-limited; the email leaves through the outbox."""

    form_class = OutboxPasswordResetForm
    template_name = "portal/accounts/password_reset.html"
    success_url = reverse_lazy("portal:password_reset_done")

    def form_valid(self, form: OutboxPasswordResetForm) -> HttpResponse:
        try:
            ratelimit.limit(self.request, "lookups", form.cleaned_data["email"])
        except ratelimit.RateLimited as limited:
            form.add_error(None, str(limited))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


password_reset = PasswordResetView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="portal/accounts/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="portal/accounts/password_reset_confirm.html",
    success_url=reverse_lazy("portal:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="portal/accounts/password_reset_complete.html"
)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Change the name and phone the desk knows you by."""
    contact = contact_of(request)
    if contact is None:
        return render(request, "portal/accounts/profile.html", {"form": None})
    initial = {"name": contact.name, "phone": contact.phone}
    form = ProfileForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            ops.update_contact(contact, **form.cleaned_data)
        except TicketError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("portal:profile")
    status = 400 if form.errors else 200
    return render(request, "portal/accounts/profile.html", {"form": form}, status=status)
