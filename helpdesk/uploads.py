"""Files in and out of the web faces: a multi-file form field and the safe download response.

Shared by the portal and the agent panel, which never import each other.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404

from tickets.attachments import check_uploads
from tickets.errors import TicketError
from tickets.models import Attachment


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list checked against the attachment limits,
    so a refused file is reported on its field before anything is saved."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in files]
        try:
            check_uploads(cleaned)
        except TicketError as refused:
            raise ValidationError(str(refused)) from None
        return cleaned


def download(stored: Attachment) -> FileResponse:
    """The file as a download, never rendered inline: its stored content type (chosen from
    the extension we accepted, not the sender's claim) and no content sniffing."""
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=stored.filename, content_type=stored.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
