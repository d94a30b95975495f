"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.launcher_runtime import LauncherRuntime, launcher_runtime


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[LauncherRuntime]:
    """moto's Step Functions (executing) and SageMaker, corrected where they differ from AWS."""
    with launcher_runtime(monkeypatch) as running:
        yield running
