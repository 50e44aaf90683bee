"""The kinds of email the desk sends and the variables each one's template may use.

Pure data, imported by the models (for the template's choices), the renderer
(`tickets.emails`) and the faces (opt-out choices). Every value a template sees is a plain
string, so a template can show data but never reach an object, a setting or a query.
"""

from dataclasses import dataclass

# Who a kind of email goes to. Agents may mute alerts; requester and account emails are the
# desk's answer to the person asking, so they always go out.
REQUESTER, AGENT, ACCOUNT = "requester", "agent", "account"

TICKET_VARIABLES: dict[str, str] = {
    "desk_name": "the help desk's name",
    "recipient_name": "the name of the person this email goes to",
    "ticket_number": "the ticket number",
    "ticket_subject": "the ticket's subject, as the requester typed it",
    "ticket_status": 'the ticket\'s status ("Open", "Resolved"…)',
    "ticket_priority": 'the ticket\'s priority ("P1 Emergency"…)',
    "ticket_department": "the ticket's department",
    "ticket_topic": "the ticket's help topic, or empty",
    "ticket_sla_plan": "the ticket's SLA plan, or empty",
    "ticket_assignee": "the agent the ticket is assigned to, or empty",
    "ticket_team": "the team the ticket is assigned to, or empty",
    "requester_name": "the requester's name",
    "requester_email": "the requester's email address",
    "first_response_due": "when the first answer is due, or empty",
    "resolution_due": "when the resolution is due, or empty",
    "actor_name": 'who did what this email is about ("System" for scheduled jobs)',
    "message_text": "the text of the message, reply or note this email is about, or empty",
    "event_note": "the reason or note given with the change (transfer reason, resolution…)",
    "old_value": "the value before the change (assignment, transfer…), or empty",
    "new_value": "the value after the change, or empty",
    "ticket_url": "the requester's personal link to the ticket, or the agent panel's page "
    "for agents",
}
RESOLUTION_VARIABLES: dict[str, str] = {
    "resolution": "the resolution the agent wrote",
    "root_cause": "the root cause the agent wrote",
    "confirm_url": 'the requester\'s link to confirm the fix ("This solved my problem")',
    "reopen_url": "the requester's link to say it is not fixed and reopen the ticket",
}
REOPEN_VARIABLES: dict[str, str] = {"reopen_url": RESOLUTION_VARIABLES["reopen_url"]}
ACCOUNT_VARIABLES: dict[str, str] = {
    "desk_name": TICKET_VARIABLES["desk_name"],
    "recipient_name": TICKET_VARIABLES["recipient_name"],
}


@dataclass(frozen=True)
class EmailKind:
    """One kind of email: its name in admin, its audience and the variables it may use."""

    label: str
    audience: str
    variables: dict[str, str]
    # Written by a person (an agent's reply): not marked Auto-Submitted, so auto-responders
    # and mail rules treat it as the human answer it is.
    written_by_a_person: bool = False


KINDS: dict[str, EmailKind] = {
    "ticket_received": EmailKind(
        "New ticket: auto-response to the requester", REQUESTER, TICKET_VARIABLES
    ),
    "agent_reply": EmailKind(
        "Agent's reply to the requester", REQUESTER, TICKET_VARIABLES, written_by_a_person=True
    ),
    "ticket_resolved": EmailKind(
        "Resolution notice to the requester", REQUESTER, TICKET_VARIABLES | RESOLUTION_VARIABLES
    ),
    "ticket_closed": EmailKind(
        "Closing notice to the requester", REQUESTER, TICKET_VARIABLES | REOPEN_VARIABLES
    ),
    "ticket_auto_closed": EmailKind(
        "Auto-close notice to the requester", REQUESTER, TICKET_VARIABLES | REOPEN_VARIABLES
    ),
    "access_link": EmailKind(
        "Access link asked for by the requester",
        REQUESTER,
        TICKET_VARIABLES | {"valid_for": 'how long the link works ("30 days")'},
    ),
    "new_ticket_alert": EmailKind("New ticket alert to the department", AGENT, TICKET_VARIABLES),
    "customer_message_alert": EmailKind("Requester's message alert", AGENT, TICKET_VARIABLES),
    "note_alert": EmailKind("Internal note alert", AGENT, TICKET_VARIABLES),
    "assignment_alert": EmailKind("Assignment alert", AGENT, TICKET_VARIABLES),
    "transfer_alert": EmailKind("Transfer alert to the new department", AGENT, TICKET_VARIABLES),
    "reopened_alert": EmailKind("Reopened ticket alert", AGENT, TICKET_VARIABLES),
    "sla_warning": EmailKind("SLA warning (close to its target)", AGENT, TICKET_VARIABLES),
    "sla_breached": EmailKind("Overdue / escalation alert", AGENT, TICKET_VARIABLES),
    "account_verify": EmailKind(
        "Account: confirm the email address",
        ACCOUNT,
        ACCOUNT_VARIABLES | {"verify_url": "the confirmation link"},
    ),
    "account_exists": EmailKind(
        "Account: the address already has an account",
        ACCOUNT,
        ACCOUNT_VARIABLES
        | {"login_url": "the sign-in page", "reset_url": "the password reset page"},
    ),
    "password_reset": EmailKind(
        "Account: password reset",
        ACCOUNT,
        ACCOUNT_VARIABLES | {"reset_url": "the link to choose a password"},
    ),
}

KIND_CHOICES = [(name, kind.label) for name, kind in KINDS.items()]
# The alerts an agent may choose not to receive (their profile page, or Django admin).
ALERT_CHOICES = [(name, kind.label) for name, kind in KINDS.items() if kind.audience == AGENT]
