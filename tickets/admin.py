"""Django admin: configuration is edited here; tickets, thread and audit are read-only records."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from tickets import operations
from tickets.models import (
    Agent,
    Attachment,
    AuditEvent,
    CannedResponse,
    ClockEvent,
    Contact,
    Department,
    HelpTopic,
    HelpTopicField,
    Notification,
    Page,
    PageAttempt,
    Priority,
    Team,
    ThreadEntry,
    Ticket,
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


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The outbox and delivery log of notifications."""

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
    search_fields = ["=ticket__number", "recipient_email", "subject"]
    list_select_related = ["ticket"]
    show_full_result_count = False


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
