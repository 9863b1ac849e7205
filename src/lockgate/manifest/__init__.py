"""The ``lockgate.yaml`` manifest: schema, loader and secret references."""

from lockgate.manifest.loader import (
    LoadedManifest,
    ManifestError,
    Problem,
    find_config,
    load,
    parse,
)
from lockgate.manifest.model import Manifest
from lockgate.manifest.service import Stage, UpstreamAPI, VersionSpec

__all__ = [
    "LoadedManifest",
    "Manifest",
    "ManifestError",
    "Problem",
    "Stage",
    "UpstreamAPI",
    "VersionSpec",
    "find_config",
    "load",
    "parse",
]
