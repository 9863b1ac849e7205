"""Changing a flag from the dashboard: form, confirmation, audited change.

Three steps, each needing ``flags:write``: the form (new value and reason), a confirmation page
showing the current value, the new one and the reason, and the change itself. Both posts carry the
session's CSRF token. The change goes through ``lockgate.store.flags.set_flag`` (checked against
the flag's kind, audited with the key's id and name) and applies on this replica at once. If the
flag changed between confirmation and change, the change is not made: the confirmation is shown
again with the new current value.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lockgate.admin.security import actor
from lockgate.auth.scopes import Scope
from lockgate.dashboard.access import Viewer
from lockgate.dashboard.core import Dashboard
from lockgate.dashboard.forms import parse_value, read_form
from lockgate.dashboard.pages import PREFIX
from lockgate.dashboard.panels import FlagRow, flag_row, show
from lockgate.errors import NotFound, RequestError
from lockgate.flags.model import FlagDefinition
from lockgate.flags.values import check_value
from lockgate.manifest.cutover import FlagKind
from lockgate.store import flags as stored

MAX_REASON = 2000


def suggested(flag: FlagDefinition) -> str:
    """What the form offers first: the opposite of a boolean, else the current value."""
    if flag.kind is FlagKind.BOOLEAN and isinstance(flag.value, bool):
        return show(not flag.value)
    return show(flag.value) if flag.value is not None else ""


class FlagFlip:
    """The three steps of a flag change."""

    def __init__(self, ui: Dashboard) -> None:
        self.ui = ui

    def _row(self, name: str) -> tuple[FlagDefinition, FlagDefinition, FlagRow]:
        """The flag's declaration, its value as served here, and its table row."""
        flags = self.ui.runtime.flags
        state = next((s for s in flags.states() if s.flag.name == name), None)
        declared = flags.definitions.get(name)
        if declared is None or state is None:
            raise NotFound(f"no flag named {name!r}; the dashboard lists the flags")
        service = self.ui.runtime.loaded.manifest.service.name
        return declared, state.flag, flag_row(state, service)

    def _form(
        self, viewer: Viewer, row: FlagRow, value: str, reason: str, error: str | None
    ) -> Response:
        return self.ui.pages.render(
            "flag_edit.html",
            400 if error else 200,
            viewer=viewer,
            flag=row,
            value=value,
            reason=reason,
            error=error,
            now=self.ui.now(),
        )

    async def edit(self, request: Request) -> Response:
        """The form: new value and reason."""
        viewer = await self.ui.require(request, Scope.FLAGS_WRITE)
        _, served, row = self._row(request.path_params["name"])
        return self._form(viewer, row, suggested(served), "", None)

    def _proposal(self, definition: FlagDefinition, fields: dict[str, str]) -> tuple[Any, str]:
        value = parse_value(definition.kind, fields.get("value", ""))
        check_value(definition, value)
        reason = fields.get("reason", "").strip()
        if not reason:
            raise RequestError("say why the flag changes: the reason goes to the audit log")
        if len(reason) > MAX_REASON:
            raise RequestError(f"keep the reason under {MAX_REASON} characters")
        return value, reason

    def _confirm(
        self, viewer: Viewer, row: FlagRow, fields: dict[str, str], value: Any, note: str | None
    ) -> Response:
        return self.ui.pages.render(
            "flag_confirm.html",
            409 if note else 200,
            viewer=viewer,
            flag=row,
            old=row.value,
            new=show(value),
            raw=fields.get("value", ""),
            reason=fields.get("reason", "").strip(),
            note=note,
        )

    async def review(self, request: Request) -> Response:
        """The confirmation page: old value, new value and reason, nothing changed yet."""
        viewer = await self.ui.require(request, Scope.FLAGS_WRITE)
        fields = await read_form(request)
        self.ui.check_csrf(viewer, fields)
        definition, _, row = self._row(request.path_params["name"])
        try:
            value, _ = self._proposal(definition, fields)
        except RequestError as exc:
            return self._form(
                viewer, row, fields.get("value", ""), fields.get("reason", ""), exc.message
            )
        return self._confirm(viewer, row, fields, value, None)

    async def apply(self, request: Request) -> Response:
        """Make the confirmed change, audited, unless the flag moved since it was confirmed."""
        viewer = await self.ui.require(request, Scope.FLAGS_WRITE)
        fields = await read_form(request)
        self.ui.check_csrf(viewer, fields)
        definition, _, row = self._row(request.path_params["name"])
        try:
            value, reason = self._proposal(definition, fields)
        except RequestError as exc:
            return self._form(
                viewer, row, fields.get("value", ""), fields.get("reason", ""), exc.message
            )
        if fields.get("expected") != row.value:
            note = f"the flag changed to {row.value} since you reviewed it; confirm again"
            return self._confirm(viewer, row, fields, value, note)
        cache = self.ui.runtime.flags
        await asyncio.to_thread(
            stored.set_flag,
            self.ui.runtime.store,
            actor=actor(viewer.principal),
            name=row.name,
            value=value,
            reason=reason,
            definitions=cache.definitions,
        )
        await asyncio.to_thread(cache.refresh)
        return RedirectResponse(f"{PREFIX}?changed={quote(row.name)}#flags", 303)
