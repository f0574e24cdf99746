"""The one Powertools Logger and Metrics of a process; every module logs through these."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

from edgerec.settings import metrics_namespace, service_name

logger = Logger(service=service_name())
metrics = Metrics(namespace=metrics_namespace(), service=service_name())
