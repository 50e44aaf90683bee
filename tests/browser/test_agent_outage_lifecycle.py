"""The first seed's lifecycle in a real browser, both faces: the bank's user reports the
outage in the portal; it is found, triaged, noted, escalated to a SysAdmin; the user confirms
the fix in the portal; it is resolved with its root cause and closed. The audit trail shows
every step, and the user sees the replies and the resolution but never an internal note.
"""

import re

from playwright.sync_api import Page, expect

from tests.browser.agent_panel import sign_in
from tests.conftest import Cast
from tickets.models import AuditEvent, Ticket

NOTE = "Verified: https://online.northbank.example returns 503; two branches confirm."

Kind = AuditEvent.Kind


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Agent sign-in")).to_be_visible()


def open_panel(page: Page, summary: str) -> None:
    page.locator("summary", has_text=summary).click()


def report_in_the_portal(customer: Page, base: str) -> Ticket:
    """Step 1: the bank's user opens a ticket as a guest, in their own words."""
    customer.goto(f"{base}/tickets/new/")
    customer.get_by_label("Your name").fill("Jordan Blake")
    customer.get_by_label("Email address").fill("jordan.blake@northbank.test")
    customer.get_by_label("Help topic").select_option(label="General Inquiry")
    customer.get_by_label("Subject").fill("Online and mobile banking are down")
    customer.get_by_label("What happened?").fill(
        'Since 8:40 no customer can log in: "Service temporarily unavailable (error 503)".'
    )
    customer.get_by_role("button", name="Open ticket").click()
    ticket = Ticket.objects.get(subject="Online and mobile banking are down")
    expect(customer.get_by_role("heading", name=re.compile(f"#{ticket.number}"))).to_be_visible()
    return ticket


def test_the_outage_goes_from_report_to_closure_in_the_panel(
    cast: Cast, live_server: object, page: Page
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    customer = page.context.browser.new_context().new_page()  # type: ignore[union-attr]
    customer.on("pageerror", lambda error: errors.append(str(error)))
    ticket = report_in_the_portal(customer, base)

    # Step 2: the Tier 1 agent signs in and finds the report in the queue.
    sign_in(page, base, "alex")
    row = page.locator("tr.queue-row", has_text="Online and mobile banking are down")
    expect(row).to_contain_text("Jordan Blake")
    row.get_by_role("link", name=f"#{ticket.number}").click()
    expect(
        page.get_by_role("heading", name=re.compile("Online and mobile banking"))
    ).to_be_visible()

    # Step 3: triage to Emergency, Sev A, Business Critical Outage.
    open_panel(page, "Triage")
    page.get_by_label("Priority").select_option(label="P1 Emergency")
    page.get_by_label("SLA plan").select_option(label="Sev A")
    page.get_by_label("Help topic").select_option(label="Business Critical Outage")
    page.get_by_role("button", name="Save triage").click()
    expect(page.locator("#ticket-priority")).to_have_text("P1 Emergency")
    expect(page.locator("#ticket-sla")).to_have_text("Sev A")

    # Step 4: internal notes, visibly set apart from the public thread.
    open_panel(page, "Internal note")
    page.locator("#id_note-body").fill(NOTE)
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".entry-note")).to_contain_text("two branches confirm")

    # Step 5: escalate to the SysAdmin with a structured hand-off.
    open_panel(page, "Escalate to Tier 2")
    form = page.locator("#form-escalate")
    form.get_by_label("Transfer to department").select_option(label="SysAdmin")
    form.get_by_label("Assign to").select_option(label="Priya Nair")
    form.get_by_label("Steps to reproduce").fill("Open online banking and sign in.")
    form.get_by_label("Exact error text").fill("Service temporarily unavailable (error 503)")
    form.get_by_label("Already tried").fill("Reproduced from two branches.")
    form.get_by_label("Affected asset").fill("banking-api")
    form.get_by_label("User impact").fill("No customer can use online or mobile banking.")
    form.get_by_label("Number of users affected").fill("5000")
    form.get_by_role("button", name="Escalate").click()
    expect(page.get_by_text("has moved out of your departments")).to_be_visible()
    sign_out(page)

    # Step 7: the SysAdmin finds the root cause, validates with the user, resolves, closes.
    sign_in(page, base, "priya")
    page.get_by_role("link", name=re.compile("My tickets")).click()
    page.get_by_role("link", name=f"#{ticket.number}").click()
    expect(page.locator(".entry-note").last).to_contain_text("Exact error text")
    page.locator("#id_reply-body").fill("Services were restored at 09:25. Can you confirm?")
    page.get_by_label("Then").select_option(label="Wait for the customer")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#ticket-status")).to_have_text("Awaiting customer")

    # The user validates the fix in the portal (the browser that opened the ticket may follow it).
    customer.goto(f"{base}/tickets/{ticket.number}/")
    expect(
        customer.get_by_text("Services were restored at 09:25. Can you confirm?")
    ).to_be_visible()
    customer.get_by_label("Your message").fill("Confirmed, it works again.")
    customer.get_by_role("button", name="Send").click()
    expect(customer.get_by_text("Your message was added.")).to_be_visible()
    page.reload()
    expect(page.locator("#ticket-status")).to_have_text("Open")
    open_panel(page, "Resolve")
    form = page.locator("#form-resolve")
    form.get_by_label("Root cause").fill(
        "A configuration change made the backend service restart in a loop."
    )
    form.get_by_label("Resolution").fill("Reverted CR-1042 and restarted the banking API.")
    form.get_by_label("Category").select_option(label="Incident")
    form.get_by_label("Time spent (minutes)").fill("50")
    form.get_by_role("button", name="Resolve").click()
    expect(page.locator("#ticket-status")).to_have_text("Resolved")

    open_panel(page, "Close")
    page.locator("#id_close-reason").fill("Fix validated with the user.")
    page.get_by_role("button", name="Close ticket").click()
    expect(page.locator("#ticket-status")).to_have_text("Closed")

    # Step 6: every step is in the ticket's timeline and audit trail.
    timeline = page.locator("#timeline")
    for line in (
        "Priority changed: P3 Normal → P1 Emergency",
        "SLA plan changed: Sev C → Sev A",
        "Help topic changed: General Inquiry → Business Critical Outage",
        "Escalated: Service Desk → SysAdmin · Priya Nair",
        "Transferred: Service Desk → SysAdmin",
        "Assigned: — → Priya Nair",
        "Resolved: Open → Resolved",
        "Closed: Resolved → Closed",
    ):
        expect(timeline).to_contain_text(re.compile(r"\s+".join(map(re.escape, line.split()))))
    expect(page.get_by_text("Time logged: 50 min")).to_be_visible()

    # The user sees the correspondence and the resolution, never an internal note.
    customer.reload()
    expect(
        customer.get_by_text("Services were restored at 09:25. Can you confirm?")
    ).to_be_visible()
    expect(customer.get_by_text("Reverted CR-1042 and restarted the banking API.")).to_be_visible()
    expect(customer.get_by_text("Closed", exact=True).first).to_be_visible()
    visible = customer.locator("main").inner_text()
    for internal in ("two branches confirm", "Exact error text", "Escalated", "Priya Nair ·"):
        assert internal not in visible
    trail = list(Ticket.objects.get(pk=ticket.pk).events.values_list("kind", "actor_name"))
    assert trail == [
        (Kind.CREATED, "Jordan Blake"),
        (Kind.PRIORITY_CHANGED, "Alex Rivera"),
        (Kind.SLA_PLAN_CHANGED, "Alex Rivera"),
        (Kind.TOPIC_CHANGED, "Alex Rivera"),
        (Kind.NOTE_ADDED, "Alex Rivera"),
        (Kind.ESCALATED, "Alex Rivera"),
        (Kind.TRANSFERRED, "Alex Rivera"),
        (Kind.ASSIGNED, "Alex Rivera"),
        (Kind.NOTE_ADDED, "Alex Rivera"),
        (Kind.REPLIED, "Priya Nair"),
        (Kind.STATUS_CHANGED, "Priya Nair"),
        (Kind.MESSAGE_ADDED, "Jordan Blake"),
        (Kind.STATUS_CHANGED, "Jordan Blake"),
        (Kind.RESOLVED, "Priya Nair"),
        (Kind.TIME_LOGGED, "Priya Nair"),
        (Kind.CLOSED, "Priya Nair"),
    ]
    assert errors == []
