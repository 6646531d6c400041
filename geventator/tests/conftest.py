"""Figures of the permission matrix in the run's summary (test_permission_matrix.py)."""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from geventator.tests.test_permission_matrix import FIGURES, ROLES

    if FIGURES["cases"]:
        terminalreporter.write_line(
            f"Permission matrix: {len(FIGURES['keys'])} route names ({FIGURES['routes'] or '?'} URL patterns) "
            f"× {len(FIGURES['roles'])} of {len(ROLES)} roles × own/foreign event: {FIGURES['cases']} requests checked"
        )
