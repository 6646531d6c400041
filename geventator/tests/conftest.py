"""Figures of the permission matrix in the run's summary (test_permission_matrix.py)."""

from __future__ import annotations

import pytest

from geventator.tests.figures import FIGURE, reported


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from geventator.tests.test_permission_matrix import ROLES

    routes = reported(terminalreporter, "permission_routes")
    groups = reported(terminalreporter, "permission_matrix")
    if groups:
        keys = {key for group in groups for key in group["keys"]}
        roles = {role for group in groups for role in group["roles"]}
        cases = sum(group["cases"] for group in groups)
        if not reported(terminalreporter, FIGURE):  # else figures.py has written the header
            terminalreporter.section("figures")
        terminalreporter.write_line(
            f"Permission matrix: {len(keys)} route names ({routes[0] if routes else '?'} URL patterns) "
            f"× {len(roles)} of {len(ROLES)} roles × own/foreign event: {cases} requests checked"
        )
