"""Exports for the monitoring stack a team already runs: Prometheus rules, a Grafana dashboard."""

from lockgate.monitor.exports.grafana import grafana_dashboard
from lockgate.monitor.exports.prometheus import Export, alert_name, prometheus_rules

__all__ = ["Export", "alert_name", "grafana_dashboard", "prometheus_rules"]
