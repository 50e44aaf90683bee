"""Ticket numbers: short enough to read out on the phone, random so they reveal nothing."""

import secrets

# Eight digits, never starting with 0 (spreadsheets and phone menus drop leading zeros).
# 90 million numbers: at a million tickets a new draw collides about once in 90 tries.
LOWEST, HIGHEST = 10_000_000, 99_999_999


def new_ticket_number() -> str:
    """A random eight-digit number; the caller retries on the rare collision."""
    return str(LOWEST + secrets.randbelow(HIGHEST - LOWEST + 1))


class TicketNumberConverter:
    """`<ticket:number>` in a URL: digits only, at most as many as the column holds.
    Anything else is a 404 before the database is asked for it."""

    regex = "[0-9]{1,12}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)
