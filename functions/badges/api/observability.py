"""Logger and Metrics, one of each per process, configured from POWERTOOLS_* variables; the Tracer on demand."""
from __future__ import annotations

from functools import cache

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="badges")
metrics = Metrics(namespace="Badges", service="badges")


@cache
def tracer() -> Tracer:
    """The X-Ray tracer, made only by the functions that trace (its SDK costs ~190 ms of cold start to import);
    only botocore is patched, so every DynamoDB call is a subsegment and nothing else is touched."""
    return Tracer(service="badges", patch_modules=("botocore",))
