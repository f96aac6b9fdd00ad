"""`make bench`, packaged: each function's cold import as Lambda runs it, under Python 3.13 with only its `cdk synth`
asset, its layers, the Powertools layer's stand-in and the runtime's boto3 on the path (infra.packaged).

Each run is a fresh `python3.13 -I -S -B` process (Lambda's code is read-only, so no bytecode is kept); the
functions take turns run after run, so the machine's noise falls on each alike. "import" is the handler module's
import alone; "process" adds the interpreter's start-up, from spawn to the handler imported.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import time

from infra.packaged import BUILD, REGION, RUNNER, Dependencies, PackagedFunction, Synthesized, dependencies, synthesize

RUNS = int(os.environ.get("BENCH_PACKAGED_RUNS", "3"))


def cold_import(function: PackagedFunction, deps: Dependencies) -> tuple[float, float]:
    """(handler import ms, process ms) of one fresh runtime process."""
    env = {"AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, "LAMBDA_TASK_ROOT": str(function.asset),
           "AWS_LAMBDA_FUNCTION_NAME": function.handler, "AWS_ACCESS_KEY_ID": "bench",
           "AWS_SECRET_ACCESS_KEY": "bench", **function.environment}
    config = {"path": function.sys_path(deps), "env": env, "handlers": [function.handler], "record": False}
    started = time.perf_counter()
    done = subprocess.run([deps.python, "-I", "-S", "-B", str(RUNNER)], input=json.dumps(config) + "\n",
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, check=True)
    elapsed = (time.perf_counter() - started) * 1000
    answer = json.loads(done.stdout.splitlines()[0])
    if "import_error" in answer:
        raise ImportError(f"{function.handler} does not import:\n{answer['import_error']}")
    return answer["imported"][function.handler], elapsed


def measure(runs: int = RUNS) -> tuple[dict[str, tuple[float, float]], Dependencies]:
    """Each function's median (import ms, process ms) over `runs` alternated runs."""
    synthesized = Synthesized(synthesize(BUILD / "cdk.out"))
    functions = synthesized.functions()
    deps = dependencies(synthesized.powertools_version)
    timings: dict[str, list[tuple[float, float]]] = {handler: [] for handler in functions}
    for _ in range(runs):
        for handler, function in functions.items():
            timings[handler].append(cold_import(function, deps))
    medians = {handler: (round(statistics.median(t[0] for t in times), 1),
                         round(statistics.median(t[1] for t in times), 1)) for handler, times in timings.items()}
    return medians, deps


def main() -> None:
    medians, deps = measure()
    version = subprocess.run([deps.python, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"cold start, packaged ({version}, asset + layers + Powertools stand-in + boto3 only, tracing on as in "
          f"Lambda; median of {RUNS} alternated fresh processes):")
    print(f"  {'function':<30}{'import':>10}{'process':>10}")
    for handler, (imported, process) in sorted(medians.items(), key=lambda item: -item[1][0]):
        print(f"  {handler:<30}{imported:>7.0f} ms{process:>7.0f} ms")
    imports = [imported for imported, _ in medians.values()]
    print(f"  {len(imports)} functions: import {min(imports):.0f} to {max(imports):.0f} ms, "
          f"median {statistics.median(imports):.0f} ms")


if __name__ == "__main__":
    main()
