"""Figures in the run's output (a pytest plugin, loaded by the root conftest.py).

Tests that measure (requests, cases, failures, records) report one line each with the
``report_figure`` fixture. The line travels in the test's report, so it reaches the summary from
parallel workers (pytest-xdist) too, and is shown whether the test passed or failed.
"""

from __future__ import annotations

import pytest

FIGURE = "figure"


@pytest.fixture
def report_figure(request):
    return lambda line: request.node.user_properties.append((FIGURE, line))


def reported(terminalreporter: pytest.TerminalReporter, name: str) -> list:
    """The values a run's tests recorded under ``name`` (user_properties), in test order."""
    reports = [
        report
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
    ]
    reports.sort(key=lambda report: report.nodeid)
    return [value for report in reports for key, value in report.user_properties if key == name]


@pytest.hookimpl(tryfirst=True)  # the section's header before other conftests' figure lines
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = reported(terminalreporter, FIGURE)
    if lines:
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(line)
