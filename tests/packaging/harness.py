"""Two deployments side by side on one local AWS: the packaged functions (each under python3.13 -I -S with exactly
its asset, its layers, the Powertools stand-in and the runtime's boto3 on its path) and the source tree (every
handler in one process of this virtualenv, as `make run` runs them), behind the local API Gateway."""
from __future__ import annotations

import json
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO

import boto3

from badges.config import OAUTH_SECRET_ENV, PAGE_TOKEN_SECRET_ENV, table_env_var
from badges.store.oauth_keys import initial_secret
from badges.store.tables import TABLES
from infra.packaged import REGION, RUNNER, Dependencies, PackagedFunction
from local_api.gateway import Gateway

ROOT = Path(__file__).resolve().parents[2]
# The modules whose origin the packaging test checks, once every handler is imported.
ORIGINS = ["boto3", "botocore", "aws_lambda_powertools", "pydantic", "pydantic_core", "aws_xray_sdk", "jwt",
           "cachetools", "badges"]
LOCAL_KEYS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_SESSION_TOKEN": "local"}
# The local AWS: moto behind the project's DynamoDB model, contention off (this run compares answers, not races).
_EMBEDDED = """
import sys
from local_dynamodb.model import ModelSettings
from local_dynamodb.server import EmbeddedAWS
aws = EmbeddedAWS(ModelSettings(contention=False)).start()
print(aws.endpoint, flush=True)
sys.stdin.read()
"""


class LocalAWS:
    """DynamoDB and Secrets Manager on a loopback port, in a process of their own."""

    def __init__(self) -> None:
        env = {"PYTHONPATH": f"{ROOT / 'functions'}:{ROOT}", "PATH": "/usr/bin:/bin", **LOCAL_KEYS}
        self.process = subprocess.Popen([sys.executable, "-c", _EMBEDDED], env=env, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.endpoint = self.process.stdout.readline().strip()
        if not self.endpoint.startswith("http://"):
            raise RuntimeError(f"the local AWS did not start: {self.endpoint!r}")

    def client(self, service: str):
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id="local", aws_secret_access_key="local")

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.terminate()
        self.process.wait(timeout=10)


def secret_name(secret_id: str) -> str:
    """The name in a (partial) secret ARN, or the name itself."""
    return secret_id.rsplit(":secret:", 1)[-1]


def provision(aws: LocalAWS, env: dict[str, str], credentials: list[dict]) -> None:
    """The tables and secrets env names, as the stack makes them, and the callers' credentials."""
    dynamodb, secretsmanager = aws.client("dynamodb"), aws.client("secretsmanager")
    for table in TABLES:
        dynamodb.create_table(**table.create_table_kwargs(env[table_env_var(table.logical_name)]))
    secretsmanager.create_secret(Name=secret_name(env[OAUTH_SECRET_ENV]), SecretString=initial_secret())
    secretsmanager.create_secret(Name=secret_name(env[PAGE_TOKEN_SECRET_ENV]), SecretString=secrets.token_hex(32))
    for entry in credentials:
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "badges-admin"), "add-credential", "--table",
             env[table_env_var("credentials")], "--username", entry["username"], "--org-id", str(entry["orgId"]),
             "--user-id", str(entry["userId"]), "--secret-stdin", "--region", REGION, "--endpoint-url", aws.endpoint],
            input=entry["password"], text=True, check=True, capture_output=True, env={"PATH": "/usr/bin:/bin",
                                                                                      **LOCAL_KEYS})


class HandlerError(Exception):
    """A handler raised: the runtime reports its message (the authorizer's "Unauthorized" is one)."""


class Runner:
    """One runtime process: its path set, its handlers imported, then invoked one event at a time."""

    def __init__(self, command: list[str], *, path: list[str], env: dict[str, str], handlers: list[str],
                 record: bool, log: IO[str]) -> None:
        self.handlers = handlers
        self.process = subprocess.Popen([*command, str(RUNNER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=log, text=True, env={"PATH": "/usr/bin:/bin", **env})
        self._send({"path": path, "env": env, "handlers": handlers, "record": record, "origins": ORIGINS})
        self._imported: dict[str, float] | None = None
        self.origins: dict[str, str | None] = {}

    def _send(self, message: dict) -> None:
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def _receive(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the runtime of {self.handlers} exited ({self.process.wait()})")
        return json.loads(line)

    def imported(self) -> dict[str, float]:
        """Each handler's import time in ms; raises with the traceback when one did not import."""
        if self._imported is None:
            answer = self._receive()
            if "import_error" in answer:
                raise ImportError(f"{answer['handler']} does not import:\n{answer['import_error']}")
            self._imported, self.origins = answer["imported"], answer["origins"]
        return self._imported

    def invoke(self, handler: str, event) -> dict:
        self.imported()
        self._send({"handler": handler, "event": event})
        answer = self._receive()
        self.origins = answer["origins"]
        return answer

    def stop(self) -> None:
        if not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Function:
    """What the local gateway invokes: one handler in a runtime process; the AWS calls each invocation made are
    kept per handler."""

    def __init__(self, runner: Runner, handler: str, calls: dict[str, list[dict]], invoked: set[str]) -> None:
        self.runner, self.handler, self.calls, self.invoked = runner, handler, calls, invoked

    def invoke(self, event):
        self.invoked.add(self.handler)
        answer = self.runner.invoke(self.handler, event)
        self.calls.setdefault(self.handler, []).extend(answer["calls"])
        if "error" in answer:
            raise HandlerError(answer["error"])
        return answer["result"]


class RemoteGateway(Gateway):
    """The local API Gateway, its functions in runtime processes instead of this one."""

    def __init__(self, functions: dict[str, Function]) -> None:  # no super(): it would import every handler here
        self._functions = functions


class Deployment:
    """A set of runtime processes serving every function, and the AWS calls they made."""

    def __init__(self, runners: dict[str, Runner]) -> None:
        self.runners = runners  # handler -> its runtime
        self.calls: dict[str, list[dict]] = {}
        self.invoked: set[str] = set()
        self.functions = {handler: Function(runner, handler, self.calls, self.invoked)
                          for handler, runner in runners.items()}
        self.gateway = RemoteGateway(self.functions)

    def imported(self) -> dict[str, float]:
        return {handler: runner.imported()[handler] for handler, runner in self.runners.items()}

    def stop(self) -> None:
        runners = list({id(r): r for r in self.runners.values()}.values())
        for runner in runners:  # all told at once, so that they exit side by side
            runner.process.stdin.close()
        for runner in runners:
            runner.stop()


def runtime_env(function: PackagedFunction, aws: LocalAWS) -> dict[str, str]:
    """What Lambda sets for a function (region, its name and task root, X-Ray's daemon), its template environment,
    and the local endpoints in place of AWS's."""
    return {
        "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, "AWS_LAMBDA_FUNCTION_NAME": function.handler,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "LAMBDA_TASK_ROOT": str(function.asset),
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}", "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR", "TZ": ":UTC", "LANG": "en_US.UTF-8",
        **LOCAL_KEYS, **function.environment,
        "BADGES_DYNAMODB_ENDPOINT": aws.endpoint, "BADGES_SECRETS_ENDPOINT": aws.endpoint,
    }


def packaged(functions: dict[str, PackagedFunction], dependencies: Dependencies, aws: LocalAWS,
             logs: Path) -> Deployment:
    """Each function in its own python3.13 -I -S -B process (Lambda's code and layers are read-only: no bytecode is
    written), recording its AWS calls; all start importing at once."""
    runners = {
        handler: Runner([dependencies.python, "-I", "-S", "-B"], path=function.sys_path(dependencies),
                        env=runtime_env(function, aws), handlers=[handler], record=True,
                        log=open(logs / f"packaged-{handler}.log", "w"))  # noqa: SIM115 (the process holds it)
        for handler, function in functions.items()
    }
    return Deployment(runners)


def source(functions: dict[str, PackagedFunction], aws: LocalAWS, logs: Path, rename: tuple[str, str]) -> Deployment:
    """Each handler from the source tree in a process of this virtualenv (one a function, as deployed, so that no
    cache is shared between two), with its environment's tables and secrets renamed (old, new): the two
    deployments share nothing."""
    handlers_dir = ROOT / "functions" / "handlers"
    runners = {
        handler: Runner([sys.executable, "-B"], path=[str(handlers_dir), str(ROOT / "functions")],
                        env={**{name: value.replace(*rename) for name, value in runtime_env(function, aws).items()},
                             "LAMBDA_TASK_ROOT": str(handlers_dir)},
                        handlers=[handler], record=True,
                        log=open(logs / f"source-{handler}.log", "w"))  # noqa: SIM115 (the process holds it)
        for handler, function in functions.items()
    }
    return Deployment(runners)


def log_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="badges-packaging-"))
