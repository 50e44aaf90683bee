"""Give every kind of email its shipped wording as an editable row in Django admin."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def add_shipped_templates(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from tickets import emails  # the shipped wording as of this migration
    from tickets.email_kinds import KINDS

    EmailTemplate = apps.get_model("tickets", "EmailTemplate")  # noqa: N806 - a model class
    for kind in KINDS:
        source = emails.default_source(kind)
        EmailTemplate.objects.get_or_create(
            kind=kind,
            defaults={"subject": source.subject, "body_text": source.text, "body_html": source.html},
        )


def remove_templates(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("tickets", "EmailTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0009_email_templates")]

    operations = [migrations.RunPython(add_shipped_templates, remove_templates)]
