"""``kill-switch``: turn the service off with its ``<service>.enabled`` flag, then back on.

Flags do not expire, so the switch is restored in ``clear``, which the runner also calls on any
failure or interruption. The previous state is restored exactly: a previous override is set again,
otherwise the override is removed and the manifest default serves.
"""

from __future__ import annotations

from typing import Any, ClassVar

from lockgate.auth.scopes import Scope
from lockgate.drills.errors import DrillRefused
from lockgate.drills.model import Sample, ScenarioName
from lockgate.drills.scenarios.base import DrillContext, Scenario
from lockgate.flags import kill_switch

HONOURED_FALLBACKS = frozenset({"static", "handoff"})
DISABLED = "service_disabled"


def honoured(sample: Sample) -> bool:
    """The answer shows the service is off: a static or hand-off answer, or 503 disabled."""
    return (sample.ok and sample.fallback in HONOURED_FALLBACKS) or sample.error == DISABLED


class KillSwitch(Scenario):
    """Every request must get the kill-switch answer while the switch is off."""

    name = ScenarioName.KILL_SWITCH
    scopes: ClassVar[frozenset[Scope]] = frozenset(
        {Scope.INVOKE, Scope.FLAGS_READ, Scope.FLAGS_WRITE}
    )

    def __init__(self) -> None:
        super().__init__()
        self.flag = ""
        self.previous: Any = None
        self.overridden = False
        self.changed = False

    async def prepare(self, ctx: DrillContext) -> None:
        """Refuse when the switch is already off; remember what to restore."""
        self.flag = kill_switch(ctx.service)
        entry = await ctx.client.flag(self.flag)
        if entry.get("value") is False:
            raise DrillRefused(
                f"the kill switch {self.flag} is already off; turn the service on before the drill"
            )
        self.overridden = entry.get("source") == "override"
        self.previous = entry.get("value")
        ctx.facts["flag"] = {"name": self.flag, "value": self.previous, "source": entry["source"]}

    async def inject(self, ctx: DrillContext) -> None:
        """Switch the service off."""
        self.changed = True
        await ctx.client.set_flag(self.flag, value=False, reason="drill kill-switch: service off")

    async def clear(self, ctx: DrillContext) -> None:
        """Put the switch back as it was."""
        if not self.changed:
            return
        if self.overridden:
            await ctx.client.set_flag(
                self.flag,
                value=self.previous,
                reason="drill kill-switch: previous override restored",
            )
        else:
            await ctx.client.clear_flag(self.flag, "drill kill-switch: manifest default restored")
        self.changed = False

    def noticed(self, sample: Sample) -> str | None:
        """The kill-switch answer."""
        if not honoured(sample):
            return None
        return f"kill-switch:{sample.fallback}" if sample.ok else f"kill-switch:{DISABLED}"

    def mitigated(self, sample: Sample) -> bool:
        """The switch is honoured."""
        return honoured(sample)
