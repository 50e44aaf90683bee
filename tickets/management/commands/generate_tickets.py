"""`manage.py generate_tickets --tickets N`: fill a PostgreSQL desk with N realistic tickets
for the benchmark (see `tickets.generator`)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tickets.generator import Refused, Totals, generate


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def duration(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s"


class Command(BaseCommand):
    help = (
        "Generate N tickets with requesters, threads, audit trails and SLA times on top of the "
        "desk's configuration (PostgreSQL only; for benchmarks)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tickets", type=positive, required=True, help="Generated tickets to end up with."
        )
        parser.add_argument(
            "--resume",
            action="store_true",
            help="Continue an earlier (interrupted) run up to --tickets in all.",
        )
        parser.add_argument(
            "--batch", type=positive, default=20_000, help="Tickets per COPY transaction."
        )
        parser.add_argument("--seed", type=int, default=7, help="Seed of the random draws.")

    def handle(
        self, *args: Any, tickets: int, resume: bool, batch: int, seed: int, **_: Any
    ) -> None:
        try:
            totals, seconds = generate(
                tickets=tickets, resume=resume, batch_size=batch, seed=seed, report=self.progress
            )
        except Refused as refusal:
            raise CommandError(str(refusal)) from None
        rate = totals.tickets / seconds if seconds else 0.0
        self.stdout.write(
            f"Generated {totals.tickets:,} tickets, {totals.entries:,} thread entries, "
            f"{totals.events:,} audit events, {totals.contacts:,} contacts "
            f"in {seconds:.1f} s ({rate:,.0f} tickets/s)."
        )

    def progress(self, totals: Totals, remaining: int, elapsed: float) -> None:
        """One line per batch on stderr: so far, rate, and when it should be done."""
        rate = totals.tickets / elapsed if elapsed else 0.0
        eta = duration(remaining / rate) if rate else "?"
        self.stderr.write(
            f"{totals.tickets:>11,} tickets  {rate:>8,.0f} tickets/s  "
            f"{remaining:>11,} to go  ETA {eta}"
        )
