"""Browser-test fixtures: uploads in a temp folder (the root conftest empties the cache, so no
rate-limit counts are left from other tests)."""

from pathlib import Path

import pytest
from pytest_django import Settings


@pytest.fixture(autouse=True)
def browser_portal_setup(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
