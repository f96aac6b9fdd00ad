"""`make bench-load`: many concurrent callers earn one badge over real HTTP against a `make run` server."""
from __future__ import annotations

import base64
import itertools
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
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
BASE = "/api_gateway/v1/badges"
OWNER = {"ownerType": "Loyalty", "referenceId": "bench"}
SECOND_OWNER = {"ownerType": "Loyalty", "referenceId": "bench-2"}  # the switch scenario claims and unclaims it
MIGRATION = {"X-CAP-BADGES-MIGRATION": "migration"}  # admits the bench badge's past startOn
CREDENTIAL = {"username": "bench", "password": "bench-load-secret", "orgId": 1, "userId": 1}
CHECKPOINTS = (1_000, 10_000, 100_000)  # earns answered at which large mode samples memory and latency
LARGE = 10_000  # from this many earns on, report the checkpoints
WINDOW = 500  # the answers before a checkpoint whose latency it reports
PROGRESS_EVERY = 30.0  # seconds between progress lines on stderr during the load
DAY = 86_400
POLL = 0.02  # seconds between a change's looks at the load it waits on
# The scenarios, in the order `SCENARIO=all` runs them; `lower` names both lowerings.
SCENARIOS = ("earn", "switch", "lower-above", "lower-below")
SCENARIO_GROUPS = {"all": SCENARIOS, "lower": ("lower-above", "lower-below")}


def scenarios_named(text: str) -> tuple[str, ...]:
    """`SCENARIO=switch,lower` as the scenarios it names, in SCENARIOS' order."""
    named = set()
    for word in filter(None, (part.strip() for part in text.split(","))):
        if word not in SCENARIOS and word not in SCENARIO_GROUPS:
            raise ValueError(f"SCENARIO={text}: {word!r} is none of {', '.join(('all', 'lower', *SCENARIOS))}")
        named.update(SCENARIO_GROUPS.get(word, (word,)))
    return tuple(name for name in SCENARIOS if name in named)


@dataclass(frozen=True)
class Knobs:
    """What a run is asked to do; `make bench-load EARNS=100000 CALLERS=64 CAP=500` sets them."""

    earns: int = 5_000  # the earn scenario's earns; a change scenario sends its first change after half of them
    callers: int = 64
    cap: int | None = None  # the badge's BADGE_FIXED_VALUE limit; none by default (the lowerings: EARNS)
    timeout: float = 300.0  # seconds a caller waits for one answer before it counts a transport error
    scenarios: tuple[str, ...] = SCENARIOS
    after: int = 500  # earns sent after a change's answer before the next change is sent, or the load stops
    headroom: int = 200  # lower-above lowers the cap to the earns succeeded so far plus this

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Knobs:
        return cls(earns=int(env.get("EARNS", cls.earns)), callers=int(env.get("CALLERS", cls.callers)),
                   cap=int(env["CAP"]) if env.get("CAP") else None,
                   timeout=float(env.get("TIMEOUT", cls.timeout)),
                   scenarios=scenarios_named(env.get("SCENARIO", "all")),
                   after=int(env.get("AFTER", cls.after)), headroom=int(env.get("HEADROOM", cls.headroom)))


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

    @property
    def outcome(self) -> int:
        """200, or what refused it: the error's code, else the status (0 for a transport error)."""
        return 200 if self.status == 200 else self.code if self.code is not None else self.status


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


@dataclass
class Change:
    """A definition change sent during a load, as its sender saw it, and the earns sent after its answer."""

    name: str
    status: int  # 0: a transport error
    code: int | None  # the first error's catalogue code
    ms: float
    earned_before: int  # earns answered 200 when it was sent
    must_answer: list[int]  # what each earn sent after a 200 may answer: 200 or a refusal's code
    cap_sent: int | None = None  # the BADGE_FIXED_VALUE limit the change sent, if any
    sent: float = 0.0  # perf_counter() when it was sent and when its answer arrived
    answered: float = 0.0
    sent_after: int = 0  # earns sent after its answer, answered before the next change was sent (or the end)
    succeeded_after: int = 0  # of them, answered 200
    refused_after: dict[str, int] = field(default_factory=dict)  # of them, the others by code (or status)
    against: int | None = None  # of them, those that answered what must_answer excludes; None unless it was a 200


@dataclass
class ChangesReport:
    """A scenario of definition changes sent while the callers earn one badge."""

    scenario: str
    load: Report  # the earns, as the earn scenario reports them
    earns_per_second_before: float  # before the first change was sent
    changes: list[Change]
    # The lowerings: earns sent before the lowering's answer that succeeded, the most the badge may then hold
    # (the new cap, or those earns if more; the old cap if the lowering was refused), and whether it holds.
    succeeded_sent_before: int | None = None
    bound: int | None = None
    within_bound: bool | None = None
    early_1021: int | None = None  # 1021s answered while the successes were below the cap in force


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


def error_code(status: int, reply: dict | None) -> int | None:
    """The first error's catalogue code of a 4xx or 5xx answer; None for a success or an answer without one."""
    if status >= 400 and reply and reply.get("errors"):
        return reply["errors"][0].get("code")
    return None


def definition(cap: int | None) -> dict:
    """A LIVE EARN badge's whole definition, open to Loyalty, with no limit or only a BADGE_FIXED_VALUE of `cap`."""
    now = int(time.time())
    body: dict = {
        "name": f"bench-load-{time.time_ns()}", "startOn": now - DAY, "expiresOn": now + 30 * DAY,
        "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Loyalty"]},
        "earnType": "EARN"}
    if cap is not None:
        body["badgeConstraints"] = [{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": cap}]
    return body


def create_badge(api: Api, body: dict) -> str:
    """Create the badge `body` defines and have Loyalty/bench claim it; its id."""
    status, made = api.call("POST", "/badgeMeta", body, MIGRATION)
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


class Load:
    """The answers of a load as its callers collect them, for the callers and for a change watching them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: list[Answer] = []  # in the order they were answered
        self.successes = 0
        self.stop = threading.Event()  # set: the callers send no more earns
        self.started = self.seconds = 0.0  # perf_counter() when the callers started; how long they ran
        self.rss_at: dict[int, float | None] = {}  # the server's RSS when each checkpoint was hit
        self.cpu: float | None = None  # the server's CPU seconds in the load phase

    def wait_answered(self, count: int, seconds: float) -> None:
        """Return once `count` earns are answered, or after `seconds`."""
        self._wait(lambda: len(self.answers) >= count, seconds)

    def wait_sent_after(self, moment: float, mark: int, count: int, seconds: float) -> None:
        """Return once `count` earns sent after `moment` are answered, or after `seconds`; the first `mark`
        answers were in before `moment`."""
        self._wait(lambda: sum(a.started > moment for a in self.answers[mark:]) >= count, seconds)

    def _wait(self, done: Callable[[], bool], seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if done():
                    return
            time.sleep(POLL)


def drive(base_url: str, username: str, password: str, badge_id: str, knobs: Knobs,
          server_pid: int | None = None, during: Callable[[Load], None] | None = None) -> Load:
    """Send earns of the badge for distinct customers, each exactly once, from `knobs.callers` threads:
    `knobs.earns` of them, or, with `during`, as many as are sent until `during(load)`, run beside the
    callers, returns."""
    run = f"{time.time_ns():x}"
    load = Load()
    next_index = itertools.count() if during else iter(range(knobs.earns))
    sample = during is None and knobs.earns >= LARGE

    def caller() -> None:
        api = Api(base_url, username, password, knobs.timeout)
        try:
            while not load.stop.is_set():
                with load.lock:
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
                code, replayed = error_code(status, reply), None
                if code == 809 and isinstance(reply.get("data"), dict):
                    replayed = f"{reply['data'].get('requestId')} (customer {reply['data'].get('customerId')})"
                with load.lock:
                    load.answers.append(Answer(i, started, finished, status, code, replayed))
                    load.successes += status == 200
                    if sample and len(load.answers) in CHECKPOINTS:
                        load.rss_at[len(load.answers)] = memory_mib(server_pid)[0]
        finally:
            api.close()

    failures: list[BaseException] = []

    def watcher() -> None:
        try:
            during(load)
        except BaseException as exc:  # raised again once the callers stopped
            failures.append(exc)
        finally:
            load.stop.set()

    threads = [threading.Thread(target=caller, name=f"caller-{n}", daemon=True) for n in range(knobs.callers)]
    if during:
        threads.append(threading.Thread(target=watcher, name="changes", daemon=True))
    cpu_before = cpu_seconds(server_pid)
    load.started = time.perf_counter()
    for thread in threads:
        thread.start()
    reported = load.started
    for thread in threads:
        while thread.is_alive():
            thread.join(1.0)
            if time.perf_counter() - reported >= PROGRESS_EVERY:
                reported = time.perf_counter()
                with load.lock:
                    done, ok = len(load.answers), load.successes
                print(f"  {reported - load.started:6.0f} s: {done} answered, {ok} earned", file=sys.stderr,
                      flush=True)
    load.seconds = time.perf_counter() - load.started
    cpu_after = cpu_seconds(server_pid)
    load.cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    if failures:
        raise failures[0]
    return load


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


def summarize(load: Load, badge_id: str, cap: int | None, stored: int | None, reads: int, callers: int) -> Report:
    """The load's answers by class, its latency and the server's CPU, against the badge's earnedCount."""
    answers, seconds = load.answers, load.seconds
    statuses = [a.status for a in answers]
    latencies = [a.ms for a in answers if a.status]
    ok_200 = statuses.count(200)
    return Report(
        earns=len(answers), callers=callers, cap=cap, badge_id=badge_id,
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
        server_cpu_ms_per_earn=round(load.cpu * 1000 / len(answers), 2) if load.cpu is not None and answers
        else None)


def run_load(base_url: str, username: str, password: str, knobs: Knobs, server_pid: int | None = None) -> Report:
    """The earn scenario: set up the badge, drive the load, and read the badge back."""
    api = Api(base_url, username, password, knobs.timeout)
    try:
        badge_id = create_badge(api, definition(knobs.cap))
        load = drive(base_url, username, password, badge_id, knobs, server_pid)
        stored, reads = settled_earned_count(api, badge_id, knobs.timeout)
    finally:
        api.close()
    report = summarize(load, badge_id, knobs.cap, stored, reads, knobs.callers)
    if knobs.earns >= LARGE:
        report.checkpoints = checkpoints(load.answers, load.rss_at)
    if knobs.cap is not None:
        report.early_1021 = early_refusals(load.answers, knobs.cap)
    return report


@dataclass(frozen=True)
class Step:
    """A definition change to send during a load, and what each earn sent after its 200 may answer."""

    name: str
    method: str
    path: str
    body: Callable[[int], dict | None]  # given the earns answered 200 so far
    must_answer: tuple[int, ...]  # 200, or the codes of the refusals that are right
    headers: dict[str, str] | None = None


def steps(scenario: str, badge_id: str, body: dict, knobs: Knobs) -> list[Step]:
    """The changes a scenario sends, in order. `body` is the badge's whole definition as it was created."""
    meta = f"/badgeMeta/{badge_id}"
    if scenario == "switch":
        return [
            Step("deactivate", "PUT", f"{meta}/deactivate", lambda _: None, (815,)),
            Step("activate", "PUT", f"{meta}/activate", lambda _: None, (200,)),
            Step("update (description)", "PUT", "/badgeMeta",
                 lambda _: {**body, "id": badge_id, "description": "changed under load"}, (200,), MIGRATION),
            Step("claim (a second reference)", "POST", f"{meta}/claim", lambda _: SECOND_OWNER, (200,)),
            Step("unclaim (the second reference)", "POST", f"{meta}/unclaim", lambda _: SECOND_OWNER, (200,)),
            Step("unclaim (the only claim)", "POST", f"{meta}/unclaim", lambda _: OWNER, (810,)),
        ]
    above = scenario == "lower-above"

    def lowered(earned: int) -> dict:
        cap = earned + knobs.headroom if above else max(1, earned // 2)
        return {**body, "id": badge_id, "badgeConstraints": [{"constraintType": "BADGE_FIXED_VALUE",
                                                                "maxEarnLimit": cap}]}

    name = f"lower the cap to earned + {knobs.headroom}" if above else "lower the cap to earned / 2"
    return [Step(name, "PUT", "/badgeMeta", lowered, (200, 1021) if above else (1021,), MIGRATION)]


def send_changes(load: Load, api: Api, plan: list[Step], knobs: Knobs) -> list[Change]:
    """Send each change in turn: the first once half of `knobs.earns` are answered, each next one (and the end of
    the load) once `knobs.after` earns sent after the previous answer are answered. A change is sent once."""
    changes = []
    load.wait_answered(knobs.earns // 2, knobs.timeout)
    for step in plan:
        with load.lock:
            mark, earned = len(load.answers), load.successes
        body = step.body(earned)
        sent = time.perf_counter()
        try:
            status, reply = api.call(step.method, step.path, body, step.headers)
        except TransportError:
            status, reply = 0, None
        answered = time.perf_counter()
        caps = [c.get("maxEarnLimit") for c in (body or {}).get("badgeConstraints", [])]
        changes.append(Change(step.name, status, error_code(status, reply), round((answered - sent) * 1000, 1),
                              earned, list(step.must_answer), caps[0] if caps else None, sent, answered))
        load.wait_sent_after(answered, mark, knobs.after, knobs.timeout)
    return changes


def account(changes: list[Change], answers: list[Answer]) -> None:
    """Give each change the earns sent after its answer and answered before the next change was sent (or the end):
    one still in flight when the next change is sent may rightly see that one instead."""
    for change, following in zip(changes, [*changes[1:], None], strict=True):
        until = following.sent if following else float("inf")
        outcomes = Counter(a.outcome for a in answers if change.answered < a.started and a.finished < until)
        change.sent_after = outcomes.total()
        change.succeeded_after = outcomes.pop(200, 0)
        change.refused_after = {str(code): n for code, n in sorted(outcomes.items())}
        if change.status == 200:
            change.against = sum(n for outcome, n in [*outcomes.items(), (200, change.succeeded_after)]
                                 if outcome not in change.must_answer)


def run_changes(base_url: str, username: str, password: str, knobs: Knobs, scenario: str,
                server_pid: int | None = None) -> ChangesReport:
    """A change scenario: the callers earn one badge while its changes are sent, then the badge is read back.
    The lowerings' badge starts with a cap of `knobs.cap`, or `knobs.earns`."""
    cap = None if scenario == "switch" else knobs.cap or knobs.earns
    api = Api(base_url, username, password, knobs.timeout)
    try:
        body = definition(cap)
        badge_id = create_badge(api, body)
        plan, changes = steps(scenario, badge_id, body, knobs), []
        load = drive(base_url, username, password, badge_id, knobs, server_pid,
                     during=lambda running: changes.extend(send_changes(running, api, plan, knobs)))
        stored, reads = settled_earned_count(api, badge_id, knobs.timeout)
    finally:
        api.close()
    account(changes, load.answers)
    first = changes[0].sent if changes else load.started + load.seconds
    before = sum(a.finished < first for a in load.answers)
    report = ChangesReport(scenario, summarize(load, badge_id, cap, stored, reads, knobs.callers),
                           round(before / (first - load.started), 1) if first > load.started else 0.0, changes)
    if cap is not None and changes:
        lowering = changes[0]
        applied = lowering.status == 200
        report.succeeded_sent_before = sum(a.status == 200 and a.started < lowering.answered for a in load.answers)
        # On any correct store: what was earned before the answer stays, nothing beyond the new cap is added.
        report.bound = min(cap, max(lowering.cap_sent, report.succeeded_sent_before)) if applied else cap
        report.within_bound = stored is not None and stored <= report.bound
        report.early_1021 = early_refusals(load.answers, lowering.cap_sent if applied else cap)
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
    if report.early_1021 is not None:
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


def render_changes(report: ChangesReport) -> str:
    """A change scenario for people: its load, then each change and the earns sent after its answer."""
    lines = [f"scenario {report.scenario}", render(report.load),
             f"{'earns/s before':<22}{report.earns_per_second_before}  (before the first change was sent)", "",
             f"{'change':<32}{'status':>7}{'code':>6}{'ms':>10}{'earned':>8}{'sent after':>11}{'200':>6}  "
             f"{'refused':<22}{'must answer':<13}{'against':>7}"]
    for c in report.changes:
        refused = ", ".join(f"{code}: {n}" for code, n in c.refused_after.items()) or "-"
        lines.append(f"{c.name:<32}{c.status:>7}{c.code or '-':>6}{c.ms:>10}{c.earned_before:>8}{c.sent_after:>11}"
                     f"{c.succeeded_after:>6}  {refused:<22}{' or '.join(map(str, c.must_answer)):<13}"
                     f"{'-' if c.against is None else c.against:>7}")
    lines.append("(earned: 200s answered when the change was sent; sent after: earns sent after its answer and "
                 "answered before the next change was sent; against: of them, answers other than 'must answer', when "
                 "it answered 200)")
    if report.bound is not None:
        lowering, load = report.changes[0], report.load
        lines += [f"{'cap':<22}{load.cap} lowered to {lowering.cap_sent}: {lowering.status}"
                  f"{f'/{lowering.code}' if lowering.code else ''}; earns sent before its answer that succeeded: "
                  f"{report.succeeded_sent_before}",
                  f"{'earnedCount':<22}{load.earned_count} against at most {report.bound} "
                  f"({'within' if report.within_bound else 'BEYOND IT'}); 1021s while the successes were below the "
                  f"cap in force: {report.early_1021}"]
    return "\n".join(lines)


def main() -> None:
    env = dict(os.environ)  # passed through whole to the server: the store's settings reach it this way
    knobs = Knobs.from_env(env)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a terminated run still stops its server
    started = time.perf_counter()
    server = Server(env)
    try:
        print(f"server at {server.url} (pid {server.pid}); scenarios {', '.join(knobs.scenarios)}; "
              f"{knobs.callers} callers...", flush=True)
        for scenario in knobs.scenarios:
            if scenario == "earn":
                report = run_load(server.url, CREDENTIAL["username"], CREDENTIAL["password"], knobs, server.pid)
                report.rss_end_mib, report.rss_peak_mib = memory_mib(server.pid)
                report.wall_seconds = round(time.perf_counter() - started, 1)
                print(f"scenario earn\n{render(report)}")
                print(json.dumps({"benchmark": "load", "scenario": scenario, **asdict(report)}), flush=True)
            else:
                changed = run_changes(server.url, CREDENTIAL["username"], CREDENTIAL["password"], knobs, scenario,
                                      server.pid)
                print(f"\n{render_changes(changed)}")
                print(json.dumps({"benchmark": "load", **asdict(changed)}), flush=True)
    finally:
        server.stop(keep_log=env.get("SERVER_LOG"))
    print(f"\nall scenarios: {round(time.perf_counter() - started, 1)} s of wall time")


if __name__ == "__main__":
    main()
