"""Logger and Metrics, one of each per process, configured from POWERTOOLS_* variables; the Tracer if tracing."""
from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer

from badges.config import tracing_enabled

logger = Logger(service="badges")
metrics = Metrics(namespace="Badges", service="badges")

Handler = TypeVar("Handler", bound=Callable)


@cache
def tracer() -> Tracer:
    """The X-Ray tracer; only botocore is patched: every DynamoDB call is a subsegment and nothing else is touched."""
    return Tracer(service="badges", patch_modules=("botocore",))


def traced(handler: Handler) -> Handler:
    """`handler` inside an X-Ray trace where tracing is on (see config.tracing_enabled), as it is where it is off:
    a Tracer imports the X-Ray SDK even disabled, and outside Lambda its recorder makes X-Ray clients (~140 ms)."""
    if not tracing_enabled():
        return handler
    return tracer().capture_lambda_handler(capture_response=False)(handler)
