"""Fixtures of the worker tests: a ticket site with SLAs, opened."""

from __future__ import annotations

import pytest
from outbox_helpers import write_site

from officina.runtime import Runtime


@pytest.fixture
def site(runner, tmp_path, database_url):
    return write_site(runner, tmp_path / "desk", database_url)


@pytest.fixture
def opened(site):
    runtime = Runtime.open(site)
    yield runtime
    runtime.close()
