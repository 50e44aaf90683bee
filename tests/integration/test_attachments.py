import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django import Settings

from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.attachments import AttachmentRejected, display_filename
from tickets.models import Attachment

LOG = b"2026-03-02 08:40:11 ERROR api: pool exhausted (max_connections=200)\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 1024
    settings.HELPDESK_ATTACHMENT_MAX_COUNT = 2
    return tmp_path


def upload(name: str, content: bytes = LOG, claimed: str = "text/plain") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=claimed)


def test_a_file_is_stored_under_a_random_name_with_size_and_checksum(
    cast: Cast, open_ticket: OpenTicket, media: Path
) -> None:
    ticket = open_ticket()

    note = ops.add_note(ticket, by=cast.tier1, body="Server log.", attachments=[upload("api.log")])

    attachment = note.attachments.get()
    assert attachment.filename == "api.log"
    assert attachment.size == len(LOG)
    assert attachment.sha256 == hashlib.sha256(LOG).hexdigest()
    assert attachment.file.name.endswith(".log")
    assert "api" not in Path(attachment.file.name).name
    assert (media / attachment.file.name).read_bytes() == LOG


def test_the_content_type_comes_from_the_extension_not_the_senders_claim(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    note = ops.add_note(
        open_ticket(),
        by=cast.tier1,
        body="x",
        attachments=[upload("shot.png", PNG, claimed="text/html")],
    )

    assert note.attachments.get().content_type == "image/png"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([upload("setup.exe")], "“setup.exe”: this type of file is not accepted"),
        ([upload("big.log", b"x" * 1025)], "“big.log” is 1.0\xa0KB; the limit is 1.0\xa0KB"),
        ([upload("empty.txt", b"")], "“empty.txt” is empty"),
        ([upload("a.txt"), upload("b.txt"), upload("c.txt")], "Attach at most 2 files; you sent 3"),
    ],
)
def test_files_breaking_a_limit_are_refused_and_nothing_is_saved(
    cast: Cast, open_ticket: OpenTicket, files: list[SimpleUploadedFile], message: str
) -> None:
    ticket = open_ticket()

    with pytest.raises(AttachmentRejected) as refused:
        ops.add_note(ticket, by=cast.tier1, body="See attached.", attachments=files)

    assert message in str(refused.value)
    assert ticket.entries.count() == 1
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("uploaded", "shown"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\jordan\\error.png", "error.png"),
        ("bad\x00\x1b[31mname.txt", "bad[31mname.txt"),
        ("", "attachment"),
        ("a" * 300 + ".log", "a" * 251 + ".log"),
    ],
)
def test_file_names_lose_paths_and_control_characters(uploaded: str, shown: str) -> None:
    assert display_filename(uploaded) == shown
