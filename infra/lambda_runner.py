"""Runs Lambda handlers as the runtime does, for the packaging test and the packaged benchmark: the standard library
only, until the configured path is in place.

Run as `python3.13 -I -S -B lambda_runner.py`. The first line on stdin is the configuration: {"path": [...],
"env": {...}, "handlers": [...], "record": bool, "origins": [module, ...]}. The runner puts exactly that path
before the interpreter's own standard library, imports each handler (answering {"imported": {handler: ms},
"origins": {module: file}}), then answers one line per invocation line {"handler": ..., "event": ...}:
{"result": ...} or {"error": ..., "type": ...}, with the origins again and the AWS calls it made ({"service",
"operation", "params", "region"}) when recording. Protocol lines go to the original stdout; whatever the code
prints (Powertools' metrics, its logs) goes to stderr.
"""
import importlib
import json
import os
import sys
import time
import traceback
import uuid


class LambdaContext:
    """What the Lambda runtime passes: the fields Powertools and the handlers read."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.memory_limit_in_mb = 256
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def record_calls(calls: list) -> None:
    """Every AWS API call any botocore client makes, with its parameters, as IAM would be asked about it."""
    import botocore.client

    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):
        calls.append({"service": self.meta.service_model.signing_name or self.meta.service_model.endpoint_prefix,
                      "operation": operation_name, "params": api_params, "region": self.meta.region_name})
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = recording


def origins(config: dict) -> dict:
    """Where the libraries the functions lean on were found, once loaded: the test checks each one's layer."""
    return {name: getattr(sys.modules.get(name), "__file__", None) for name in config.get("origins", [])}


def main() -> None:
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    config = json.loads(sys.stdin.readline())
    sys.path[:0] = config["path"]
    os.environ.update(config["env"])
    calls: list = []
    if config.get("record"):
        record_calls(calls)
    modules, imported = {}, {}
    for handler in config["handlers"]:
        started = time.perf_counter()
        try:
            modules[handler] = importlib.import_module(handler)
        except BaseException:
            protocol.write(json.dumps({"import_error": traceback.format_exc(), "handler": handler}) + "\n")
            return
        imported[handler] = (time.perf_counter() - started) * 1000
    protocol.write(json.dumps({"imported": imported, "origins": origins(config)}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        calls.clear()
        os.environ["_X_AMZN_TRACE_ID"] = f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};" \
                                         f"Parent={uuid.uuid4().hex[:16]};Sampled=1"
        try:
            result = modules[request["handler"]].lambda_handler(request["event"], LambdaContext(request["handler"]))
            answer = {"result": result}
        except Exception as exc:  # as the runtime reports it: the message and the type
            answer = {"error": str(exc), "type": type(exc).__name__, "trace": traceback.format_exc()}
        answer["calls"], answer["origins"] = list(calls), origins(config)
        protocol.write(json.dumps(answer, default=str) + "\n")
    # Ended as Lambda ends a sandbox: at once, with no interpreter teardown (seconds on a loaded machine).
    protocol.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
