"""Data governance: sources with owners and PII classes, retention, payload keys, purges."""

from __future__ import annotations

import datetime as dt

from lockgate.readiness.checks.common import age, facts, fresh, judge_recent, listing, people
from lockgate.readiness.evidence import Evidence
from lockgate.readiness.model import (
    Area,
    Check,
    Gate,
    Kind,
    Outcome,
    References,
    Severity,
    failed,
    passed,
)

STORED_CLASSES = ("request_log", "handoffs", "audit")
"""Classes every gateway stores; ``interactions`` joins them when payloads are stored."""
PURGE_WINDOW = dt.timedelta(days=2)


def sources(evidence: Evidence) -> Outcome:
    """Every data source has an owner from ``ownership.people`` and declares its PII classes."""
    declared = evidence.manifest.data.sources
    if not declared:
        return failed("no data sources are declared", ("data",))
    known = people(evidence.manifest)
    for index, source in enumerate(declared):
        where = ("data", "sources", index)
        if not source.owner:
            return failed(f"data source {source.name} has no owner", where)
        if source.owner not in known:
            return failed(
                f"data source {source.name}: owner {source.owner!r} is not under ownership.people",
                (*where, "owner"),
            )
        if "pii" not in source.model_fields_set:
            return failed(
                f"data source {source.name} does not declare its PII classes (write pii: [] "
                "when it carries none)",
                where,
            )
    return passed(f"{len(declared)} data sources with owners and PII classes")


def retention(evidence: Evidence) -> Outcome:
    """Every stored class has a retention period."""
    data = evidence.manifest.data
    needed = [*STORED_CLASSES, *(["interactions"] if data.store_payloads else [])]
    absent = [name for name in needed if name not in data.retention]
    if absent:
        return failed(f"no retention for {', '.join(absent)}", ("data",))
    shown = ", ".join(f"{name} {data.retention[name] / 86400:g}d" for name in needed)
    return passed(shown)


def pii_classes(evidence: Evidence) -> Outcome:
    """Every PII class a source carries is listed in ``data.pii_classes``."""
    data = evidence.manifest.data
    listed = set(data.pii_classes)
    carried = sorted({cls for source in data.sources for cls in source.pii})
    unlisted = [cls for cls in carried if cls not in listed]
    if unlisted:
        return failed(
            f"sources carry PII classes not in data.pii_classes: {listing(unlisted)}",
            ("data", "pii_classes") if data.pii_classes else ("data",),
        )
    return passed(f"{len(carried)} PII classes, all declared")


def payload_keys(evidence: Evidence) -> Outcome:
    """Stored payloads are encrypted (``kek``) and pseudonymized (``hmac_key``)."""
    data = evidence.manifest.data
    if not data.store_payloads:
        return passed("payloads are not stored")
    absent = [name for name in ("kek", "hmac_key") if getattr(data, name) is None]
    if absent:
        return failed(f"payloads are stored without {' and '.join(absent)}", ("data",))
    return passed("stored payloads are encrypted and pseudonymized")


def purge_ran(evidence: Evidence) -> Outcome:
    """A retention purge ran within the last two days."""
    store = facts(evidence)
    if isinstance(store, Outcome):
        return store
    now = evidence.now
    runs = sorted(store.purges, reverse=True)
    proofs = store.proofs_of("purge")
    good, _ = fresh(proofs, now, PURGE_WINDOW)
    if runs and (good is None or runs[0] > good.at) and now - runs[0] <= PURGE_WINDOW:
        return passed(f"the last retention purge ran {age(now, runs[0])}")
    if runs and good is None:
        return failed(f"the last retention purge ran {age(now, runs[0])}")
    return judge_recent(proofs, now, PURGE_WINDOW, "retention purge")


CHECKS = (
    Check(
        id="DATA-001",
        anchor=("data", "sources"),
        title="Every data source has an owner and PII classes",
        area=Area.DATA,
        gate=Gate.STAGING,
        severity=Severity.HIGH,
        kind=Kind.STATIC,
        remediation="For each data.sources entry set owner (a person handle) and pii (the PII "
        "classes it carries, [] when none).",
        run=sources,
        references=References(
            nist_ai_rmf="MAP 4.1",
            eu_ai_act="Art. 10",
            iso_42001="A.7.5",
        ),
    ),
    Check(
        id="DATA-002",
        anchor=("data", "retention"),
        title="Retention is set for every stored class",
        area=Area.DATA,
        gate=Gate.STAGING,
        severity=Severity.HIGH,
        kind=Kind.STATIC,
        remediation="Set data.retention for request_log, handoffs and audit (and interactions "
        "when payloads are stored).",
        run=retention,
        references=References(
            nist_ai_rmf="MEASURE 2.10",
            eu_ai_act="Art. 10",
            iso_42001="A.7.2",
        ),
    ),
    Check(
        id="DATA-003",
        anchor=("data", "pii_classes"),
        title="PII classes of the sources are declared",
        area=Area.DATA,
        gate=Gate.STAGING,
        severity=Severity.MEDIUM,
        kind=Kind.STATIC,
        remediation="List every PII class the sources carry under data.pii_classes.",
        run=pii_classes,
        references=References(nist_ai_rmf="MEASURE 2.10", eu_ai_act="Art. 10", iso_42001="A.7.4"),
    ),
    Check(
        id="DATA-004",
        anchor=("data",),
        title="Stored payloads are encrypted and pseudonymized",
        area=Area.DATA,
        gate=Gate.STAGING,
        severity=Severity.CRITICAL,
        kind=Kind.STATIC,
        remediation="Set data.kek and data.hmac_key (as ${env:...} or ${file:...}) or stop "
        "storing payloads.",
        run=payload_keys,
        references=References(nist_ai_rmf="MEASURE 2.10", eu_ai_act="Art. 10", iso_42001="A.7.2"),
    ),
    Check(
        id="DATA-005",
        anchor=("data", "retention"),
        title="A retention purge ran in the last two days",
        area=Area.DATA,
        gate=Gate.PRODUCTION,
        severity=Severity.MEDIUM,
        kind=Kind.LIVE,
        freshness=PURGE_WINDOW,
        remediation="Schedule `lockgate purge` daily (cron, systemd timer or a Kubernetes "
        "CronJob).",
        run=purge_ran,
        references=References(nist_ai_rmf="MEASURE 2.10", eu_ai_act="Art. 10", iso_42001="A.7.2"),
    ),
)
