"""TicketCollaborator moves to the tickets app (agents manage collaborators on the ticket
page and notifications go to them): the table is renamed, the rows stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("mail", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable("TicketCollaborator", "tickets_ticketcollaborator")
            ],
            state_operations=[migrations.DeleteModel("TicketCollaborator")],
        )
    ]
