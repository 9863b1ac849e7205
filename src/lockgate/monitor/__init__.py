"""Metrics, tracing, drift, quality, alert rules and notifiers."""
