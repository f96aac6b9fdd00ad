"""`make bench-load`'s scenarios, small: every earn they send is accounted for, and the badge agrees with the 200s."""
import json
import re
from dataclasses import asdict

import pytest

from benchmarks.load import Knobs, Report, render_changes, run_changes, run_load

pytestmark = pytest.mark.e2e

# A few callers, a few earns: the first change once 10 earns are answered, 6 earns sent after each answer.
TINY = Knobs(earns=20, callers=4, timeout=30, after=6, headroom=3)
SWITCH = ["deactivate", "activate", "update (description)", "claim (a second reference)",
          "unclaim (the second reference)", "unclaim (the only claim)"]


def assert_every_earn_accounted(report: Report) -> None:
    """Each earn has exactly one outcome, none is a server error, and the badge counted every 200."""
    outcomes = (report.ok_2xx + report.client_4xx + report.unavailable_503 + report.other_5xx
                + report.transport_errors)
    assert outcomes == report.earns
    assert report.other_5xx == 0
    assert report.earned_count == report.ok_200
    assert report.counts_match
    assert report.p50_ms <= report.p99_ms


def change_row(rendered: str, name: str) -> re.Match:
    """The printed row of one change: status, code, ms, earned, sent after, 200."""
    row = re.search(rf"^{re.escape(name)} +(\d+) +(\d+|-) +([\d.]+) +(\d+) +(\d+) +(\d+) ", rendered, re.M)
    assert row, f"no row for {name!r} in:\n{rendered}"
    return row


def test_a_small_load_accounts_for_every_earn_and_matches_the_badge(server):
    # Given 4 callers sending 40 earns of a fresh badge for distinct customers
    knobs = Knobs(earns=40, callers=4, timeout=30)

    # When the load scenario runs against the started server
    report = run_load(server.url, "brand-a", "secret-a", knobs, server.process.pid)

    # Then each earn has exactly one outcome, none is a server error, and the badge counted every 200
    assert report.earns == knobs.earns
    assert_every_earn_accounted(report)


def test_the_switch_scenario_reports_each_change_and_the_earns_sent_after_its_answer(server):
    # When the switch scenario sends its six changes while 4 callers earn the badge
    report = run_changes(server.url, "brand-a", "secret-a", TINY, "switch", server.process.pid)

    # Then every earn is accounted for, each change was sent once, and earns went on after each
    assert_every_earn_accounted(report.load)
    assert [change.name for change in report.changes] == SWITCH
    assert report.load.earns >= TINY.earns // 2 + len(SWITCH) * TINY.after
    assert report.earns_per_second_before > 0
    rendered = render_changes(report)
    for change in report.changes:
        # its answer, latency and the earns sent after it are printed as numbers
        row = change_row(rendered, change.name)
        assert (int(row[1]), float(row[3]), int(row[5]), int(row[6])) == (
            change.status, change.ms, change.sent_after, change.succeeded_after)
        assert change.ms > 0
        assert change.sent_after >= TINY.after
        assert change.succeeded_after + sum(change.refused_after.values()) == change.sent_after
        # every change lands under load, and is seen by every earn sent after its answer
        assert change.status == 200
        assert change.against == 0
    deactivate, unclaim_only = report.changes[0], report.changes[-1]
    assert deactivate.succeeded_after == 0
    assert deactivate.refused_after == {"815": deactivate.sent_after}
    assert unclaim_only.refused_after == {"810": unclaim_only.sent_after}
    assert json.loads(json.dumps(asdict(report)))["changes"][0]["name"] == "deactivate"


@pytest.mark.parametrize("scenario", ["lower-above", "lower-below"])
def test_a_lowering_scenario_reports_its_answer_and_the_badge_stays_within_the_cap_in_force(server, scenario):
    # When the cap of 20 is lowered once 10 earns are answered, while 4 callers earn the badge
    report = run_changes(server.url, "brand-a", "secret-a", TINY, scenario, server.process.pid)

    # Then every earn is accounted for, and the lowering sent the cap its scenario names
    assert_every_earn_accounted(report.load)
    assert report.load.cap == TINY.earns
    [lowering] = report.changes
    earned = lowering.earned_before
    assert lowering.cap_sent == (earned + TINY.headroom if scenario == "lower-above" else max(1, earned // 2))
    row = change_row(render_changes(report), lowering.name)
    assert (int(row[1]), int(row[5])) == (lowering.status, lowering.sent_after)
    assert f"lowered to {lowering.cap_sent}: {lowering.status}" in render_changes(report)
    # The lowering lands under load; the badge never holds more than the new cap (or what was earned before it
    # answered, if more), and every earn sent after its answer is a 200 within the new cap or a 1021
    assert lowering.status == 200
    assert report.within_bound
    assert report.load.earned_count <= report.bound <= TINY.earns
    assert lowering.against == 0
    assert isinstance(report.early_1021, int)
    if scenario == "lower-below":
        assert lowering.succeeded_after == 0
