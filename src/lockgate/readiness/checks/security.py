"""Security checks: review, threat model, access versus keys, secrets, key hygiene, TLS, audit."""

from __future__ import annotations

import datetime as dt
import ipaddress

from lockgate.auth.scopes import Scope
from lockgate.manifest.secrets import CREDENTIAL_PATTERNS, SECRET_REF
from lockgate.manifest.security import (
    Capability,
    FindingSeverity,
    FindingStatus,
    MitigationStatus,
    ReviewFunction,
)
from lockgate.readiness.checks.common import facts, listing, people
from lockgate.readiness.evidence import Evidence, KeyFact
from lockgate.readiness.model import (
    Area,
    Check,
    Gate,
    Kind,
    Outcome,
    References,
    Severity,
    failed,
    missing,
    passed,
)

REVIEW_MAX_AGE_DAYS = 90
REVIEW_FUNCTIONS = (ReviewFunction.SECURITY, ReviewFunction.PRIVACY, ReviewFunction.PRODUCT)
BLOCKING = (FindingSeverity.CRITICAL, FindingSeverity.HIGH)
REQUIRED_CAPABILITIES = (Capability.DEPLOY, Capability.READ_LIVE_DATA)


def review_recent(evidence: Evidence) -> Outcome:
    """Reviewed within 90 days by security, privacy and product, with no open high findings."""
    review = evidence.manifest.security.review
    where = ("security", "review")
    if review is None:
        return failed("no security review is recorded under security.review", ("security",))
    today = evidence.now.date()
    if review.date > today:
        return failed(f"the review date {review.date} is in the future", (*where, "date"))
    age = (today - review.date).days
    if age > REVIEW_MAX_AGE_DAYS:
        return failed(
            f"the last security review was {age} days ago ({review.date}); "
            f"reviews are due every {REVIEW_MAX_AGE_DAYS} days",
            (*where, "date"),
        )
    present = {participant.function for participant in review.participants}
    absent = [function.value for function in REVIEW_FUNCTIONS if function not in present]
    if absent:
        return failed(
            f"the review on {review.date} had nobody from {', '.join(absent)}",
            (*where, "participants"),
        )
    for index, finding in enumerate(review.findings):
        if finding.status is FindingStatus.OPEN and finding.severity in BLOCKING:
            return failed(
                f"finding {finding.id} ({finding.severity}: {finding.title}) is still open",
                (*where, "findings", index),
            )
    return passed(
        f"reviewed {review.date} ({age} days ago) by security, privacy and product; "
        f"no open high or critical findings"
    )


def threat_model(evidence: Evidence) -> Outcome:
    """Actors, data flows, critical assets and mitigations; every asset has a mitigation."""
    model = evidence.manifest.security.threat_model
    where = ("security", "threat_model")
    parts = {
        "actors": model.actors,
        "data_flows": model.data_flows,
        "critical_assets": model.critical_assets,
        "mitigations": model.mitigations,
    }
    empty = [name for name, items in parts.items() if not items]
    if empty:
        return failed(f"the threat model has no {', '.join(empty)}", where)
    assets = {asset.name for asset in model.critical_assets}
    for index, mitigation in enumerate(model.mitigations):
        unknown = [name for name in mitigation.assets if name not in assets]
        if unknown:
            return failed(
                f"mitigation {mitigation.control!r} names unknown assets: {', '.join(unknown)}",
                (*where, "mitigations", index, "assets"),
            )
    covered = {
        name
        for mitigation in model.mitigations
        if mitigation.status is MitigationStatus.IMPLEMENTED
        for name in mitigation.assets
    }
    bare = [name for name in sorted(assets) if name not in covered]
    if bare:
        return failed(
            f"no implemented mitigation protects {listing(bare)}", (*where, "critical_assets")
        )
    return passed(
        f"{len(model.actors)} actors, {len(model.data_flows)} data flows, "
        f"{len(assets)} critical assets, each with an implemented mitigation"
    )


def _applicable_keys(evidence: Evidence, keys: tuple[KeyFact, ...]) -> list[KeyFact]:
    return [k for k in keys if k.active(evidence.now) and k.serves(evidence.service)]


def access_matches_keys(evidence: Evidence) -> Outcome:
    """Every key holding a governed scope is declared for it, and every declared key exists."""
    declarations = evidence.manifest.security.access
    where = ("security", "access")
    declared = {declaration.capability for declaration in declarations}
    lacking = [cap.value for cap in REQUIRED_CAPABILITIES if cap not in declared]
    if lacking:
        return failed(f"declare who may {' and who may '.join(lacking)}", where)
    known = people(evidence.manifest)
    for index, declaration in enumerate(declarations):
        strangers = [name for name in declaration.people if name not in known]
        if strangers:
            return failed(
                f"{declaration.capability}: {', '.join(strangers)} not under ownership.people",
                (*where, index, "people"),
            )
    store = facts(evidence)
    if isinstance(store, Outcome):
        return missing("no store was read (offline), so the keys cannot be compared")
    keys = _applicable_keys(evidence, store.keys)
    allowed: dict[str, set[str]] = {}
    for declaration in declarations:
        for scope in declaration.granted_by:
            allowed.setdefault(scope.value, set()).update(declaration.keys)
    undeclared = sorted(
        f"{key.name} ({scope})"
        for key in keys
        for scope in sorted(key.scopes)
        if scope in allowed and key.name not in allowed[scope]
    )
    if undeclared:
        return failed(f"keys hold scopes nobody declared for them: {listing(undeclared)}", where)
    names = {key.name for key in keys}
    for index, declaration in enumerate(declarations):
        absent = [name for name in declaration.keys if name not in names]
        if absent:
            return failed(
                f"{declaration.capability}: declared keys {', '.join(absent)} do not exist "
                "(or are revoked or expired)",
                (*where, index, "keys"),
            )
    return passed(f"{len(keys)} active keys match {len(declarations)} access declarations")


def no_secret_literals(evidence: Evidence) -> Outcome:
    """No credential-shaped text in the manifest (comments included) or the files it names."""
    for number, line in enumerate(evidence.manifest_text.splitlines(), start=1):
        label = _credential(line)
        if label:
            return failed(f"line {number} of the manifest looks like {label}", line=number)
    for path, text in sorted(evidence.files.items()):
        for number, line in enumerate((text or "").splitlines(), start=1):
            label = _credential(line)
            if label:
                return failed(f"{path}:{number} looks like {label}")
    return passed(f"no credential-shaped text in the manifest or {len(evidence.files)} files")


def _credential(line: str) -> str | None:
    text = SECRET_REF.sub("", line)
    for label, pattern in CREDENTIAL_PATTERNS:
        if pattern.search(text):
            return label
    return None


def keys_expire(evidence: Evidence) -> Outcome:
    """Every active key of the service has an expiry date."""
    store = facts(evidence)
    if isinstance(store, Outcome):
        return store
    keys = _applicable_keys(evidence, store.keys)
    forever = sorted(f"{key.name} ({key.id})" for key in keys if key.expires_at is None)
    if forever:
        return failed(f"keys without an expiry: {listing(forever)}")
    return passed(f"all {len(keys)} active keys expire")


def admin_not_invoke(evidence: Evidence) -> Outcome:
    """No key can both administer keys and call the model."""
    store = facts(evidence)
    if isinstance(store, Outcome):
        return store
    both = {Scope.KEYS_ADMIN.value, Scope.INVOKE.value}
    mixed = sorted(
        f"{key.name} ({key.id})"
        for key in _applicable_keys(evidence, store.keys)
        if both <= key.scopes
    )
    if mixed:
        return failed(f"keys combine keys:admin with invoke: {listing(mixed)}")
    return passed("no active key combines keys:admin with invoke")


def upstream_tls(evidence: Evidence) -> Outcome:
    """Upstream TLS verification is on, and only loopback upstreams use plain HTTP."""
    for name, version in evidence.manifest.versions.items():
        if not version.verify_tls:
            return failed(f"version {name} turns off TLS verification", ("versions", name))
        url = version.upstream
        if url.scheme == "http" and not _loopback(url.host or ""):
            return failed(
                f"version {name} calls {url.host} over plain HTTP",
                ("versions", name, "upstream"),
            )
    return passed(f"all {len(evidence.manifest.versions)} upstreams verified (or loopback)")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def audit_chain(evidence: Evidence) -> Outcome:
    """The audit log's hash chain verifies end to end."""
    store = facts(evidence)
    if isinstance(store, Outcome):
        return store
    state = store.audit
    if state is None or state.records == 0:
        return missing("the audit log has no records yet")
    if state.broken_seq is not None:
        return failed(f"the audit chain breaks at record {state.broken_seq}: {state.reason}")
    return passed(f"{state.records} audit records verified")


CHECKS = (
    Check(
        id="SEC-001",
        anchor=("security", "review"),
        title="Security review within 90 days, no open high findings",
        area=Area.SECURITY,
        gate=Gate.PRODUCTION,
        severity=Severity.HIGH,
        kind=Kind.STATIC,
        remediation="Hold a security review with security, privacy and product; record its date, "
        "participants and findings under security.review; close or mitigate high findings.",
        run=review_recent,
        references=References(
            nist_ai_rmf="MEASURE 2.7",
            eu_ai_act="Art. 15",
            iso_42001="A.6.2.4",
            sre="Security: security design review",
        ),
    ),
    Check(
        id="SEC-002",
        anchor=("security", "threat_model"),
        title="Threat model names actors, data flows, assets and mitigations",
        area=Area.SECURITY,
        gate=Gate.STAGING,
        severity=Severity.HIGH,
        kind=Kind.STATIC,
        remediation="Fill security.threat_model: who could attack, how data moves, what must be "
        "protected, and an implemented mitigation for every critical asset.",
        run=threat_model,
        references=References(
            nist_ai_rmf="MAP 4.1",
            eu_ai_act="Art. 9",
            iso_42001="A.5.2",
            sre="Security: security design review",
        ),
    ),
    Check(
        id="SEC-003",
        anchor=("security", "access"),
        title="Declared access matches the keys that exist",
        area=Area.SECURITY,
        gate=Gate.PRODUCTION,
        severity=Severity.HIGH,
        kind=Kind.STATIC,
        remediation="Declare who may deploy and who may read live data under security.access, "
        "name the keys allowed to hold those scopes, and revoke keys nobody declared.",
        run=access_matches_keys,
        references=References(
            nist_ai_rmf="GOVERN 2.1",
            eu_ai_act="Art. 15",
            iso_42001="A.3.2",
            sre="Security: prelaunch visibility/access control",
        ),
    ),
    Check(
        id="SEC-004",
        title="No secret literals in the manifest or its files",
        area=Area.SECURITY,
        gate=Gate.STAGING,
        severity=Severity.CRITICAL,
        kind=Kind.STATIC,
        remediation="Move the secret out (write ${env:NAME} or ${file:PATH}), rotate it, and "
        "remove it from version control history.",
        run=no_secret_literals,
        references=References(eu_ai_act="Art. 15", iso_42001="A.6.2.3"),
    ),
    Check(
        id="SEC-005",
        anchor=("security", "access"),
        title="Every API key expires",
        area=Area.SECURITY,
        gate=Gate.PRODUCTION,
        severity=Severity.MEDIUM,
        kind=Kind.STATIC,
        remediation="Create keys with --expires (e.g. 90d) and revoke the ones without expiry.",
        run=keys_expire,
        references=References(eu_ai_act="Art. 15", sre="Security: authentication"),
    ),
    Check(
        id="SEC-006",
        anchor=("security", "access"),
        title="No key combines keys:admin and invoke",
        area=Area.SECURITY,
        gate=Gate.STAGING,
        severity=Severity.HIGH,
        kind=Kind.STATIC,
        remediation="Split the key: one for administration, one for the data plane.",
        run=admin_not_invoke,
        references=References(eu_ai_act="Art. 15", sre="Security: authentication"),
    ),
    Check(
        id="SEC-007",
        anchor=("versions",),
        title="Upstream TLS verification is on",
        area=Area.SECURITY,
        gate=Gate.STAGING,
        severity=Severity.HIGH,
        kind=Kind.STATIC,
        remediation="Remove verify_tls: false (set ca_bundle for a private PKI) and use https "
        "for every upstream that is not on loopback.",
        run=upstream_tls,
        references=References(eu_ai_act="Art. 15", sre="Security: SSL"),
    ),
    Check(
        id="SEC-008",
        title="The audit chain verifies",
        area=Area.SECURITY,
        gate=Gate.STAGING,
        severity=Severity.CRITICAL,
        kind=Kind.LIVE,
        freshness=dt.timedelta(days=1),
        remediation="Find the break with `lockgate audit verify`, restore the audit table from a "
        "backup, and investigate who changed it.",
        run=audit_chain,
        references=References(
            nist_ai_rmf="GOVERN 4.3",
            eu_ai_act="Art. 12",
            iso_42001="A.6.2.8",
        ),
    ),
)
