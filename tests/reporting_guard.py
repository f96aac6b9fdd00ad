"""Fails a run in which a collected test was never reported, or two collected tests share one node id.

`pytest -n 2 --dist loadfile` hands each worker a file's tests by node id: tests that share an id collapse into
one, which runs, and the others are counted as collected but never run, never reported, and the run still
passes. This plugin counts, in the process that prints the summary (the xdist controller, or the only process),
the node ids collected against the outcomes reported for them, and turns any difference into a failed run."""
from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import pytest

NAME = "every-test-reported"


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput") and not config.pluginmanager.has_plugin(NAME):
        config.pluginmanager.register(EveryTestReported(), NAME)


class EveryTestReported:
    def __init__(self) -> None:
        self.collected: list[str] | None = None
        self.reported: Counter[str] = Counter()
        self.problems: list[str] = []
        self.unreported: list[str] = []

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.collected = [item.nodeid for item in session.items]

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids: list[str]) -> None:
        # Every worker collects the same list (xdist refuses to run otherwise); a restarted worker sends it again.
        self.collected = list(ids)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # One outcome per test: its call, or the setup that failed or skipped it, or xdist's report of the test a
        # crashed worker was running (when == "???").
        if report.when == "call" or (report.when == "setup" and not report.passed) \
                or report.when not in ("setup", "call", "teardown"):
            self.reported[report.nodeid] += 1

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.collected is None or session.config.option.collectonly or session.shouldstop or session.shouldfail \
                or exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            return  # collection only, -x/--maxfail, interrupted, or a run that never started: not a full run
        collected = Counter(self.collected)
        shared = sorted(nodeid for nodeid, times in collected.items() if times > 1)
        unreported = sorted(nodeid for nodeid, times in collected.items() if self.reported[nodeid] < times)
        if shared:
            self.problems.append(f"{len(shared)} node id(s) shared by several tests (xdist runs one of each):")
            self.problems += [f"  {nodeid} x{collected[nodeid]}" for nodeid in shared]
        self.unreported = [nodeid for nodeid in unreported for _ in range(collected[nodeid] - self.reported[nodeid])]
        if unreported:
            self.problems.append(f"{len(self.collected)} tests collected, {self.reported.total()} reported; "
                                 f"collected but not reported:")
            self.problems += [f"  {nodeid} ({self.reported[nodeid]} of {collected[nodeid]} reported)"
                              for nodeid in unreported]
        if self.problems:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.problems:
            terminalreporter.write_sep("=", "not every collected test was reported", red=True, bold=True)
            for line in self.problems:
                terminalreporter.write_line(line, red=True)
        if self.unreported:  # the last line then reads "... N passed, M not reported"
            terminalreporter.stats.setdefault("not reported", []).extend(
                SimpleNamespace(nodeid=nodeid) for nodeid in self.unreported)
            if hasattr(terminalreporter, "_set_main_color"):  # recount the line's kinds and its colour
                terminalreporter._set_main_color()
