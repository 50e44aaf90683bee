"""A file's bytes must match its extension: renamed executables and pages are refused."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tickets.attachments import AttachmentRejected, check_uploads

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56
HTML = b"<!doctype html><html><script>alert(1)</script></html>"


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("screen.png", PNG),
        ("photo.jpeg", JPEG),
        ("photo.JPG", JPEG),
        ("statement.pdf", PDF),
        ("report.docx", docx()),
        ("app.log", "2026-03-02 erreur réseau\t\x1b[31mERROR\x1b[0m\r\n".encode()),
        ("data.csv", b"\xef\xbb\xbfa,b\n1,2\n"),
        ("page.txt", HTML),  # text is text: it is served as a download, never as a page
        ("pages.txt", b"page one\fpage two\n"),
    ],
)
def test_files_whose_content_matches_their_name_are_accepted(name: str, content: bytes) -> None:
    check_uploads([SimpleUploadedFile(name, content)])


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.png", EXE),
        ("photo.jpg", PNG),
        ("statement.pdf", HTML),
        ("report.docx", PDF),
        ("notes.txt", EXE),
        ("dump.txt", b"valid UTF-8 until a NUL\x00byte"),
        ("bell.log", b"2026-03-02 ok\n" * 1000 + b"\x07"),
        ("tabs.csv", b"a\x0bb\n"),
        ("latin1.log", "caf\xe9".encode("latin-1")),
        ("archive.zip", HTML),
    ],
)
def test_files_whose_content_lies_about_their_type_are_refused(name: str, content: bytes) -> None:
    with pytest.raises(AttachmentRejected, match=f"“{name}”: its content is not a"):
        check_uploads([SimpleUploadedFile(name, content)])


def test_a_refused_file_can_still_be_read_from_the_start() -> None:
    upload = SimpleUploadedFile("screen.png", PNG)

    check_uploads([upload])

    assert upload.read(4) == b"\x89PNG"
