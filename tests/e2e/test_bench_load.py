"""`make bench-load`'s core, small: every earn it sends is accounted for, and the badge agrees with the 200s."""
import pytest

from benchmarks.load import Knobs, run_load

pytestmark = pytest.mark.e2e


def test_a_small_load_accounts_for_every_earn_and_matches_the_badge(server):
    # Given 4 callers sending 40 earns of a fresh badge for distinct customers
    knobs = Knobs(earns=40, callers=4, timeout=30)

    # When the load scenario runs against the started server
    report = run_load(server.url, "brand-a", "secret-a", knobs, server.process.pid)

    # Then each earn has exactly one outcome, none is a server error, and the badge counted every 200
    outcomes = (report.ok_2xx + report.client_4xx + report.unavailable_503 + report.other_5xx
                + report.transport_errors)
    assert outcomes == knobs.earns
    assert report.other_5xx == 0
    assert report.earned_count == report.ok_200
    assert report.counts_match
    assert report.p50_ms <= report.p99_ms
