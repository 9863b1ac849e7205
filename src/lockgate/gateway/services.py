"""Runtime view of the manifest's versions: resolved headers, URLs and TLS settings per version."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lockgate.gateway.upstream import Target
from lockgate.manifest import LoadedManifest, UpstreamAPI, VersionSpec
from lockgate.manifest.secrets import resolve


@dataclass(frozen=True, slots=True)
class VersionRuntime:
    """One version, ready to call."""

    name: str
    api: UpstreamAPI
    chat: Target
    invoke: Target
    upstream_model: str | None


@dataclass(frozen=True, slots=True)
class ServiceRuntime:
    """One service and its versions."""

    name: str
    stable: str
    versions: Mapping[str, VersionRuntime]


def _chat_url(base: str) -> str:
    base = base.rstrip("/")
    return f"{base}/chat/completions" if base.endswith("/v1") else f"{base}/v1/chat/completions"


def _ssl(spec: VersionSpec, base_dir: Path) -> ssl.SSLContext | bool:
    if not spec.verify_tls:
        return False
    if spec.ca_bundle:
        return ssl.create_default_context(cafile=str(base_dir / spec.ca_bundle))
    return True


def _version(name: str, spec: VersionSpec, loaded: LoadedManifest) -> VersionRuntime:
    base = str(spec.upstream).rstrip("/")
    headers = tuple(
        (key, resolve(value, base_dir=loaded.base_dir)) for key, value in spec.headers.items()
    )
    tls = _ssl(spec, loaded.base_dir)

    def target(url: str) -> Target:
        return Target(name, url, headers, spec.timeout, spec.connect_timeout, tls)

    return VersionRuntime(
        name=name,
        api=spec.api,
        chat=target(_chat_url(base)),
        invoke=target(base + spec.invoke_path),
        upstream_model=spec.upstream_model,
    )


def build_services(loaded: LoadedManifest) -> dict[str, ServiceRuntime]:
    """Services by name, with every secret reference resolved (in memory only)."""
    manifest = loaded.manifest
    versions = {name: _version(name, spec, loaded) for name, spec in manifest.versions.items()}
    service = ServiceRuntime(manifest.service.name, manifest.stable_version, versions)
    return {service.name: service}
