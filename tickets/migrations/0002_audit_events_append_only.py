"""Make the audit trail append-only in the database itself, not only in the ORM.

A row-level trigger refuses UPDATE and DELETE on tickets_auditevent, whoever runs them (a
shell, a script, a buggy migration). TRUNCATE is left to the database owner on purpose: it is
a deliberate wipe of a whole test or staging database, never an edit of history.
"""

from django.db import migrations

POSTGRESQL_CREATE = """
CREATE FUNCTION tickets_auditevent_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused on tickets_auditevent', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER tickets_auditevent_append_only
    BEFORE UPDATE OR DELETE ON tickets_auditevent
    FOR EACH ROW EXECUTE FUNCTION tickets_auditevent_refuse_change();
"""
POSTGRESQL_DROP = """
DROP TRIGGER tickets_auditevent_append_only ON tickets_auditevent;
DROP FUNCTION tickets_auditevent_refuse_change();
"""
SQLITE_CREATE = [
    """CREATE TRIGGER tickets_auditevent_no_update BEFORE UPDATE ON tickets_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER tickets_auditevent_no_delete BEFORE DELETE ON tickets_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER tickets_auditevent_no_update",
    "DROP TRIGGER tickets_auditevent_no_delete",
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
    dependencies = [("tickets", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
