"""SLOs with error budgets, burn-rate and threshold alerts, silences and notifiers.

Pure parts: ``slo`` (budgets, burn rates), ``conditions`` (does an alert hold), ``state`` (the
pending/firing/resolved machine). I/O at the edges: ``requestlog`` and ``source`` (values),
``channels``/``smtp`` (delivery), ``evaluator`` (the loop), ``lockgate.store.alerts`` (state).
"""

from lockgate.monitor.alerts.channels import (
    SIGNATURE_HEADER,
    PagerDutyNotifier,
    SlackNotifier,
    WebhookNotifier,
    pagerduty_body,
    sign,
    slack_body,
)
from lockgate.monitor.alerts.conditions import Condition, rule_condition, slo_condition
from lockgate.monitor.alerts.definitions import AlertDefinition, alert_definitions, choose, matches
from lockgate.monitor.alerts.dispatch import Dispatcher, build_notifier, build_notifiers
from lockgate.monitor.alerts.evaluator import AlertEvaluator, Outcome
from lockgate.monitor.alerts.feedback import attach_feedback, quality_events, quality_score
from lockgate.monitor.alerts.http import HttpClient
from lockgate.monitor.alerts.notification import Delivery, Kind, Notification, Notifier
from lockgate.monitor.alerts.requestlog import RequestLogSource, WindowStats
from lockgate.monitor.alerts.slo import (
    BurnCheck,
    BurnWindow,
    SloReport,
    burn_rate,
    burn_windows,
    evaluate_slo,
    format_duration,
)
from lockgate.monitor.alerts.smtp import EmailNotifier
from lockgate.monitor.alerts.source import Events, Metrics, MetricSource, Reading, Scope
from lockgate.monitor.alerts.state import AlertState, Notice, Status, Step, step

__all__ = [
    "SIGNATURE_HEADER",
    "AlertDefinition",
    "AlertEvaluator",
    "AlertState",
    "BurnCheck",
    "BurnWindow",
    "Condition",
    "Delivery",
    "Dispatcher",
    "EmailNotifier",
    "Events",
    "HttpClient",
    "Kind",
    "MetricSource",
    "Metrics",
    "Notice",
    "Notification",
    "Notifier",
    "Outcome",
    "PagerDutyNotifier",
    "Reading",
    "RequestLogSource",
    "Scope",
    "SlackNotifier",
    "SloReport",
    "Status",
    "Step",
    "WebhookNotifier",
    "WindowStats",
    "alert_definitions",
    "attach_feedback",
    "build_notifier",
    "build_notifiers",
    "burn_rate",
    "burn_windows",
    "choose",
    "evaluate_slo",
    "format_duration",
    "matches",
    "pagerduty_body",
    "quality_events",
    "quality_score",
    "rule_condition",
    "sign",
    "slack_body",
    "slo_condition",
    "step",
]
