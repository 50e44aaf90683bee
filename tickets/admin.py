"""Django admin: configuration is edited here; tickets, thread and audit are read-only records."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from tickets import emails, notifications, operations
from tickets.email_kinds import KINDS, TICKET_VARIABLES
from tickets.models import (
    Agent,
    Attachment,
    AuditEvent,
    CannedResponse,
    ClockEvent,
    Contact,
    Department,
    EmailTemplate,
    HelpTopic,
    HelpTopicField,
    Notification,
    NotificationAttempt,
    Page,
    PageAttempt,
    Priority,
    Team,
    ThreadEntry,
    Ticket,
    TicketCollaborator,
    TicketFieldValue,
    TimeEntry,
)

User = get_user_model()


class ReadOnlyAdminMixin:
    """For records that change only through ticket operations (or never): view, don't edit."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Priority)
class PriorityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "urgency", "is_default", "description"]
    list_display_links = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "manager", "default_sla_plan", "agent_count", "is_active"]
    list_filter = ["is_active", "default_sla_plan"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["manager"]
    list_select_related = ["manager__user", "default_sla_plan"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Department]:
        return super().get_queryset(request).annotate(agent_count=Count("agents"))

    @admin.display(description="agents", ordering="agent_count")
    def agent_count(self, department: Department) -> int:
        return department.agent_count  # type: ignore[attr-defined]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "lead", "member_count", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    autocomplete_fields = ["lead"]
    filter_horizontal = ["members"]
    list_select_related = ["lead__user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, team: Team) -> int:
        return team.member_count  # type: ignore[attr-defined]


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = [
        "display_name",
        "username",
        "email",
        "title",
        "department_list",
        "is_manager",
        "is_active",
    ]
    list_filter = ["departments", "is_manager", "user__is_active", "user__is_superuser"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "user__email",
        "title",
    ]
    autocomplete_fields = ["user"]
    filter_horizontal = ["departments"]
    list_select_related = ["user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agent]:
        return super().get_queryset(request).prefetch_related("departments")

    @admin.display(description="name", ordering="user__first_name")
    def display_name(self, agent: Agent) -> str:
        return agent.display_name

    @admin.display(description="username", ordering="user__username")
    def username(self, agent: Agent) -> str:
        return agent.user.get_username()

    @admin.display(description="email", ordering="user__email")
    def email(self, agent: Agent) -> str:
        return agent.email

    @admin.display(description="departments")
    def department_list(self, agent: Agent) -> str:
        return ", ".join(department.name for department in agent.departments.all())

    @admin.display(description="active", boolean=True, ordering="user__is_active")
    def is_active(self, agent: Agent) -> bool:
        return agent.is_active


class AgentInline(admin.StackedInline):
    """Make a user an agent from the user's own page."""

    model = Agent
    can_delete = False
    filter_horizontal = ["departments"]
    extra = 0


admin.site.unregister(User)


@admin.register(User)
class HelpdeskUserAdmin(UserAdmin):
    inlines = [AgentInline]


class HelpTopicFieldInline(admin.TabularInline):
    """The topic's extra questions, shown in the portal when the topic is chosen."""

    model = HelpTopicField
    fields = ["order", "label", "kind", "required", "help_text", "choices", "is_active"]
    extra = 0


@admin.register(HelpTopic)
class HelpTopicAdmin(admin.ModelAdmin):
    inlines = [HelpTopicFieldInline]
    list_display = [
        "full_name",
        "department",
        "default_priority",
        "sla_plan",
        "auto_assign",
        "is_public",
        "is_active",
        "sort_order",
    ]
    list_filter = ["is_active", "is_public", "department", "default_priority", "sla_plan"]
    search_fields = ["name", "description", "parent__name"]
    autocomplete_fields = ["parent", "department", "auto_assign_agent", "auto_assign_team"]
    list_select_related = [
        "parent__parent__parent",
        "department",
        "default_priority",
        "sla_plan",
        "auto_assign_agent__user",
        "auto_assign_team",
    ]
    ordering = ["sort_order", "name"]

    @admin.display(description="topic", ordering="name")
    def full_name(self, topic: HelpTopic) -> str:
        return topic.full_name

    @admin.display(description="auto-assign to")
    def auto_assign(self, topic: HelpTopic) -> str:
        return str(topic.auto_assign_agent or topic.auto_assign_team or "—")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "user", "created_at"]
    search_fields = ["name", "email", "phone"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at"]
    list_select_related = ["user"]
    show_full_result_count = False


class AttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Attachment
    fields = ["filename", "content_type", "size", "sha256", "created_at"]
    readonly_fields = fields
    extra = 0


@admin.register(ThreadEntry)
class ThreadEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["ticket", "kind", "author_name", "created_at"]
    list_filter = ["kind"]
    search_fields = ["ticket__number"]
    list_select_related = ["ticket"]
    fields = ["ticket", "kind", "author_name", "created_at", "body_format", "body"]
    inlines = [AttachmentInline]
    show_full_result_count = False


class ThreadEntryInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = ThreadEntry
    fields = ["kind", "author_name", "created_at", "body"]
    readonly_fields = fields
    extra = 0


class AuditEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AuditEvent
    fields = ["created_at", "kind", "actor_name", "old_value", "new_value", "note", "is_public"]
    readonly_fields = fields
    extra = 0


class TicketFieldValueInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TicketFieldValue
    fields = ["label", "value"]
    readonly_fields = fields
    extra = 0


class ClockEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The SLA timeline: every start, pause, resume, warning, breach and recomputation."""

    model = ClockEvent
    fields = ["at", "clock", "kind", "due", "reason", "calendar"]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = "SLA timeline"


class PageInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Page
    fields = ["created_at", "action", "severity", "status", "attempts", "last_error", "sent_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    verbose_name_plural = "on-call pages"


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Tickets are worked in the agent panel; here an admin can look anything up."""

    actions = ["revoke_access_links"]

    list_display = [
        "number",
        "subject",
        "requester",
        "status",
        "priority",
        "department",
        "assignee",
        "resolution_due",
        "is_overdue",
        "created_at",
    ]
    list_filter = [
        "status",
        "priority",
        "department",
        "source",
        "category",
        "is_overdue",
        "sla_plan",
    ]
    search_fields = ["=number", "subject", "requester__email", "requester__name"]
    list_select_related = ["requester", "priority", "department", "assignee__user"]
    inlines = [
        TicketFieldValueInline,
        ThreadEntryInline,
        AuditEventInline,
        ClockEventInline,
        PageInline,
    ]
    # A million-row table: no COUNT(*) of the unfiltered list on every page.
    show_full_result_count = False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("tickets.change_ticket")

    @admin.action(permissions=["revoke"], description="Revoke the requester's access links")
    def revoke_access_links(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        """For a link forwarded to the wrong person: every link sent so far stops working."""
        agent = getattr(request.user, "agent", None)
        for ticket in queryset:
            operations.revoke_access_links(
                ticket, by=agent, reason=f"Revoked in Django admin by {request.user}."
            )
        self.message_user(
            request, f"Access links revoked for {queryset.count()} ticket(s).", messages.SUCCESS
        )


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail, for reading: nothing, not even an admin, edits or deletes it."""

    list_display = [
        "created_at",
        "ticket",
        "kind",
        "actor_name",
        "old_value",
        "new_value",
        "is_public",
    ]
    list_filter = ["kind", "is_public"]
    search_fields = ["=ticket__number", "actor_name"]
    list_select_related = ["ticket"]
    show_full_result_count = False


class NotificationAttemptInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = NotificationAttempt
    fields = ["at", "succeeded", "smtp_code", "outcome", "will_retry"]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = "delivery log"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The outbox and delivery log of notifications; failed ones can be sent again."""

    actions = ["send_again"]
    list_display = [
        "created_at",
        "ticket",
        "template",
        "recipient_email",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "template"]
    search_fields = ["=ticket__number", "recipient_email", "subject", "=message_id"]
    list_select_related = ["ticket"]
    show_full_result_count = False
    fields = [
        "ticket",
        "event",
        "template",
        ("recipient_name", "recipient_email"),
        "subject",
        "message_id",
        "in_reply_to",
        "references",
        "auto_submitted",
        ("status", "attempts"),
        "last_error",
        ("created_at", "claimed_at", "sent_at"),
        "body",
        # Until the worker composes the email: what it will be made of.
        "values",
    ]
    inlines = [NotificationAttemptInline]

    def has_send_again_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    @admin.action(permissions=["send_again"], description="Send the failed messages again")
    def send_again(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        """Once the mailbox or the mail server is fixed: a fresh round of attempts each."""
        count = notifications.send_again(queryset)
        skipped = queryset.count() - count
        note = f" ({skipped} not failed, left alone)" if skipped else ""
        self.message_user(request, f"{count} message(s) queued again{note}.", messages.SUCCESS)


class EmailTemplateForm(forms.ModelForm):
    """Refuses a template that does not compile or reaches beyond its kind's variables."""

    class Meta:
        model = EmailTemplate
        fields = ["kind", "subject", "body_text", "body_html"]
        widgets = {"body_text": forms.Textarea(attrs={"rows": 16, "cols": 100})}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind = cleaned.get("kind") or self.instance.kind
        if kind not in KINDS:
            return cleaned
        for field, html in (("subject", False), ("body_text", False), ("body_html", True)):
            try:
                emails.compile_template(cleaned.get(field) or "", kind, html=html)
            except ValidationError as refused:
                self.add_error(field, refused)
        return cleaned


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    """The wording of every email the desk sends, with its variables and a preview."""

    form = EmailTemplateForm
    actions = ["reset_to_shipped"]
    list_display = ["__str__", "kind", "subject", "updated_at"]
    search_fields = ["kind", "subject", "body_text"]
    readonly_fields = ["variables", "preview"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A row's kind is what it is for: changing it would swap two emails' wording.
        return [*self.readonly_fields, "kind"] if obj else self.readonly_fields

    @admin.display(description="variables you may use")
    def variables(self, template: EmailTemplate | None) -> str:
        kind = KINDS.get(template.kind) if template and template.kind else None
        listed = kind.variables if kind else TICKET_VARIABLES
        rows = format_html_join(
            "", "<li><code>{{{{ {} }}}}</code>: {}</li>", sorted(listed.items())
        )
        return format_html(
            "<ul>{}</ul><p>{}Also allowed: {}, and the filters {}. Values are plain text, "
            "escaped in HTML; nothing else (no settings, no objects) can be reached.</p>",
            rows,
            "" if kind else "Every kind has these; some have more (see each one after saving). ",
            emails.ALLOWED_TAGS_HELP,
            emails.ALLOWED_FILTERS_HELP,
        )

    @admin.display(description="preview with sample values")
    def preview(self, template: EmailTemplate | None) -> str:
        if not template or template.kind not in KINDS:
            return "Save first to see a preview."
        source = emails.Source(template.subject, template.body_text, template.body_html)
        try:
            rendered = emails.preview(template.kind, source)
        except ValidationError as refused:
            return format_html("Cannot preview: {}", " ".join(refused.messages))
        return format_html(
            '<p><strong>{}</strong></p><pre style="white-space:pre-wrap">{}</pre>'
            '<iframe sandbox srcdoc="{}" title="HTML preview" '
            'style="width:100%;height:420px;border:1px solid #ccc"></iframe>',
            rendered.subject,
            rendered.text,
            rendered.html,
        )

    @admin.action(description="Reset to the shipped wording")
    def reset_to_shipped(self, request: HttpRequest, queryset: QuerySet[EmailTemplate]) -> None:
        for template in queryset:
            shipped = emails.default_source(template.kind)
            template.subject, template.body_text = shipped.subject, shipped.text
            template.body_html = shipped.html
            template.save()
        self.message_user(request, f"{queryset.count()} template(s) reset.", messages.SUCCESS)


class PageAttemptInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PageAttempt
    fields = ["at", "status_code", "succeeded", "duration_ms", "outcome"]
    readonly_fields = fields
    extra = 0


@admin.register(Page)
class PageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """On-call pages and every attempt to deliver them (the routing key is never shown)."""

    list_display = ["created_at", "ticket", "action", "severity", "status", "attempts", "sent_at"]
    list_filter = ["status", "action", "severity"]
    search_fields = ["=ticket__number", "summary"]
    list_select_related = ["ticket"]
    fields = [
        "ticket",
        "webhook",
        "action",
        "summary",
        "severity",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    ]
    inlines = [PageAttemptInline]


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    """Prepared replies; agents pick them in the reply form of their department's tickets."""

    list_display = ["title", "department", "is_active", "created_at"]
    list_filter = ["is_active", "department"]
    search_fields = ["title", "body"]
    list_select_related = ["department"]


@admin.register(TimeEntry)
class TimeEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Time logged in the agent panel, for reports; entries are audited and not edited."""

    list_display = ["worked_on", "ticket", "agent", "minutes", "note"]
    list_filter = ["worked_on", "agent"]
    search_fields = ["=ticket__number", "note"]
    list_select_related = ["ticket", "agent__user"]
    date_hierarchy = "worked_on"
    show_full_result_count = False


@admin.register(TicketCollaborator)
class TicketCollaboratorAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """People copied on tickets. Agents add and remove them on the ticket page, where the
    change is audited; here they are only looked up."""

    list_display = ["ticket", "email", "name", "created_at"]
    search_fields = ["=ticket__number", "email", "name"]
    list_select_related = ["ticket"]
    raw_id_fields = ["ticket"]
