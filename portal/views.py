"""Portal pages for tickets: thin views over `tickets`' queries and operations.

Who may see a ticket here: its requester signed in, or a browser that followed the
requester's access link (or opened the ticket) and holds a grant for the ticket's current
link generation (`portal.grants`). Anyone else gets a 404, whatever the number.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from helpdesk import ratelimit
from helpdesk.uploads import download
from portal import grants
from portal.forms import CloseForm, NewTicketForm, ReopenForm, ReplyForm, StatusLookupForm
from tickets import access, queries
from tickets import operations as ops
from tickets.errors import TicketError
from tickets.models import Contact, HelpTopic, Ticket

MY_TICKETS_PER_PAGE = 20


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: what the desk is and the help topics it offers."""
    return render(request, "portal/home.html", {"topics": HelpTopic.objects.offered()})


# ---------------------------------------------------------------------------------------------
# Access


def posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data on a POST (even an empty one, which is then judged), else None."""
    return request.POST if request.method == "POST" else None


def contact_of(request: HttpRequest) -> Contact | None:
    """The signed-in user's contact (linked when their email was verified), if any."""
    if not request.user.is_authenticated:
        return None
    return Contact.objects.filter(user=request.user).first()


def requester_ticket_or_404(request: HttpRequest, number: str) -> tuple[Ticket, Contact]:
    """The ticket and its requester, if this request may act as the requester; else 404."""
    ticket = get_object_or_404(Ticket.objects.select_related("requester", "topic"), number=number)
    contact = contact_of(request)
    owns = contact is not None and contact.pk == ticket.requester_id
    if not (owns or grants.may_see(request, ticket)):
        raise Http404("No ticket here.")
    return ticket, ticket.requester


@require_safe
def access_link(request: HttpRequest, token: str) -> HttpResponse:
    """Follow an emailed access link: remember the grant, then show the ticket."""
    try:
        ticket = access.ticket_for_token(token)
    except access.AccessLinkRefused as refused:
        context = {"reason": str(refused), "form": StatusLookupForm()}
        return render(request, "portal/link_refused.html", context, status=404)
    page = reverse("portal:ticket", args=[ticket.number])
    # The resolution notice's buttons land on the matching form; only a POST there acts.
    then = request.GET.get("then", "")
    response = redirect(f"{page}#{then}" if then in access.INTENTS else page)
    grants.give(request, response, ticket)
    return response


def _limited(request: HttpRequest, scope: str, email: str) -> str:
    """The rate-limit message if this attempt is one too many, else ""."""
    try:
        ratelimit.limit(request, scope, email)
    except ratelimit.RateLimited as limited:
        return str(limited)
    return ""


@require_http_methods(["GET", "HEAD", "POST"])
def status_lookup(request: HttpRequest) -> HttpResponse:
    """Email + number → the access link by email; the answer is the same whether they match."""
    form = StatusLookupForm(posted(request))
    if request.method != "POST":
        return render(request, "portal/status_lookup.html", {"form": form})
    if not form.is_valid():
        return render(request, "portal/status_lookup.html", {"form": form}, status=400)
    email = form.cleaned_data["email"]
    if refusal := _limited(request, "lookups", email):
        form.add_error(None, refusal)
        return render(request, "portal/status_lookup.html", {"form": form}, status=429)
    ops.send_access_link(email=email, number=form.cleaned_data["number"])
    return render(request, "portal/status_lookup_sent.html", {"email": email})


# ---------------------------------------------------------------------------------------------
# Opening a ticket


@require_safe
def topic_fields(request: HttpRequest) -> HttpResponse:
    """The chosen topic's questions as an HTML fragment, for the script that swaps them in."""
    form = NewTicketForm(initial={"topic": request.GET.get("topic", "")})
    return render(request, "portal/_topic_fields.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def new_ticket(request: HttpRequest) -> HttpResponse:
    """The new ticket form, for guests and signed-in customers alike.

    "Continue" (the no-JavaScript way to change topic) draws the form again with the chosen
    topic's questions and everything typed so far, without judging it yet.
    """
    contact = contact_of(request)
    if request.method != "POST":
        form = NewTicketForm(contact=contact, initial={"topic": request.GET.get("topic", "")})
        return render(request, "portal/new_ticket.html", {"form": form})
    if "continue" in request.POST:
        form = NewTicketForm(contact=contact, initial=NewTicketForm.initial_from(request.POST))
        return render(request, "portal/new_ticket.html", {"form": form})
    form = NewTicketForm(request.POST, request.FILES, contact=contact)
    if not form.is_valid():
        return render(request, "portal/new_ticket.html", {"form": form}, status=400)
    status, ticket = _open_from_form(request, form)
    if ticket is None:
        return render(request, "portal/new_ticket.html", {"form": form}, status=status)
    response = redirect("portal:ticket_submitted", number=ticket.number)
    grants.give(request, response, ticket)
    return response


def _open_from_form(request: HttpRequest, form: NewTicketForm) -> tuple[int, Ticket | None]:
    """Open the ticket, or put the reason on the form; returns (status on failure, ticket)."""
    data = form.cleaned_data
    email = form.contact.email if form.contact else data["email"]
    requester = form.contact or Contact.objects.for_email(email)
    key = data["form_key"]
    # A repeated submit (double click, refresh) goes straight to the ticket it opened.
    if not queries.opened_with_key(key):
        if refusal := _limited(request, "tickets", email):
            form.add_error(None, refusal)
            return 429, None
        cap = settings.HELPDESK_MAX_OPEN_TICKETS_PER_EMAIL
        # A new address has no tickets yet.
        if cap and requester and queries.active_ticket_count(requester) >= cap:
            form.add_error(
                None,
                f"You already have {cap} open tickets. Add to one of them instead, or wait "
                "until one is resolved.",
            )
            return 400, None
    try:
        with transaction.atomic():
            requester = requester or ops.find_or_create_contact(
                email=email, name=data["name"], phone=data.get("phone", "")
            )
            ticket = ops.open_ticket(
                requester=requester,
                subject=data["subject"],
                body=data["body"],
                topic=data["topic"],
                source=Ticket.Source.WEB,
                by=requester,
                attachments=data["attachments"],
                field_values=form.field_values,
                idempotency_key=key,
            )
    except TicketError as refused:
        form.add_error(None, str(refused))
        return 400, None
    return 200, ticket


@require_safe
def ticket_submitted(request: HttpRequest, number: str) -> HttpResponse:
    """The confirmation: the number, and what happens next."""
    ticket, _requester = requester_ticket_or_404(request, number)
    return render(request, "portal/ticket_submitted.html", {"ticket": ticket})


# ---------------------------------------------------------------------------------------------
# Following a ticket


@login_required
@require_safe
def my_tickets(request: HttpRequest) -> HttpResponse:
    """The signed-in customer's tickets, filtered open/closed, paginated."""
    contact = contact_of(request)
    status = request.GET.get("status", "all")
    if status not in queries.REQUESTER_FILTERS:
        status = "all"
    rows = queries.tickets_of(contact, status) if contact else Ticket.objects.none()
    page = Paginator(rows, MY_TICKETS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/my_tickets.html", {"page": page, "status": status})


def render_ticket(
    request: HttpRequest,
    ticket: Ticket,
    *,
    reply_form: ReplyForm | None = None,
    close_form: CloseForm | None = None,
    reopen_form: ReopenForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "ticket": ticket,
        "timeline": queries.public_timeline(ticket),
        "answers": ticket.field_values.all(),
        "reply_form": reply_form or ReplyForm(),
        "close_form": close_form or CloseForm(),
        "reopen_form": reopen_form or ReopenForm(),
    }
    return render(request, "portal/ticket.html", context, status=status)


@require_safe
def ticket_page(request: HttpRequest, number: str) -> HttpResponse:
    """The requester's view of the ticket: the public thread, reply, confirm or close."""
    ticket, _requester = requester_ticket_or_404(request, number)
    return render_ticket(request, ticket)


@require_POST
def reply(request: HttpRequest, number: str) -> HttpResponse:
    """Add the requester's message; on a resolved or closed ticket it reopens it."""
    ticket, requester = requester_ticket_or_404(request, number)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return render_ticket(request, ticket, reply_form=form, status=400)
    try:
        ops.add_customer_message(
            ticket,
            by=requester,
            body=form.cleaned_data["body"],
            attachments=form.cleaned_data["attachments"],
        )
    except TicketError as refused:
        form.add_error(None, str(refused))
        return render_ticket(request, ticket, reply_form=form, status=400)
    reopened = ticket.status in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)
    messages.success(
        request, "Your message was added." + (" The ticket is open again." if reopened else "")
    )
    return redirect("portal:ticket", number=ticket.number)


@require_POST
def confirm_fixed(request: HttpRequest, number: str) -> HttpResponse:
    """ "This solved my problem": close a resolved ticket."""
    ticket, requester = requester_ticket_or_404(request, number)
    if ticket.status != Ticket.Status.RESOLVED:
        messages.error(request, "Only a resolved ticket can be confirmed as fixed.")
        return redirect("portal:ticket", number=ticket.number)
    return _close(request, ticket, requester, "The requester confirmed the fix.")


@require_POST
def close_ticket(request: HttpRequest, number: str) -> HttpResponse:
    """ "Close my ticket": the requester no longer needs help, optionally saying why."""
    ticket, requester = requester_ticket_or_404(request, number)
    form = CloseForm(request.POST)
    if not form.is_valid():
        return render_ticket(request, ticket, close_form=form, status=400)
    return _close(request, ticket, requester, form.cleaned_data["reason"])


@require_POST
def reopen_ticket(request: HttpRequest, number: str) -> HttpResponse:
    """ "It is not fixed": reopen a resolved or closed ticket, saying what is still wrong."""
    ticket, requester = requester_ticket_or_404(request, number)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return render_ticket(request, ticket, reopen_form=form, status=400)
    reason = form.cleaned_data["reason"]
    return _act(
        request,
        ticket,
        lambda: ops.reopen(ticket, by=requester, reason=reason),
        done="Your ticket is open again; we will be in touch.",
    )


def _close(request: HttpRequest, ticket: Ticket, requester: Contact, reason: str) -> HttpResponse:
    return _act(
        request,
        ticket,
        lambda: ops.close(ticket, by=requester, reason=reason),
        done="Your ticket is closed. Thank you!",
    )


def _act(
    request: HttpRequest, ticket: Ticket, operation: Callable[[], object], *, done: str
) -> HttpResponse:
    """Run the requester's operation; its refusal or `done` is the message on the ticket page."""
    try:
        operation()
    except TicketError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, done)
    return redirect("portal:ticket", number=ticket.number)


@require_safe
def attachment(request: HttpRequest, number: str, attachment_id: int) -> FileResponse:
    """A file of the public thread, always as a download with its stored content type."""
    ticket, _requester = requester_ticket_or_404(request, number)
    stored = queries.public_attachment(ticket, attachment_id)
    if stored is None:
        raise Http404("No such file.")
    return download(stored)
