"""`manage.py load_demo`: build the demo desk (idempotent) and print the demo logins."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tickets.demo import DEMO_PASSWORD, build_demo_desk, demo_logins


class Command(BaseCommand):
    help = "Build the demo desk from the seed stories; running it again changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even with DEBUG off (demo users have a published password).",
        )

    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo users with a published password into a production "
                "site (DEBUG is off). Use --force on a throw-away installation."
            )
        _desk, opened = build_demo_desk()
        if opened:
            self.stdout.write(f"Opened {len(opened)} sample tickets.")
        else:
            self.stdout.write("The demo desk is already loaded; nothing changed.")
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for login in demo_logins():
            self.stdout.write(f"  {login.username:<8} {login.role}")
