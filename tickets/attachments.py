"""Checking and storing uploaded files, whatever channel they came through."""

import hashlib
import mimetypes
import unicodedata
from collections.abc import Sequence
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from tickets.errors import TicketError
from tickets.models import Attachment, ThreadEntry


class AttachmentRejected(TicketError):
    """A file broke the configured limits; the message names the file and the limit."""


def display_filename(name: str) -> str:
    """The uploaded name without any path, control characters or excess length."""
    base = PurePath(name.replace("\\", "/")).name
    printable = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if len(printable) > 255:
        stem, suffix = PurePath(printable).stem, PurePath(printable).suffix[:16]
        printable = stem[: 255 - len(suffix)] + suffix
    return printable or "attachment"


def check_uploads(uploads: Sequence[UploadedFile]) -> None:
    """Refuse the lot if any file breaks a limit, before anything is saved."""
    limit = settings.HELPDESK_ATTACHMENT_MAX_COUNT
    if len(uploads) > limit:
        raise AttachmentRejected(f"Attach at most {limit} files; you sent {len(uploads)}.")
    for upload in uploads:
        _check_one(upload)


def _check_one(upload: UploadedFile) -> None:
    name = display_filename(upload.name or "")
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in settings.HELPDESK_ATTACHMENT_EXTENSIONS:
        allowed = ", ".join(settings.HELPDESK_ATTACHMENT_EXTENSIONS)
        raise AttachmentRejected(
            f"“{name}”: this type of file is not accepted (allowed: {allowed})."
        )
    if not upload.size:
        raise AttachmentRejected(f"“{name}” is empty.")
    if upload.size > settings.HELPDESK_ATTACHMENT_MAX_BYTES:
        raise AttachmentRejected(
            f"“{name}” is {filesizeformat(upload.size)}; the limit is "
            f"{filesizeformat(settings.HELPDESK_ATTACHMENT_MAX_BYTES)}."
        )


def store_attachment(entry: ThreadEntry, upload: UploadedFile) -> Attachment:
    """Save the file under a random name with its size, checksum and content type.

    The content type comes from the extension we allowed, never from the sender's claim, so a
    page cannot be smuggled in as "image/png" and served back as HTML.
    """
    name = display_filename(upload.name or "")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    attachment = Attachment(
        entry=entry,
        filename=name,
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment
