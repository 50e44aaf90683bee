"""Fixtures for the API: one key per role of the cast, a temporary media folder, a clean
rate-limit cache, and small helpers to call the endpoints."""

import base64
import struct
import zlib
from collections.abc import Callable

import pytest
from django.test import Client

from api import keys
from api.models import ApiKey
from tests.conftest import Cast

# Files in a temporary media folder, as for the panel (the root conftest empties the cache).
from tests.integration.agents.conftest import media  # noqa: F401
from tickets.models import Agent

# The test client calls from 127.0.0.1; live servers and curl do too.
LOCAL = "127.0.0.0/8\n::1/128"


MakeKey = Callable[..., str]


@pytest.fixture
def make_key(cast: Cast) -> MakeKey:
    """Issue a key (defaults: create tickets only, from this machine, topic General Inquiry);
    returns its secret."""

    def make(name: str, agent: Agent | None = None, **fields: object) -> str:
        defaults: dict[str, object] = {
            "allowed_networks": LOCAL,
            "default_topic": cast.general,
            "can_read": agent is not None,
            "can_write": agent is not None,
        }
        return keys.issue(ApiKey(name=name, agent=agent, **{**defaults, **fields}))

    return make


@pytest.fixture
def create_key(make_key: MakeKey) -> str:
    """An integration's key that may only create tickets (no agent)."""
    return make_key("Monitoring")


def post_json(client: Client, key: str | None, body: str | bytes, **headers: str) -> object:
    extra = {"HTTP_X_API_KEY": key} if key is not None else {}
    extra.update(
        {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    )
    return client.post("/api/tickets.json", body, content_type="application/json", **extra)


def png_bytes() -> bytes:
    """A real 1×1 PNG, so the attachment's content matches its name."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def data_url(content: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(content).decode()}"
