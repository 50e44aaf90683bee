import re

from tickets.numbers import new_ticket_number


def test_numbers_have_eight_digits_and_never_a_leading_zero() -> None:
    numbers = {new_ticket_number() for _ in range(2000)}

    assert all(re.fullmatch(r"[1-9]\d{7}", number) for number in numbers)
    assert len(numbers) > 1990  # random, not a counter: almost no repeats in 2000 draws
