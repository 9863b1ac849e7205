"""DriftMonitor and its reference: windows, reports as data, files, configuration errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from lockgate.errors import ConfigError
from lockgate.monitor import drift
from lockgate.monitor.drift import (
    ColumnKind,
    ColumnSpec,
    ColumnStatus,
    DriftConfig,
    DriftMonitor,
    ReferenceProfile,
    WindowReport,
    build_reference,
    build_reference_from_columns,
)

CONFIG = DriftConfig(
    columns=(
        ColumnSpec(name="latency", kind="numeric"),
        ColumnSpec(name="model", kind="categorical", max_categories=3),
        ColumnSpec(name="prompt", kind="text", buckets=64),
    ),
    window={"records": 300},
)


def _records(seed: int, n: int, latency_shift: float = 0.0) -> list[dict[str, object]]:
    rng = np.random.default_rng(seed)
    models = ["gpt-a", "gpt-b", "gpt-c", "gpt-d", "gpt-e"]
    words = ["refund", "order", "late", "where", "help", "price", "login"]
    return [
        {
            "latency": float(rng.lognormal(5 + latency_shift, 0.5)),
            "model": models[int(rng.choice(5, p=[0.5, 0.3, 0.1, 0.06, 0.04]))],
            "prompt": " ".join(words[int(i)] for i in rng.integers(0, 7, 6)),
        }
        for _ in range(n)
    ]


@pytest.fixture(scope="module")
def reference() -> ReferenceProfile:
    """One reference for the module; monitors only read it."""
    return build_reference(_records(1, 3_000), CONFIG)


def test_public_surface_is_exactly_all() -> None:
    """Every public name of the package is in __all__, once, and nothing else is."""
    public = {n for n, v in vars(drift).items() if not n.startswith("_") and n != "annotations"}
    public -= {n for n, v in vars(drift).items() if type(v) is type(drift)}
    assert len(drift.__all__) == len(set(drift.__all__))
    assert set(drift.__all__) == public


def test_window_fills_closes_and_resets(reference: ReferenceProfile) -> None:
    """is_full flips at the configured size; close_window numbers windows and starts afresh."""
    monitor = DriftMonitor(reference, CONFIG)
    for record in _records(2, 300):
        assert not monitor.is_full
        monitor.observe(record)
    assert monitor.is_full
    first = monitor.close_window()
    assert (first.window, first.records, monitor.records) == (0, 300, 0)
    assert monitor.close_window().window == 1


def test_unshifted_window_is_quiet_and_shifted_one_alarms(reference: ReferenceProfile) -> None:
    """Same traffic: no column alarms; latency shifted by a log-SD: only latency alarms."""
    monitor = DriftMonitor(reference, CONFIG)
    for record in _records(3, 1_000):
        monitor.observe(record)
    assert not monitor.close_window().drifted
    for record in _records(4, 1_000, latency_shift=0.5):
        monitor.observe(record)
    report = monitor.close_window()
    assert report.drifted_columns == ("latency",)
    assert report.column("latency").status is ColumnStatus.DRIFTED
    assert "psi" in report.column("latency").reason


def test_observe_and_observe_columns_agree(reference: ReferenceProfile) -> None:
    """Record-by-record and column-wise batches give the same report."""
    records = _records(5, 500)
    one, many = DriftMonitor(reference, CONFIG), DriftMonitor(reference, CONFIG)
    for record in records:
        one.observe(record)
    many.observe_columns({k: [r[k] for r in records] for k in ("latency", "model", "prompt")})
    assert one.close_window() == many.close_window()


def test_build_reference_from_records_and_columns_agree() -> None:
    """Both reference builders produce the same profiles."""
    records = _records(6, 2_000)
    columns = {k: [r[k] for r in records] for k in ("latency", "model", "prompt")}
    assert build_reference(records, CONFIG) == build_reference_from_columns(columns, CONFIG)


def test_reference_keeps_top_categories_and_pools_the_rest(reference: ReferenceProfile) -> None:
    """max_categories keeps the most frequent categories; others are __other__ in windows too."""
    model = reference.profiles["model"]
    assert isinstance(model, drift.CategoricalProfile)
    assert model.categories == ["gpt-a", "gpt-b", "gpt-c"]
    assert model.other > 0


def test_reference_file_round_trip(reference: ReferenceProfile, tmp_path: Path) -> None:
    """A saved and reloaded reference gives identical reports."""
    path = tmp_path / "reference.json"
    reference.save(path)
    loaded = ReferenceProfile.load(path)
    assert loaded == reference
    a, b = DriftMonitor(reference, CONFIG), DriftMonitor(loaded, CONFIG)
    for record in _records(7, 400, latency_shift=0.2):
        a.observe(record)
        b.observe(record)
    assert a.close_window() == b.close_window()


def test_reference_merge_adds_rows() -> None:
    """Merging two references over the same bins adds rows and counts."""
    edges = ColumnSpec(name="latency", kind="numeric", edges=(100.0, 150.0, 200.0))
    config = CONFIG.model_copy(update={"columns": (edges, *CONFIG.columns[1:])})
    a, b = build_reference(_records(8, 500), config), build_reference(_records(9, 700), config)
    both = build_reference(_records(8, 500) + _records(9, 700), config)
    assert a.merge(b) == both
    assert both.rows == 1_200


def test_report_is_strict_json_and_round_trips(reference: ReferenceProfile) -> None:
    """to_json is strict JSON and from_dict rebuilds an equal frozen report."""
    monitor = DriftMonitor(reference, CONFIG)
    for record in _records(10, 200):
        monitor.observe(record)
    report = monitor.close_window()
    data = json.loads(report.to_json())
    assert data["columns"][0]["kind"] == "numeric"
    assert WindowReport.from_dict(data) == report
    assert set(report.scores()) == {"latency", "model", "prompt"}
    with pytest.raises(AttributeError):
        report.drifted = True  # type: ignore[misc]


def test_too_few_rows_is_reported_not_tested(reference: ReferenceProfile) -> None:
    """A window below min_rows is insufficient data with p = 1, and never an alarm."""
    monitor = DriftMonitor(reference, CONFIG)
    for record in _records(11, 10, latency_shift=3.0):
        monitor.observe(record)
    report = monitor.close_window()
    assert not report.drifted
    assert {c.status for c in report.columns} == {ColumnStatus.INSUFFICIENT_DATA}
    assert all(c.p_value == 1.0 for c in report.columns)


def test_missing_fields_count_as_missing(reference: ReferenceProfile) -> None:
    """Records without a field are counted as missing, not rejected."""
    monitor = DriftMonitor(reference, CONFIG)
    monitor.observe({})
    profiles = monitor.window_profiles()
    assert profiles["latency"].missing == 1  # type: ignore[union-attr]
    assert profiles["model"].other == 1  # type: ignore[union-attr]


def test_reference_must_match_the_configuration(reference: ReferenceProfile) -> None:
    """An unknown column or a different kind is a ConfigError naming the column."""
    extra = CONFIG.model_copy(
        update={"columns": (*CONFIG.columns, ColumnSpec(name="tokens", kind="numeric"))}
    )
    with pytest.raises(ConfigError, match="tokens"):
        DriftMonitor(reference, extra)
    wrong = DriftConfig(columns=(ColumnSpec(name="model", kind="text"),))
    with pytest.raises(ConfigError, match="model"):
        DriftMonitor(reference, wrong)


def test_config_validates_and_parses_from_a_manifest_mapping() -> None:
    """The config parses plain data, rejects unknown keys, repeated names and bad edges."""
    config = DriftConfig.model_validate(
        {"alpha": 0.001, "columns": [{"name": "x", "kind": "numeric", "min_effect": 0.5}]}
    )
    assert config.columns[0].kind is ColumnKind.NUMERIC
    assert config.min_effect_for(config.columns[0]) == 0.5
    with pytest.raises(ValidationError):
        DriftConfig.model_validate({"columns": [{"name": "x", "kind": "numeric"}], "alfa": 1})
    with pytest.raises(ValidationError, match="repeated"):
        DriftConfig.model_validate({"columns": [{"name": "x", "kind": "text"}] * 2})
    with pytest.raises(ValidationError, match="increasing"):
        ColumnSpec(name="x", kind="numeric", edges=(2.0, 1.0))


def test_reference_file_with_another_format_is_rejected(tmp_path: Path) -> None:
    """A reference file of an unknown format version asks for a rebuild."""
    path = tmp_path / "reference.json"
    path.write_text(json.dumps({"format": 99, "rows": 0, "columns": {}}))
    with pytest.raises(ConfigError, match="rebuild"):
        ReferenceProfile.load(path)
