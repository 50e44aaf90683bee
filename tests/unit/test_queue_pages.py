"""Keyset cursors and search words: what reaches the database is always well formed."""

from datetime import UTC, datetime

import pytest
from django.db.models import Q

from tickets.queues import SORTS, decode_cursor, encode_cursor, search_terms


@pytest.mark.parametrize("value", [datetime(2026, 3, 2, 8, 40, tzinfo=UTC), 3, "12345678", None])
def test_a_cursor_names_the_same_position_after_a_round_trip(value: object) -> None:
    assert decode_cursor(encode_cursor(value, 42)) == (value, 42)


@pytest.mark.parametrize(
    "cursor", ["", "garbage!", "W10", "eyJhIjoxfQ", encode_cursor([1, 2], 3), "WzEsIngiXQ"]
)
def test_a_tampered_cursor_means_the_first_page(cursor: str) -> None:
    assert decode_cursor(cursor) is None


def test_rows_after_a_position_follow_the_sort_direction_with_nulls_last() -> None:
    due, updated = SORTS["due"], SORTS["updated"]

    assert due.after(None, 7) == Q(resolution_due__isnull=True, pk__gt=7)
    assert "resolution_due__isnull" in str(due.after(datetime(2026, 1, 1, tzinfo=UTC), 7))
    assert "updated_at__lt" in str(updated.after(datetime(2026, 1, 1, tzinfo=UTC), 7))
    assert "isnull" not in str(updated.after(datetime(2026, 1, 1, tzinfo=UTC), 7))


def test_rows_after_a_position_are_bounded_by_a_plain_comparison_an_index_can_seek() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)

    assert ("updated_at__lte", moment) in SORTS["updated"].after(moment, 7).children
    assert ("resolution_due__gte", moment) in SORTS["due"].after(moment, 7).children[0].children


def test_search_words_carry_no_query_syntax() -> None:
    assert search_terms("Outlook & !(503) :* 'x' | y") == ["outlook", "503", "x", "y"]
    assert len(search_terms("a " * 50)) == 8
