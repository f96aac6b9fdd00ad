"""The guard in tests/reporting_guard.py, on a tiny suite run as `make test` runs the real one (two workers, one file
at a time): a suite whose tests all run passes, one with tests that share a node id fails and names them."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ONE_ID_FOR_THREE = '''
import pytest


def pytest_pycollect_makeitem(collector, name, obj):
    # As schemathesis' schema.parametrize() does on this pytest: several items, one node id.
    if name == "test_shared":
        return [pytest.Function.from_parent(collector, name=name, callobj=obj) for _ in range(3)]
'''


def run_suite(tmp_path: Path, conftest: str = "", last: str = "pass") -> subprocess.CompletedProcess:
    (tmp_path / "conftest.py").write_text(conftest)
    (tmp_path / "test_a.py").write_text("def test_shared():\n    pass\n\n\ndef test_other():\n    pass\n")
    (tmp_path / "test_b.py").write_text(f"def test_one():\n    pass\n\n\ndef test_two():\n    {last}\n")
    # Only xdist and the guard: the project's other plugins (schemathesis, hypothesis) would only slow it down.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(PYTHONPATH=str(ROOT), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "xdist", "-p", "tests.reporting_guard", "-p", "no:cacheprovider",
         "-n", "2", "--dist", "loadfile", "-q", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_a_suite_whose_tests_all_run_passes(tmp_path):
    run = run_suite(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "4 passed" in run.stdout
    assert "not reported" not in run.stdout


def test_tests_sharing_a_node_id_fail_the_run_and_are_named(tmp_path):
    run = run_suite(tmp_path, ONE_ID_FOR_THREE, last="assert False")  # a failed test counts as reported
    assert run.returncode == 1, run.stdout + run.stderr
    assert "not every collected test was reported" in run.stdout
    assert "test_a.py::test_shared x3" in run.stdout
    assert "6 tests collected, 4 reported" in run.stdout
    assert "test_a.py::test_shared (1 of 3 reported)" in run.stdout
    assert "1 failed, 3 passed, 2 not reported" in run.stdout
