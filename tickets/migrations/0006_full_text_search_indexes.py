"""GIN expression indexes for the agent panel's full-text search (PostgreSQL only).

Expression indexes rather than a stored tsvector column: PostgreSQL keeps them current in
the same transaction as every insert, whichever code path writes, and adding a message
indexes only that message's words instead of rewriting a ticket-wide vector. The
expressions must stay identical to those in `tickets.queues` or the planner ignores them.
SQLite (`make run`) searches with a plain scan instead and gets no index.
"""

from django.db import migrations

INDEXES = {
    "ticket_subject_search": (
        "tickets_ticket",
        "to_tsvector('simple'::regconfig, subject)",
    ),
    "thread_entry_body_search": (
        "tickets_threadentry",
        "to_tsvector('simple'::regconfig, left(body, 100000))",
    ),
    "contact_search": (
        "tickets_contact",
        "to_tsvector('simple'::regconfig, name || ' ' || email)",
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, expression) in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}))")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_agent_panel_time_entries_canned_responses")]

    operations = [migrations.RunPython(create, drop)]
