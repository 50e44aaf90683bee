"""Email templates: checked when an admin saves them, rendered safely for every notification.

A template is Django template source limited to what wording needs: `{{ variable }}` with
the variables of its kind (`email_kinds.KINDS`), `{% if %}`, comments and a few text
filters. No `{% load %}`, `{% include %}`, `{% debug %}`, `{% url %}` or dotted look-ups, and
the context holds plain strings only. User text (subjects, messages) is only ever a value,
escaped in HTML, never template source, so "{{ settings.SECRET_KEY }}" typed by anyone comes
out as those characters.
"""

import logging
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Template, TemplateSyntaxError, loader
from django.template.base import FilterExpression, Node, TextNode, Variable, VariableNode
from django.template.defaulttags import CommentNode, IfNode
from django.template.exceptions import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.html import escape, linebreaks, urlize
from django.utils.safestring import mark_safe

from helpdesk.remembered import remembered
from tickets.email_kinds import KINDS
from tickets.models import EmailTemplate

logger = logging.getLogger(__name__)

ALLOWED_FILTERS = frozenset(
    {
        "default",
        "upper",
        "lower",
        "title",
        "capfirst",
        "truncatechars",
        "truncatewords",
        "wordwrap",
        "linebreaks",
        "linebreaksbr",
        "urlize",
    }
)
ALLOWED_FILTERS_HELP = ", ".join(f"|{name}" for name in sorted(ALLOWED_FILTERS))
ALLOWED_TAGS_HELP = "{{ variable }}, {{ variable|filter }}, {% if %}…{% elif %}…{% else %}…" + (
    "{% endif %} and {# comments #}"
)

# The subjects a fresh install sends; bodies are files in templates/notifications/.
DEFAULT_SUBJECTS = {
    "ticket_received": "[#{{ ticket_number }}] We received your request: {{ ticket_subject }}",
    "agent_reply": "[#{{ ticket_number }}] {{ ticket_subject }}",
    "ticket_resolved": "[#{{ ticket_number }}] Resolved: {{ ticket_subject }}",
    "ticket_closed": "[#{{ ticket_number }}] Closed: {{ ticket_subject }}",
    "ticket_auto_closed": "[#{{ ticket_number }}] Closed: {{ ticket_subject }}",
    "access_link": "[#{{ ticket_number }}] Your link to the ticket: {{ ticket_subject }}",
    "new_ticket_alert": "[#{{ ticket_number }}] New ticket: {{ ticket_subject }}",
    "customer_message_alert": "[#{{ ticket_number }}] New message from {{ requester_name }}: "
    "{{ ticket_subject }}",
    "note_alert": "[#{{ ticket_number }}] Internal note: {{ ticket_subject }}",
    "assignment_alert": "[#{{ ticket_number }}] Assigned to you: {{ ticket_subject }}",
    "transfer_alert": "[#{{ ticket_number }}] Transferred to {{ ticket_department }}: "
    "{{ ticket_subject }}",
    "reopened_alert": "[#{{ ticket_number }}] Reopened: {{ ticket_subject }}",
    "sla_warning": "[#{{ ticket_number }}] SLA warning: {{ ticket_subject }}",
    "sla_breached": "[#{{ ticket_number }}] Overdue: {{ ticket_subject }}",
    "account_verify": "Confirm your email address",
    "account_exists": "You already have an account",
    "password_reset": "Reset your password",
}

# What the admin preview fills in: one plausible value per variable of any kind.
SAMPLE = {
    "desk_name": "IT Help Desk",
    "recipient_name": "Jordan Blake",
    "ticket_number": "482913",
    "ticket_subject": "Online and mobile banking are down",
    "ticket_status": "Open",
    "ticket_priority": "P1 Emergency",
    "ticket_department": "SysAdmin",
    "ticket_topic": "Business Critical Outage",
    "ticket_sla_plan": "Sev A",
    "ticket_assignee": "Priya Nair",
    "ticket_team": "Major Incident Team",
    "requester_name": "Jordan Blake",
    "requester_email": "jordan.blake@northbank.example",
    "first_response_due": "Mon 23 Nov 2026, 09:15 UTC",
    "resolution_due": "Mon 23 Nov 2026, 13:00 UTC",
    "actor_name": "Alex Rivera",
    "message_text": 'Customers see "Service temporarily unavailable (error 503)".',
    "event_note": "Needs a SysAdmin: the load balancer pool is down.",
    "old_value": "Service Desk",
    "new_value": "SysAdmin",
    "ticket_url": "https://help.example.com/t/sample-link/",
    "resolution": "Restarted the API pool and raised its connection limit.",
    "root_cause": "The connection pool was exhausted after the certificate rotation.",
    "confirm_url": "https://help.example.com/t/sample-link/?then=confirm",
    "reopen_url": "https://help.example.com/t/sample-link/?then=reopen",
    "valid_for": "30 days",
    "verify_url": "https://help.example.com/accounts/verify/sample/",
    "login_url": "https://help.example.com/accounts/login/",
    "reset_url": "https://help.example.com/accounts/password-reset/",
}


@dataclass(frozen=True)
class Source:
    """A kind's template source: subject, plain text and HTML (empty: made from the text)."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Rendered:
    """A rendered email: one-line subject, plain text, and the full HTML page."""

    subject: str
    text: str
    html: str


# ---------------------------------------------------------------------------------------------
# Checking


@cache
def _engine(*, html: bool) -> Engine:
    # An engine of its own: no loaders (nothing to include), no libraries (nothing to load).
    return Engine(autoescape=html, libraries={}, loaders=[])


# Compiled templates are kept: a sweep that alerts on thousands of tickets checks and parses
# each wording once. Keyed by the source text, so an edit in admin is a new entry.
@lru_cache(maxsize=256)
def compile_template(source: str, kind: str, *, html: bool = False) -> Template:
    """`source` compiled for `kind`, or ValidationError saying what is wrong, in plain words."""
    try:
        template = _engine(html=html).from_string(source)
    except TemplateSyntaxError as error:
        raise ValidationError(f"This template does not compile: {error}") from None
    problems = [
        problem
        for node in template.nodelist.get_nodes_by_type(Node)
        for problem in _node_problems(node, KINDS[kind].variables)
    ]
    if problems:
        raise ValidationError(sorted(set(problems)))
    return template


def _node_problems(node: Node, variables: dict[str, str]) -> list[str]:
    if isinstance(node, TextNode):
        # Django keeps a tag it cannot close as text; that is a typo to point out, not wording.
        unclosed = "{{" in node.s or "{%" in node.s
        return ["A {{ or {% is never closed: check the braces."] if unclosed else []
    if isinstance(node, CommentNode):
        return []
    if isinstance(node, VariableNode):
        expressions = [node.filter_expression]
    elif isinstance(node, IfNode):
        expressions = [
            expression
            for condition, _nodes in node.conditions_nodelists
            if condition is not None
            for expression in _condition_expressions(condition)
        ]
    else:
        tag = node.token.contents.split()[0] if getattr(node, "token", None) else "?"
        return [f"{{% {tag} %}} is not allowed here; use only {ALLOWED_TAGS_HELP}."]
    return [problem for each in expressions for problem in _expression_problems(each, variables)]


def _condition_expressions(condition: object) -> list[FilterExpression]:
    """The expressions inside an `{% if %}` condition tree (literals and operators)."""
    value = getattr(condition, "value", None)
    if isinstance(value, FilterExpression):
        return [value]
    branches = (getattr(condition, "first", None), getattr(condition, "second", None))
    return [
        each for branch in branches if branch is not None for each in _condition_expressions(branch)
    ]


def _expression_problems(expression: FilterExpression, variables: dict[str, str]) -> list[str]:
    problems = _variable_problems(expression.var, variables)
    for function, arguments in expression.filters:
        name = getattr(function, "_filter_name", function.__name__)
        if name not in ALLOWED_FILTERS:
            problems.append(
                f"The filter |{name} is not allowed; use one of {ALLOWED_FILTERS_HELP}."
            )
        for is_variable, argument in arguments:
            if is_variable:
                problems += _variable_problems(argument, variables)
    return problems


def _variable_problems(variable: object, variables: dict[str, str]) -> list[str]:
    if not isinstance(variable, Variable) or variable.lookups is None:
        return []  # a literal: "text" or a number
    name = variable.var
    if len(variable.lookups) > 1:
        return [f"{{{{ {name} }}}}: use the variables as listed, without dots."]
    if name not in variables:
        return [f"{{{{ {name} }}}} is not a variable of this email; use only those listed."]
    return []


# ---------------------------------------------------------------------------------------------
# Sources: the admin's row, else the shipped default


def default_source(kind: str) -> Source:
    """The wording a fresh install sends for `kind`."""
    return Source(
        subject=DEFAULT_SUBJECTS[kind],
        text=_file(f"notifications/{kind}.txt"),
        html=_file(f"notifications/{kind}.html", missing_ok=True),
    )


def _file(name: str, *, missing_ok: bool = False) -> str:
    try:
        return loader.get_template(name).template.source
    except TemplateDoesNotExist:
        if missing_ok:
            return ""
        raise


def source_for(kind: str) -> Source:
    """The wording admins set for `kind`, else the shipped default (remembered: every
    ticket opened or answered sends a few kinds of email)."""
    return remembered(f"email:{kind}", lambda: _stored_source(kind))


def _stored_source(kind: str) -> Source:
    row = EmailTemplate.objects.filter(kind=kind).first()
    if row is None:
        return default_source(kind)
    return Source(subject=row.subject, text=row.body_text, html=row.body_html)


# ---------------------------------------------------------------------------------------------
# Rendering


def render(kind: str, values: dict[str, str], *, tag: str = "") -> Rendered:
    """The email of `kind` for `values` (plain strings); `tag` (e.g. "[#482913]") is put in
    front of the subject unless the template already has it.

    A stored template that no longer passes the checks (edited outside admin, or a variable
    since renamed) is logged and replaced by the shipped default: mail must still go out.
    """
    try:
        return _render(kind, source_for(kind), values, tag=tag)
    except ValidationError as refused:
        logger.error("email template %s refused, sending the default: %s", kind, refused)
        return _render(kind, default_source(kind), values, tag=tag)


def preview(kind: str, source: Source) -> Rendered:
    """`source` rendered with sample values, for the admin; ValidationError if it is refused."""
    return _render(kind, source, SAMPLE, tag=f"[#{SAMPLE['ticket_number']}]")


def _render(kind: str, source: Source, values: dict[str, str], *, tag: str) -> Rendered:
    allowed = {name: str(values.get(name, "")) for name in KINDS[kind].variables}
    subject = _fill(compile_template(source.subject, kind), allowed, html=False)
    # A line break in a header is an injection attempt or a broken client; one line it is.
    subject = " ".join(subject.split())
    if tag and tag not in subject:
        subject = f"{tag} {subject}"
    text = _fill(compile_template(source.text, kind), allowed, html=False).strip() + "\n"
    if source.html.strip():
        inner = _fill(compile_template(source.html, kind, html=True), allowed, html=True)
    else:
        inner = linebreaks(linked(text), autoescape=False)
    page = render_to_string(
        "notifications/layout.html",
        {
            "content": mark_safe(inner),  # noqa: S308 - rendered with autoescape on, above
            "subject": subject,
            "desk_name": allowed["desk_name"],
            "on_a_ticket": bool(tag),
        },
    )
    return Rendered(subject=subject[:255], text=text, html=page)


# Where urlize could find a link: a scheme, www., an address, or a bare domain it knows.
LINK_HINT = re.compile(r"://|www\.|@|\.(?:com|edu|gov|int|mil|net|org)\b", re.IGNORECASE)


def linked(text: str) -> str:
    """`urlize(text, autoescape=True)`, run only on the lines that may hold a link: urlize
    costs ~0.3 ms on a short alert, and an SLA sweep renders thousands of alerts."""
    return "\n".join(
        urlize(line, autoescape=True) if LINK_HINT.search(line) else escape(line)
        for line in text.split("\n")
    )


def _fill(template: Template, values: dict[str, str], *, html: bool) -> str:
    return template.render(Context(values, autoescape=html))
