"""Logger, Tracer and Metrics: one of each per process, configured from POWERTOOLS_* variables."""
from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="badges")
tracer = Tracer(service="badges")
metrics = Metrics(namespace="Badges", service="badges")
