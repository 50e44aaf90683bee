"""Browser-test fixtures: uploads in a temp folder, no rate-limit counts left from other tests."""

from pathlib import Path

import pytest
from django.core.cache import cache
from pytest_django import Settings


@pytest.fixture(autouse=True)
def browser_portal_setup(settings: Settings, tmp_path: Path) -> None:
    cache.clear()
    settings.MEDIA_ROOT = tmp_path
