"""`make bench-load`: many concurrent callers earn one badge over real HTTP against a `make run` server."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
BASE = "/api_gateway/v1/badges"
OWNER = {"ownerType": "Loyalty", "referenceId": "bench"}
CREDENTIAL = {"username": "bench", "password": "bench-load-secret", "orgId": 1, "userId": 1}
CHECKPOINTS = (1_000, 10_000, 100_000)  # earns answered at which large mode samples memory and latency
LARGE = 10_000  # from this many earns on, report the checkpoints
WINDOW = 500  # the answers before a checkpoint whose latency it reports
PROGRESS_EVERY = 30.0  # seconds between progress lines on stderr during the load
DAY = 86_400


@dataclass(frozen=True)
class Knobs:
    """What a run is asked to do; `make bench-load EARNS=100000 CALLERS=64 CAP=500` sets them."""

    earns: int = 5_000
    callers: int = 64
    cap: int | None = None  # the badge's BADGE_FIXED_VALUE limit; none by default
    timeout: float = 300.0  # seconds a caller waits for one answer before it counts a transport error

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Knobs:
        return cls(earns=int(env.get("EARNS", cls.earns)), callers=int(env.get("CALLERS", cls.callers)),
                   cap=int(env["CAP"]) if env.get("CAP") else None,
                   timeout=float(env.get("TIMEOUT", cls.timeout)))


@dataclass(frozen=True)
class Answer:
    """One earn as its caller saw it: status 0 is a transport error, code the first error's catalogue code."""

    index: int
    started: float
    finished: float
    status: int
    code: int | None = None
    replayed: str | None = None  # an 809's replayed first answer: its requestId and customerId

    @property
    def ms(self) -> float:
        return (self.finished - self.started) * 1000


@dataclass
class Checkpoint:
    answered: int  # earns answered so far
    stored: int  # of them, successes
    rss_mib: float | None
    window: int  # answers in the latency window
    p50_ms: float
    p99_ms: float


@dataclass
class Report:
    earns: int
    callers: int
    cap: int | None
    badge_id: str
    load_seconds: float
    earns_per_second: float
    p50_ms: float
    p99_ms: float
    ok_2xx: int
    ok_200: int
    client_4xx: int
    spurious_809: int
    refused_1021: int
    unavailable_503: int
    other_5xx: int
    transport_errors: int
    earned_count: int | None  # None: the badge could not be read back
    earned_count_reads: int
    counts_match: bool
    early_1021: int | None = None  # with a cap: 1021s answered while the successes so far were below it
    wall_seconds: float | None = None
    rss_peak_mib: float | None = None
    rss_end_mib: float | None = None
    server_cpu_ms_per_earn: float | None = None  # the server's CPU time (user + system) in the load phase, per earn
    checkpoints: list[Checkpoint] = field(default_factory=list)
    spurious_809_replays: list[str] = field(default_factory=list)  # the first few: sent, and what was replayed


class Api:
    """Basic-auth JSON calls on one keep-alive connection, which is made again after a transport error."""

    def __init__(self, base_url: str, username: str, password: str, timeout: float):
        url = urlsplit(base_url)
        self.host, self.port, self.timeout = url.hostname, url.port, timeout
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.headers = {"Content-Type": "application/json", "Authorization": f"Basic {token}"}
        self._conn: HTTPConnection | None = None

    def call(self, method: str, path: str, body: dict | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict | None]:
        """Send once; a transport error closes the connection and propagates (never retried here)."""
        if self._conn is None:
            self._conn = HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self._conn.request(method, BASE + path, body=json.dumps(body).encode() if body is not None else None,
                               headers={**self.headers, **(headers or {})})
            response = self._conn.getresponse()
            raw = response.read()
        except (OSError, HTTPException) as exc:  # refused, reset, timed out, or a malformed answer
            self.close()
            raise TransportError(repr(exc)) from exc
        if response.will_close:
            self.close()
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class TransportError(Exception):
    """No HTTP answer: refused, reset, timed out, or cut off."""


def create_badge(api: Api, cap: int | None) -> str:
    """A LIVE EARN badge claimed by Loyalty/bench, with no limit, or only a BADGE_FIXED_VALUE one of `cap`."""
    now = int(time.time())
    body: dict = {
        "name": f"bench-load-{time.time_ns()}", "startOn": now - DAY, "expiresOn": now + 30 * DAY,
        "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Loyalty"]},
        "earnType": "EARN"}
    if cap is not None:
        body["badgeConstraints"] = [{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": cap}]
    status, made = api.call("POST", "/badgeMeta", body, {"X-CAP-BADGES-MIGRATION": "migration"})
    if status != 200 or not made:
        raise RuntimeError(f"creating the badge: {status} {made}")
    badge_id = made["data"]["id"]
    status, claimed = api.call("POST", f"/badgeMeta/{badge_id}/claim", OWNER)
    if status != 200:
        raise RuntimeError(f"claiming the badge: {status} {claimed}")
    return badge_id


def settled_earned_count(api: Api, badge_id: str, seconds: float, quiet: float = 1.0) -> tuple[int | None, int]:
    """The badge's earnedCount once two reads `quiet` seconds apart agree, and how many reads that took.

    Reads, unlike earns, are tried again: a store still working through writes whose callers gave up can fail
    or delay them, and can still move the count, so one read straight after the load could be wrong or missing.
    None if no two reads agreed within `seconds`."""
    deadline, last, reads = time.monotonic() + seconds, None, 0
    while time.monotonic() < deadline:
        reads += 1
        try:
            status, badge = api.call("GET", f"/badgeMeta/{badge_id}")
        except TransportError:
            status, badge = 0, None
        if status == 200 and badge:
            count = int(badge["data"]["earnedCount"])
            if count == last:
                return count, reads
            last = count
        time.sleep(quiet)
    return None, reads


def memory_mib(pid: int | None) -> tuple[float | None, float | None]:
    """(RSS now, peak RSS) of a process in MiB, from /proc; (None, None) where that cannot be read."""
    if pid is None:
        return None, None
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None, None
    kib = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M)}
    return (round(kib["VmRSS"] / 1024, 1) if "VmRSS" in kib else None,
            round(kib["VmHWM"] / 1024, 1) if "VmHWM" in kib else None)


def cpu_seconds(pid: int | None) -> float | None:
    """A process's CPU time so far (user + system, all threads), from /proc; None where that cannot be read."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime: fields 14 and 15


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, int(len(ordered) * fraction + 0.5) - 1))], 1)


def drive(base_url: str, username: str, password: str, badge_id: str, knobs: Knobs,
          server_pid: int | None = None) -> tuple[list[Answer], float, dict[int, float | None], float | None]:
    """Send `knobs.earns` earns of the badge for distinct customers, each exactly once, from `knobs.callers`
    threads; returns the answers, the load phase's seconds, the server's RSS when each checkpoint was hit, and the
    server's CPU seconds in the load phase."""
    run = f"{time.time_ns():x}"
    answers: list[Answer] = []
    rss_at: dict[int, float | None] = {}
    lock = threading.Lock()
    next_index = iter(range(knobs.earns))
    successes = 0
    sample = knobs.earns >= LARGE

    def caller() -> None:
        nonlocal successes
        api = Api(base_url, username, password, knobs.timeout)
        try:
            while True:
                with lock:
                    i = next(next_index, None)
                if i is None:
                    return
                body = {"badgeMetaId": badge_id, "customerId": i + 1, "requestId": f"load-{run}-{i}",
                        "triggeredBy": OWNER}
                started = time.perf_counter()
                try:
                    status, reply = api.call("POST", "/customer/earn", body)
                except TransportError:
                    status, reply = 0, None
                finished = time.perf_counter()
                code = replayed = None
                if status >= 400 and reply and reply.get("errors"):
                    code = reply["errors"][0].get("code")
                if code == 809 and isinstance(reply.get("data"), dict):
                    replayed = f"{reply['data'].get('requestId')} (customer {reply['data'].get('customerId')})"
                with lock:
                    answers.append(Answer(i, started, finished, status, code, replayed))
                    successes += status == 200
                    if sample and len(answers) in CHECKPOINTS:
                        rss_at[len(answers)] = memory_mib(server_pid)[0]
        finally:
            api.close()

    threads = [threading.Thread(target=caller, name=f"caller-{n}", daemon=True) for n in range(knobs.callers)]
    cpu_before = cpu_seconds(server_pid)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    reported = started
    for thread in threads:
        while thread.is_alive():
            thread.join(1.0)
            if time.perf_counter() - reported >= PROGRESS_EVERY:
                reported = time.perf_counter()
                with lock:
                    done, ok = len(answers), successes
                print(f"  {reported - started:6.0f} s: {done} answered, {ok} earned", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    cpu_after = cpu_seconds(server_pid)
    cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    return answers, seconds, rss_at, cpu


def checkpoints(answers: list[Answer], rss_at: dict[int, float | None]) -> list[Checkpoint]:
    """At each checkpoint of answered earns: the earns stored by then, the RSS sampled then and the latency of
    the WINDOW answers up to it (an earn answered 503 stores nothing, so stored can be a little short)."""
    by_completion = sorted(answers, key=lambda a: a.finished)
    found, successes = [], 0
    for position, answer in enumerate(by_completion):
        successes += answer.status == 200
        if position + 1 in CHECKPOINTS:
            window = [a.ms for a in by_completion[max(0, position + 1 - WINDOW):position + 1] if a.status]
            found.append(Checkpoint(position + 1, successes, rss_at.get(position + 1), len(window),
                                    percentile(window, 0.5), percentile(window, 0.99)))
    return found


def early_refusals(answers: list[Answer], cap: int) -> int:
    """1021s answered, in completion order, while fewer than `cap` earns had succeeded."""
    successes = early = 0
    for answer in sorted(answers, key=lambda a: a.finished):
        if answer.status == 200:
            successes += 1
        elif answer.code == 1021 and successes < cap:
            early += 1
    return early


def run_load(base_url: str, username: str, password: str, knobs: Knobs, server_pid: int | None = None) -> Report:
    """Set up the badge, drive the load, and read the badge back: the core of the benchmark."""
    api = Api(base_url, username, password, knobs.timeout)
    try:
        badge_id = create_badge(api, knobs.cap)
        answers, seconds, rss_at, cpu = drive(base_url, username, password, badge_id, knobs, server_pid)
        stored, reads = settled_earned_count(api, badge_id, knobs.timeout)
    finally:
        api.close()
    statuses = [a.status for a in answers]
    latencies = [a.ms for a in answers if a.status]
    ok_200 = statuses.count(200)
    report = Report(
        earns=knobs.earns, callers=knobs.callers, cap=knobs.cap, badge_id=badge_id,
        load_seconds=round(seconds, 2), earns_per_second=round(len(answers) / seconds, 1) if seconds else 0.0,
        p50_ms=percentile(latencies, 0.5), p99_ms=percentile(latencies, 0.99),
        ok_2xx=sum(200 <= s < 300 for s in statuses), ok_200=ok_200,
        client_4xx=sum(400 <= s < 500 for s in statuses),
        spurious_809=sum(a.code == 809 for a in answers if 400 <= a.status < 500),
        spurious_809_replays=[f"sent load-…-{a.index} (customer {a.index + 1}), replayed {a.replayed}"
                              for a in answers if a.code == 809][:5],
        refused_1021=sum(a.code == 1021 for a in answers if 400 <= a.status < 500),
        unavailable_503=statuses.count(503), other_5xx=sum(500 <= s < 600 and s != 503 for s in statuses),
        transport_errors=statuses.count(0), earned_count=stored, earned_count_reads=reads,
        counts_match=stored == ok_200,
        checkpoints=checkpoints(answers, rss_at) if knobs.earns >= LARGE else [],
        server_cpu_ms_per_earn=round(cpu * 1000 / len(answers), 2) if cpu is not None and answers else None)
    if knobs.cap is not None:
        report.early_1021 = early_refusals(answers, knobs.cap)
    return report


class Server:
    """`python -m local_api` as `make run` starts it, on a free port, with one org's credential."""

    def __init__(self, env: dict[str, str]):
        self._dir = tempfile.TemporaryDirectory(prefix="bench-load-")
        credentials = Path(self._dir.name) / "credentials.json"
        credentials.write_text(json.dumps([CREDENTIAL]))
        self.log = Path(self._dir.name) / "server.log"
        full_env = {**env, "PORT": "0", "BADGES_LOCAL_CREDENTIALS": str(credentials),
                    "PYTHONPATH": f"{ROOT / 'functions'}:{ROOT}"}
        # Output goes to a file, not a pipe: a pipe nobody reads would fill up and stall the server.
        with self.log.open("w") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "local_api"], cwd=ROOT, env=full_env,
                                            stdout=out, stderr=subprocess.STDOUT)
        self.url = self._wait_for_start()

    def _wait_for_start(self, seconds: float = 60) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            printed = self.log.read_text()
            # With a credentials file, the last start line says where the embedded AWS listens.
            if re.search(r"embedded AWS .*\n", printed):
                return re.search(r"listening on (http://[\d.]+:\d+)/", printed).group(1)
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"the local server exited early:\n{printed}")
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("the local server did not start within a minute")

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, keep_log: str | None = None) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if keep_log:
            shutil.copyfile(self.log, keep_log)
        self._dir.cleanup()


def render(report: Report) -> str:
    """The report as a table for people."""
    rows = [
        ("earns sent", f"{report.earns} by {report.callers} callers (badge {report.badge_id})"),
        ("load phase", f"{report.load_seconds} s"),
        ("earns/s", f"{report.earns_per_second}"),
        ("latency p50 / p99", f"{report.p50_ms} / {report.p99_ms} ms"),
        ("server CPU per earn", f"{report.server_cpu_ms_per_earn} ms (user + system, load phase)"),
        ("2xx", f"{report.ok_2xx}"),
        ("4xx", f"{report.client_4xx}  (809, all spurious: {report.spurious_809}; 1021: {report.refused_1021})"),
        ("503", f"{report.unavailable_503}"),
        ("other 5xx", f"{report.other_5xx}"),
        ("transport errors", f"{report.transport_errors}"),
        ("200s / earnedCount", f"{report.ok_200} / {report.earned_count if report.earned_count is not None else '?'}"
                               f"  ({'match' if report.counts_match else 'MISMATCH: answers not trustworthy'}; "
                               f"read back in {report.earned_count_reads} reads)"),
    ]
    if report.cap is not None:
        rows.append(("cap", f"{report.ok_200} succeeded of a cap of {report.cap}; "
                            f"1021s while successes were below the cap: {report.early_1021}"))
    if report.wall_seconds is not None:
        rows.append(("wall time", f"{report.wall_seconds} s (server start, setup, load, read-back)"))
    if report.rss_peak_mib is not None:
        rows.append(("server RSS peak / end", f"{report.rss_peak_mib} / {report.rss_end_mib} MiB"))
    rows += [("  809", replay) for replay in report.spurious_809_replays]
    lines = [f"{name:<22}{value}" for name, value in rows]
    if report.checkpoints:
        lines += ["", f"{'answered':>10}{'stored earns':>14}{'server RSS MiB':>16}{'p50 ms':>10}{'p99 ms':>10}"
                      f"  (latency of the last {WINDOW} answers)"]
        lines += [f"{c.answered:>10}{c.stored:>14}{c.rss_mib if c.rss_mib is not None else '-':>16}"
                  f"{c.p50_ms:>10}{c.p99_ms:>10}" for c in report.checkpoints]
    return "\n".join(lines)


def main() -> None:
    env = dict(os.environ)  # passed through whole to the server: the store's settings reach it this way
    knobs = Knobs.from_env(env)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a terminated run still stops its server
    started = time.perf_counter()
    server = Server(env)
    try:
        print(f"server at {server.url} (pid {server.pid}); {knobs.earns} earns by {knobs.callers} callers...",
              flush=True)
        report = run_load(server.url, CREDENTIAL["username"], CREDENTIAL["password"], knobs, server.pid)
        report.rss_end_mib, report.rss_peak_mib = memory_mib(server.pid)
    finally:
        server.stop(keep_log=env.get("SERVER_LOG"))
    report.wall_seconds = round(time.perf_counter() - started, 1)
    print(render(report))
    print(json.dumps({"benchmark": "load", **asdict(report)}))


if __name__ == "__main__":
    main()
