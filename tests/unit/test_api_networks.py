"""An API key's allowed networks: parsing what an admin types, and matching addresses."""

import ipaddress

import pytest
from django.core.exceptions import ValidationError

from api.models import address_in, parse_networks, validate_networks


def test_ipv4_and_ipv6_networks_separated_by_commas_spaces_or_lines() -> None:
    networks = parse_networks("10.0.0.0/8, 192.0.2.7\n2001:db8::/32  ::1")
    assert networks == [
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("192.0.2.7/32"),
        ipaddress.ip_network("2001:db8::/32"),
        ipaddress.ip_network("::1/128"),
    ]


@pytest.mark.parametrize(
    ("address", "inside"),
    [
        ("10.1.2.3", True),
        ("11.0.0.1", False),
        ("192.0.2.7", True),
        ("192.0.2.8", False),
        ("2001:db8:1::5", True),
        ("2001:db9::1", False),
        ("::ffff:10.9.9.9", True),  # IPv4-mapped, as a dual-stack socket reports it
        ("", False),
        ("not an ip", False),
    ],
)
def test_an_address_is_inside_only_its_networks(address: str, inside: bool) -> None:
    networks = parse_networks("10.0.0.0/8 192.0.2.7 2001:db8::/32")
    assert address_in(address, networks) is inside


def test_an_ipv4_address_never_matches_an_ipv6_network_or_back() -> None:
    assert not address_in("0.0.0.1", parse_networks("::/0"))
    assert not address_in("::1", parse_networks("0.0.0.0/0"))


def test_every_bad_entry_is_named_with_a_hint() -> None:
    with pytest.raises(ValidationError) as refused:
        parse_networks("10.0.0.0/8, 192.168.1.5/24, 10.0.0.300, example.org")
    message = refused.value.messages[0]
    assert "“192.168.1.5/24” is not an IPv4 or IPv6 network (did you mean 192.168.1.0/24?)" in (
        message
    )
    assert "“10.0.0.300”" in message
    assert "“example.org”" in message
    assert "10.0.0.0/8”" not in message


def test_an_empty_list_is_refused_with_how_to_allow_everyone() -> None:
    with pytest.raises(ValidationError, match="0.0.0.0/0 and ::/0 allow every address"):
        validate_networks(" \n ")
