"""`helpdesk.kept.Kept`: what a process keeps, the least recently read dropped first."""

from helpdesk.kept import Kept


def test_past_its_size_the_least_recently_read_entry_goes() -> None:
    kept: Kept[str, int] = Kept(2)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # read again: "b" is now the least recent

    kept.put("c", 3)

    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (1, None, 3)
    assert len(kept) == 2


def test_putting_a_key_again_replaces_its_value_and_keeps_it() -> None:
    kept: Kept[str, int] = Kept(2)
    kept.put("a", 1)
    kept.put("b", 2)
    kept.put("a", 10)  # now the most recent

    kept.put("c", 3)

    assert (kept.get("a"), kept.get("b")) == (10, None)


def test_clear_forgets_everything() -> None:
    kept: Kept[str, int] = Kept(2)
    kept.put("a", 1)

    kept.clear()

    assert kept.get("a") is None and not kept
