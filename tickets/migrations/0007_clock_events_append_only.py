"""Make the SLA timeline (clock events) append-only in the database, like the audit trail.

Same rule as 0002 for audit events: a row-level trigger refuses UPDATE and DELETE whoever
sends them; TRUNCATE stays with the database owner.
"""

from django.db import migrations

POSTGRESQL_CREATE = """
CREATE FUNCTION tickets_clockevent_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'clock events are append-only: % refused on tickets_clockevent', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER tickets_clockevent_append_only
    BEFORE UPDATE OR DELETE ON tickets_clockevent
    FOR EACH ROW EXECUTE FUNCTION tickets_clockevent_refuse_change();
"""
POSTGRESQL_DROP = """
DROP TRIGGER tickets_clockevent_append_only ON tickets_clockevent;
DROP FUNCTION tickets_clockevent_refuse_change();
"""
SQLITE_CREATE = [
    """CREATE TRIGGER tickets_clockevent_no_update BEFORE UPDATE ON tickets_clockevent
       BEGIN SELECT RAISE(ABORT, 'clock events are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER tickets_clockevent_no_delete BEFORE DELETE ON tickets_clockevent
       BEGIN SELECT RAISE(ABORT, 'clock events are append-only: DELETE refused'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER tickets_clockevent_no_update",
    "DROP TRIGGER tickets_clockevent_no_delete",
]


def _run(schema_editor, postgresql: list[str], sqlite: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": postgresql, "sqlite": sqlite}.get(vendor)
    if statements is None:
        raise NotImplementedError(f"no append-only trigger for {vendor}")
    for statement in statements:
        schema_editor.execute(statement, params=None)


def create_triggers(apps, schema_editor) -> None:
    _run(schema_editor, [POSTGRESQL_CREATE], SQLITE_CREATE)


def drop_triggers(apps, schema_editor) -> None:
    _run(schema_editor, [POSTGRESQL_DROP], SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0006_full_text_search_indexes")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
