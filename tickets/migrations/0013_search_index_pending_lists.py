"""Smaller pending lists for the full-text search indexes (PostgreSQL only).

A GIN index collects new entries in a pending list (4 MB by default) and merges them into
the index later; until then every search reads the whole list. With a million tickets, full
lists added 15–20 ms to each search index probe, most of a search's time on a quiet desk.
256 kB keeps inserts batched while bounding what a search has to read.
"""

from django.db import migrations

INDEXES = ("ticket_subject_search", "thread_entry_body_search", "contact_search")
PENDING_LIST_KB = 256


def bound(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} SET (gin_pending_list_limit = {PENDING_LIST_KB})")


def unbound(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} RESET (gin_pending_list_limit)")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0012_ticket_collaborators")]

    operations = [migrations.RunPython(bound, unbound)]
