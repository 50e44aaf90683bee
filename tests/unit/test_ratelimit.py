"""helpdesk.ratelimit: fixed windows in the cache, per scope and per identity."""

import pytest
import time_machine
from django.test import RequestFactory
from pytest_django import Settings

from helpdesk.ratelimit import Rate, RateLimited, check, client_ip, hit


def test_rates_are_read_from_settings_strings() -> None:
    assert Rate.parse("10/h") == Rate(10, 3600)
    assert Rate.parse("3/m") == Rate(3, 60)


@time_machine.travel(1_800_000_000, tick=False)
def test_the_attempt_over_the_limit_is_refused_until_the_window_ends() -> None:
    rate = Rate(2, 60)
    hit("login", "ann", rate)
    hit("login", "ann", rate)

    with pytest.raises(RateLimited) as refused:
        hit("login", "ann", rate)

    assert refused.value.retry_after == 60 - 1_800_000_000 % 60
    assert "wait 1 minute" in str(refused.value)
    hit("login", "bob", rate)  # someone else is not affected
    hit("lookup", "ann", rate)  # nor another scope


def test_a_new_window_starts_afresh() -> None:
    rate = Rate(1, 60)
    with time_machine.travel(1_800_000_000, tick=False):
        hit("s", "ann", rate)
        with pytest.raises(RateLimited):
            hit("s", "ann", rate)
    with time_machine.travel(1_800_000_060, tick=False):
        hit("s", "ann", rate)


def test_check_does_not_count() -> None:
    rate = Rate(1, 60)
    for _ in range(3):
        check("s", "ann", rate)
    hit("s", "ann", rate)

    with pytest.raises(RateLimited):
        check("s", "ann", rate)


def test_the_forwarded_address_counts_only_behind_a_trusted_proxy(settings: Settings) -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2"
    )

    assert client_ip(request) == "10.0.0.2"
    settings.TRUST_X_FORWARDED_FOR = True
    assert client_ip(request) == "2.2.2.2"
