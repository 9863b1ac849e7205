"""The on-call dashboard served at ``/ui``: one server-rendered screen, sign-in, flag changes."""

from lockgate.dashboard.app import create_dashboard

__all__ = ["create_dashboard"]
