"""API keys: who may call the API, from where, to do what."""

import ipaddress
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from tickets.models import Agent, HelpTopic

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> list[Network]:
    """The CIDR list an admin typed (commas, spaces or new lines between entries).

    A bare address means that one host. Raises ValidationError naming every bad entry.
    """
    networks, errors = [], []
    for entry in text.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(entry, strict=True))
        except ValueError as error:
            hint = ""
            if "host bits set" in str(error):
                hint = f" (did you mean {ipaddress.ip_network(entry, strict=False)}?)"
            errors.append(f"“{entry}” is not an IPv4 or IPv6 network{hint}")
    if errors:
        raise ValidationError(
            "; ".join(errors) + ". Write networks like 192.0.2.0/24 or 2001:db8::/32."
        )
    return networks


def address_in(address: str, networks: list[Network]) -> bool:
    """Whether `address` lies in one of `networks` (an IPv4-mapped IPv6 address counts as
    its IPv4 form, as dual-stack servers report it that way)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == network.version and ip in network for network in networks)


def validate_networks(text: str) -> None:
    if not parse_networks(text):
        raise ValidationError("List at least one network; 0.0.0.0/0 and ::/0 allow every address.")


class ApiKey(models.Model):
    """A credential for an integration: what it may do, from which networks, as whom.

    The secret is shown once (on creation and rotation) and stored only as a SHA-256 hash:
    it is 256 random bits, so a slow password hash would add nothing but latency. `prefix`
    identifies the key in lists and logs. After a rotation the previous secret keeps working
    until `previous_valid_until` (never, for an immediate rotation).
    """

    name = models.CharField(max_length=80, unique=True, help_text="Who or what uses this key.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    previous_prefix = models.CharField(max_length=16, blank=True, editable=False)
    previous_key_hash = models.CharField(max_length=64, blank=True, editable=False)
    previous_valid_until = models.DateTimeField(null=True, blank=True, editable=False)
    can_create_tickets = models.BooleanField(
        "may create tickets", default=True, help_text="The osTicket-compatible endpoint."
    )
    can_read = models.BooleanField(
        "may read", default=False, help_text="List, search and read tickets (needs an agent)."
    )
    can_write = models.BooleanField(
        "may write",
        default=False,
        help_text="Reply, add notes, change status, priority and assignee (needs an agent).",
    )
    agent = models.ForeignKey(
        Agent,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_keys",
        help_text="The JSON API acts as this agent, seeing and doing exactly what they may. "
        "Without one the key can only create tickets.",
    )
    default_topic = models.ForeignKey(
        HelpTopic,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Help topic for tickets that name none (no topicId; every emailed ticket).",
    )
    allowed_networks = models.TextField(
        "allowed networks",
        validators=[validate_networks],
        help_text="CIDR networks the key may be used from, one per line or comma-separated "
        "(IPv4 and IPv6; a bare address is one host). 0.0.0.0/0 and ::/0 allow any address.",
    )
    is_active = models.BooleanField("active", default=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def clean(self) -> None:
        if (self.can_read or self.can_write) and self.agent_id is None:
            raise ValidationError(
                {"agent": "Reading and writing act as an agent: choose one, or untick them."}
            )

    def networks(self) -> list[Network]:
        return parse_networks(self.allowed_networks)

    def is_usable(self, now: datetime) -> bool:
        """Active, not expired, and (for the JSON API) its agent still active."""
        if not self.is_active or (self.expires_at is not None and self.expires_at <= now):
            return False
        return self.agent is None or self.agent.is_active
