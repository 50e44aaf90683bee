"""What the JSON API shows of tickets, and what its actions accept."""

from rest_framework import serializers

from tickets.models import Agent, Attachment, Priority, ThreadEntry, Ticket, TimeEntry

# What a reply may leave a ticket in; named in the schema (ENUM_NAME_OVERRIDES).
ACTIVE_STATUS_CHOICES = [(status, Ticket.Status(status).label) for status in Ticket.ACTIVE_STATUSES]


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="__str__")


class RequesterSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.EmailField()


class TicketSerializer(serializers.ModelSerializer):
    """A ticket as a list row shows it; `version` is what an action must send back."""

    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    priority = serializers.CharField(source="priority.code")
    department = NamedSerializer()
    topic = NamedSerializer(allow_null=True)
    assignee = NamedSerializer(allow_null=True)
    team = NamedSerializer(allow_null=True)
    requester = RequesterSerializer()

    class Meta:
        model = Ticket
        fields = [
            "number",
            "subject",
            "status",
            "priority",
            "department",
            "topic",
            "assignee",
            "team",
            "requester",
            "source",
            "is_overdue",
            "first_response_due",
            "resolution_due",
            "created_at",
            "updated_at",
            "version",
        ]


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "sha256"]


class ThreadEntrySerializer(serializers.ModelSerializer):
    """A message, reply or internal note; `internal` entries are never sent to the requester."""

    internal = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True)

    class Meta:
        model = ThreadEntry
        fields = ["id", "kind", "internal", "author_name", "body", "body_format", "created_at",
                  "attachments"]  # fmt: skip

    def get_internal(self, entry: ThreadEntry) -> bool:
        return entry.kind == ThreadEntry.Kind.NOTE


class TicketDetailSerializer(TicketSerializer):
    thread = ThreadEntrySerializer(many=True, source="entries")

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "thread"]


class TicketPageSerializer(serializers.Serializer):
    results = TicketSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")


# ---------------------------------------------------------------------------------------------
# Actions


class VersionedSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The ticket's version you read; 409 if it changed since."
    )


class PostSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=100_000)
    body_format = serializers.ChoiceField(
        choices=ThreadEntry.Format.choices, default=ThreadEntry.Format.TEXT
    )


class ReplySerializer(PostSerializer, VersionedSerializer):
    status = serializers.ChoiceField(
        choices=ACTIVE_STATUS_CHOICES,
        required=False,
        help_text="Leave the ticket open or awaiting the customer.",
    )


class NoteSerializer(PostSerializer):
    pass


class StatusSerializer(VersionedSerializer):
    """open/awaiting_customer move an active ticket; resolved needs the resolution fields;
    closed and reopening (to open from resolved/closed) take an optional reason."""

    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    root_cause = serializers.CharField(required=False, max_length=5000)
    resolution = serializers.CharField(required=False, max_length=5000)
    category = serializers.ChoiceField(choices=Ticket.Category.choices, required=False)
    minutes = serializers.IntegerField(
        required=False, min_value=1, max_value=TimeEntry.MAX_MINUTES, help_text="Time spent."
    )

    RESOLUTION_FIELDS = ("root_cause", "resolution", "category", "minutes")

    def validate(self, data: dict) -> dict:
        if data["status"] == Ticket.Status.RESOLVED:
            missing = {name: "Required to resolve." for name in self.RESOLUTION_FIELDS
                       if name not in data}  # fmt: skip
            if missing:
                raise serializers.ValidationError(missing)
        return data


class PrioritySerializer(VersionedSerializer):
    priority = serializers.SlugRelatedField(slug_field="code", queryset=Priority.objects.all())


class AssigneeSerializer(VersionedSerializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=Agent.objects.active(), allow_null=True, help_text="An agent's id; null releases."
    )
