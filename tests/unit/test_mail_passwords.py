"""IMAP passwords: encrypted at rest with the desk's key, or read from the environment."""

import pytest
from cryptography.fernet import Fernet
from pytest_django import Settings

from mail.models import Mailbox
from mail.passwords import SecretUnreadable


def test_a_stored_password_is_encrypted_and_decrypts_with_the_same_key(
    settings: Settings,
) -> None:
    settings.HELPDESK_MAILBOX_KEY = Fernet.generate_key().decode()
    mailbox = Mailbox()

    mailbox.set_password("imap-secret")

    assert "imap-secret" not in mailbox.password_encrypted
    assert mailbox.imap_password() == "imap-secret"


def test_without_a_mailbox_key_the_key_derives_from_secret_key(settings: Settings) -> None:
    settings.HELPDESK_MAILBOX_KEY = ""
    mailbox = Mailbox()
    mailbox.set_password("imap-secret")

    assert mailbox.imap_password() == "imap-secret"
    settings.SECRET_KEY = "another-secret-key-" * 4
    with pytest.raises(SecretUnreadable, match="enter it again"):
        mailbox.imap_password()


def test_a_password_from_the_environment_is_read_when_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mailbox = Mailbox(password_env="HELPDESK_TEST_IMAP_PASSWORD")
    monkeypatch.delenv("HELPDESK_TEST_IMAP_PASSWORD", raising=False)

    with pytest.raises(SecretUnreadable, match="HELPDESK_TEST_IMAP_PASSWORD is not set"):
        mailbox.imap_password()
    monkeypatch.setenv("HELPDESK_TEST_IMAP_PASSWORD", "from-env")
    assert mailbox.imap_password() == "from-env"


def test_a_mailbox_with_no_password_says_so() -> None:
    with pytest.raises(SecretUnreadable, match="No IMAP password is set"):
        Mailbox().imap_password()
