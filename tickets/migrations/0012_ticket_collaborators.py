"""TicketCollaborator arrives from the mail app, whose migration 0002 renamed its table; the
model is added to this app's state only. Two audit kinds record adding and removing one."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0011_notification_message_id_index"),
        ("mail", "0002_move_collaborators_to_tickets"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TicketCollaborator",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("email", models.EmailField(help_text="Stored in lower case.", max_length=254)),
                        ("name", models.CharField(blank=True, max_length=120)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        ("ticket", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="collaborators", to="tickets.ticket")),
                    ],
                    options={
                        "ordering": ["ticket", "email"],
                        "constraints": [models.UniqueConstraint(fields=("ticket", "email"), name="one_collaborator_per_email")],
                    },
                ),
            ],
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="kind",
            field=models.CharField(choices=[('created', 'Created'), ('message_added', 'Customer message'), ('replied', 'Replied'), ('note_added', 'Internal note'), ('status_changed', 'Status changed'), ('assigned', 'Assigned'), ('team_assigned', 'Team assigned'), ('transferred', 'Transferred'), ('priority_changed', 'Priority changed'), ('sla_plan_changed', 'SLA plan changed'), ('topic_changed', 'Help topic changed'), ('resolved', 'Resolved'), ('closed', 'Closed'), ('reopened', 'Reopened'), ('access_revoked', 'Access links revoked'), ('sla_warning', 'SLA warning'), ('sla_breached', 'Overdue'), ('sla_escalated', 'Escalated by SLA rule'), ('escalated', 'Escalated'), ('time_logged', 'Time logged'), ('caller_identity', 'Caller identity'), ('received_via', 'Received via'), ('collaborator_added', 'Collaborator added'), ('collaborator_removed', 'Collaborator removed')], max_length=20),
        ),
    ]
