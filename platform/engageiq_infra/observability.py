"""Observability: alarms on 5xx responses and latency, sent to an optional e-mail topic.

The CloudFront alarms watch what users see, whichever compute runs the services; App Runner
services get their own alarms too. (ECS Express writes to log groups the services component
creates with the retention set; App Runner names its log groups after a service id that does
not exist before the service, see docs/decisions/0016-log-retention.md.)"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import pulumi
import pulumi_aws as aws

from engageiq_tenancy.resources import Environment

PERIOD_SECONDS: Final = 300
EVALUATION_PERIODS: Final = 2
EDGE_5XX_RATE_PERCENT: Final = 5
SERVICE_5XX_COUNT: Final = 10


@dataclass(frozen=True, slots=True)
class ObservabilityArgs:
    environment: Environment
    distribution: aws.cloudfront.Distribution
    apprunner_services: Mapping[str, aws.apprunner.Service]
    us_east_1: aws.Provider
    latency_threshold_ms: int
    alarm_email: str | None
    dead_letter_queues: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Logical queue name -> the name of its dead-letter queue: any message there alarms."""


class Observability(pulumi.ComponentResource):
    alarms: list[aws.cloudwatch.MetricAlarm]

    def __init__(
        self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("engageiq:platform:Observability", name, None, opts)
        self._name = name
        self._args = args
        self.alarms = []
        # Alarms can only notify a topic in their own region, hence one topic per region.
        regional = pulumi.ResourceOptions(parent=self)
        global_ = pulumi.ResourceOptions(parent=self, provider=args.us_east_1)
        regional_actions = self._topic_arns("alarms", regional)
        global_actions = self._topic_arns("edge-alarms", global_)
        # Extra CloudFront metrics (OriginLatency) are off by default.
        aws.cloudfront.MonitoringSubscription(
            f"{name}-edge-metrics",
            distribution_id=args.distribution.id,
            monitoring_subscription={
                "realtime_metrics_subscription_config": {
                    "realtime_metrics_subscription_status": "Enabled",
                }
            },
            opts=global_,
        )
        edge: dict[str, pulumi.Input[str]] = {
            "DistributionId": args.distribution.id,
            "Region": "Global",
        }
        self._alarm(
            "edge-5xx",
            "AWS/CloudFront",
            "5xxErrorRate",
            edge,
            global_actions,
            threshold=EDGE_5XX_RATE_PERCENT,
            statistic="Average",
            opts=global_,
        )
        self._alarm(
            "edge-latency",
            "AWS/CloudFront",
            "OriginLatency",
            edge,
            global_actions,
            threshold=args.latency_threshold_ms,
            extended_statistic="p99",
            opts=global_,
        )
        for service, runner in args.apprunner_services.items():
            dims: dict[str, pulumi.Input[str]] = {
                "ServiceName": runner.service_name,
                "ServiceID": runner.service_id,
            }
            self._alarm(
                f"{service}-5xx",
                "AWS/AppRunner",
                "5xxStatusResponses",
                dims,
                regional_actions,
                threshold=SERVICE_5XX_COUNT,
                statistic="Sum",
                opts=regional,
            )
            self._alarm(
                f"{service}-latency",
                "AWS/AppRunner",
                "RequestLatency",
                dims,
                regional_actions,
                threshold=args.latency_threshold_ms,
                extended_statistic="p99",
                opts=regional,
            )
        for queue, dead_letter_name in args.dead_letter_queues.items():
            # A job there gave up: its file is `failed` (docs/operations.md, "Dead letters").
            self._alarm(
                f"{queue}-dead-letters",
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                {"QueueName": dead_letter_name},
                regional_actions,
                threshold=0,
                statistic="Maximum",
                opts=regional,
            )
        self.register_outputs({"alarmCount": len(self.alarms)})

    def _topic_arns(self, label: str, opts: pulumi.ResourceOptions) -> list[pulumi.Output[str]]:
        if not self._args.alarm_email:
            return []
        topic = aws.sns.Topic(
            f"{self._name}-{label}", name=f"engageiq-{self._args.environment}-{label}", opts=opts
        )
        aws.sns.TopicSubscription(
            f"{self._name}-{label}-email",
            topic=topic.arn,
            protocol="email",
            endpoint=self._args.alarm_email,
            opts=opts,
        )
        return [topic.arn]

    def _alarm(
        self,
        label: str,
        namespace: str,
        metric: str,
        dimensions: Mapping[str, pulumi.Input[str]],
        actions: list[pulumi.Output[str]],
        *,
        threshold: int,
        opts: pulumi.ResourceOptions,
        statistic: str | None = None,
        extended_statistic: str | None = None,
    ) -> None:
        self.alarms.append(
            aws.cloudwatch.MetricAlarm(
                f"{self._name}-{label}",
                name=f"engageiq-{self._args.environment}-{label}",
                namespace=namespace,
                metric_name=metric,
                dimensions=dict(dimensions),
                statistic=statistic,
                extended_statistic=extended_statistic,
                period=PERIOD_SECONDS,
                evaluation_periods=EVALUATION_PERIODS,
                threshold=threshold,
                comparison_operator="GreaterThanThreshold",
                # No traffic is not an outage.
                treat_missing_data="notBreaching",
                alarm_actions=actions,
                ok_actions=actions,
                opts=opts,
            )
        )
