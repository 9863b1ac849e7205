"""Drift detection benchmark: false alarms, detection power and speed, against baselines.

    python bench/drift.py            # full run (a few minutes on 2 cores)
    python bench/drift.py --quick    # smoke run

(a) false alarm rate over unshifted windows of 200 and 5,000 rows, 14 columns (10 numeric,
    3 categorical with 50 skewed categories, 1 text); (b) detection of a 2-point shift in one
    category's share at 100,000-row windows, and of numeric mean shifts; (c) time per 100,000 x 13
    window: Lockgate (reference binned once) vs the same statistics in plain numpy/scipy vs
    Evidently's DataDriftPreset (run in its own virtualenv, ``.venv-peers/evidently``, if there).
Results go to ``bench/results/drift.json`` and ``bench/results/drift.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
EVIDENTLY_PY = ROOT / ".venv-peers" / "evidently" / "bin" / "python"
TIME_BUDGET_S = 900.0  # every loop below also stops when the whole run passes this

NUMERIC = [f"num_{i}" for i in range(10)]
CATEGORICAL = [f"cat_{i}" for i in range(3)]
TEXT = "prompt"
N_CATEGORIES = 50
ZIPF_EXPONENTS = (1.0, 1.3, 0.8)
SHIFT_CATEGORY = 3  # the 4th most common category of cat_0 gains 2 points of share

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


# ---------------------------------------------------------------- synthetic traffic (numpy only)


def category_names() -> list[str]:
    """Category labels shared by every categorical column."""
    return [f"v{j:02d}" for j in range(N_CATEGORIES)]


def category_shares(column: int, shift: float = 0.0) -> FloatArray:
    """Zipf shares over 50 categories; ``shift`` moves that much share onto one category."""
    p = 1.0 / np.arange(1, N_CATEGORIES + 1) ** ZIPF_EXPONENTS[column]
    p /= p.sum()
    if shift:
        k = SHIFT_CATEGORY
        rest = 1.0 - p[k]
        p = p * (rest - shift) / rest
        p[k] = 1.0 - (np.sum(p) - p[k])
    return p


def numeric_column(rng: np.random.Generator, i: int, n: int, shift_sd: float = 0.0) -> FloatArray:
    """Ten differently shaped numeric columns; ``shift_sd`` moves the mean by that many SDs."""
    makers: list[Callable[[], FloatArray]] = [
        lambda: rng.normal(0.0, 1.0, n),
        lambda: rng.lognormal(5.0, 0.6, n),
        lambda: rng.exponential(2.0, n),
        lambda: rng.uniform(0.0, 10.0, n),
        lambda: rng.poisson(3.0, n).astype(np.float64),
        lambda: rng.gamma(2.0, 2.0, n),
        lambda: rng.standard_t(3.0, n),
        lambda: np.where(rng.random(n) < 0.3, rng.normal(-2, 0.5, n), rng.normal(2, 1.0, n)),
        lambda: rng.binomial(20, 0.3, n).astype(np.float64),
        lambda: rng.beta(2.0, 5.0, n),
    ]
    sds = [1.0, 0.0, 2.0, 2.887, 1.732, 2.828, 1.732, 2.0, 2.049, 0.16]
    x = makers[i]()
    if shift_sd:
        x = x + shift_sd * (sds[i] if sds[i] else float(np.std(x)))
    return x


def categorical_codes(
    rng: np.random.Generator, column: int, n: int, shift: float = 0.0
) -> IntArray:
    """Category codes (indexes into :func:`category_names`)."""
    return rng.choice(N_CATEGORIES, size=n, p=category_shares(column, shift)).astype(np.int64)


@dataclass(frozen=True, slots=True)
class TextModel:
    """Messages from topics: each message picks one topic, so its tokens are correlated."""

    words: tuple[str, ...]
    function_words: tuple[str, ...]
    topic_words: IntArray  # topics x words per topic, indexes into words
    launch_words: tuple[str, ...]


def text_model(seed: int = 7, topics: int = 12, per_topic: int = 300) -> TextModel:
    """A fixed synthetic vocabulary."""
    rng = np.random.default_rng(seed)
    syll = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "za", "pe", "do", "gu", "ha", "xi"]
    words = sorted({"".join(rng.choice(syll, size=rng.integers(2, 5))) for _ in range(6000)})
    func = ("the", "a", "to", "is", "my", "please", "how", "can", "i", "you", "it", "of")
    topic_words = np.stack(
        [rng.choice(len(words), size=per_topic, replace=False) for _ in range(topics)]
    )
    launch = ("novaphone", "preorder", "launch", "keynote", "aurora", "bundle", "lumen")
    return TextModel(tuple(words), func, topic_words.astype(np.int64), launch)


def messages(
    rng: np.random.Generator, model: TextModel, n: int, launch_share: float = 0.0
) -> list[str]:
    """``n`` messages; a ``launch_share`` of them are about a new product launch."""
    topics, per_topic = model.topic_words.shape
    lengths = 4 + rng.poisson(10, n)
    topic = rng.integers(0, topics, n)
    launch = rng.random(n) < launch_share
    zipf_t = 1.0 / np.arange(1, per_topic + 1)
    cdf_t = np.cumsum(zipf_t / zipf_t.sum())
    zipf_f = 1.0 / np.arange(1, len(model.function_words) + 1)
    cdf_f = np.cumsum(zipf_f / zipf_f.sum())
    zipf_l = 1.0 / np.arange(1, len(model.launch_words) + 1)
    cdf_l = np.cumsum(zipf_l / zipf_l.sum())
    total = int(lengths.sum())
    tok_topic = np.repeat(topic, lengths)
    tok_launch = np.repeat(launch, lengths)
    is_func = rng.random(total) < 0.35
    u = rng.random(total)
    rank_t = np.minimum(np.searchsorted(cdf_t, u), per_topic - 1)
    rank_f = np.minimum(np.searchsorted(cdf_f, u), len(model.function_words) - 1)
    rank_l = np.minimum(np.searchsorted(cdf_l, u), len(model.launch_words) - 1)
    vocab = np.asarray(model.words, dtype=object)
    tokens = vocab[model.topic_words[tok_topic, rank_t]]
    use_launch = tok_launch & ~is_func & (rng.random(total) < 0.5)
    tokens[use_launch] = np.asarray(model.launch_words, dtype=object)[rank_l[use_launch]]
    tokens[is_func] = np.asarray(model.function_words, dtype=object)[rank_f[is_func]]
    ends = np.cumsum(lengths)
    starts = ends - lengths
    flat = tokens.tolist()
    return [" ".join(flat[s:e]) for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]


def tabular(
    rng: np.random.Generator, n: int, *, cat_shift: float = 0.0, num_shift_sd: float = 0.0
) -> tuple[dict[str, FloatArray], dict[str, IntArray]]:
    """10 numeric columns and 3 categorical code columns; shifts apply to num_0 and cat_0."""
    num = {
        name: numeric_column(rng, i, n, num_shift_sd if i == 0 else 0.0)
        for i, name in enumerate(NUMERIC)
    }
    cat = {
        name: categorical_codes(rng, i, n, cat_shift if i == 0 else 0.0)
        for i, name in enumerate(CATEGORICAL)
    }
    return num, cat


def labels(codes: IntArray) -> list[str]:
    """Category codes as labels."""
    names = np.asarray(category_names(), dtype=object)
    out: list[str] = names[codes].tolist()
    return out


# ---------------------------------------------------------------- Evidently worker (its own venv)


def evidently_worker(request_path: str, out_path: str) -> None:
    """Run Evidently's DataDriftPreset on the windows described in a request file."""
    import pandas as pd
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    req = json.loads(Path(request_path).read_text())
    data = np.load(req["npz"])
    names = np.asarray(category_names(), dtype=object)
    out: dict[str, Any] = {}
    deadline = time.monotonic() + float(req["budget_s"])

    def frame(prefix: str, cats: list[str], nums: list[str]) -> pd.DataFrame:
        cols: dict[str, Any] = {c: names[data[f"{prefix}{c}"]] for c in cats}
        cols.update({c: data[f"{prefix}{c}"] for c in nums})
        return pd.DataFrame(cols)

    def drifted_count(
        ref: pd.DataFrame, cur: pd.DataFrame, cats: list[str], nums: list[str]
    ) -> int:
        dd = DataDefinition(numerical_columns=nums, categorical_columns=cats)
        snap = Report([DataDriftPreset()]).run(
            Dataset.from_pandas(cur, data_definition=dd),
            Dataset.from_pandas(ref, data_definition=dd),
        )
        for metric in snap.dict()["metrics"]:
            if metric["metric_name"].startswith("DriftedColumnsCount"):
                return int(metric["value"]["count"])
        raise RuntimeError("Evidently report has no DriftedColumnsCount metric")

    for job in req["far"]:
        ref = frame(f"{job['key']}ref_", CATEGORICAL, [])
        alarms, windows = 0, 0
        for w in range(job["windows"]):
            if time.monotonic() > deadline:
                break
            cur = frame(f"{job['key']}w{w}_", CATEGORICAL, [])
            alarms += drifted_count(ref, cur, CATEGORICAL, []) > 0
            windows += 1
        out[f"far_{job['size']}"] = {"windows": windows, "alarms": alarms}

    ref = frame("det_ref_", CATEGORICAL, [])
    hits, windows = 0, 0
    for w in range(req["detect_windows"]):
        if time.monotonic() > deadline:
            break
        hits += drifted_count(ref, frame(f"det_w{w}_", CATEGORICAL, []), CATEGORICAL, []) > 0
        windows += 1
    out["detect"] = {"windows": windows, "hits": hits}

    ref = frame("speed_ref_", CATEGORICAL, NUMERIC)
    cur = frame("speed_cur_", CATEGORICAL, NUMERIC)
    drifted_count(ref, cur, CATEGORICAL, NUMERIC)  # warm-up
    times = []
    for _ in range(req["speed_reps"]):
        t0 = time.perf_counter()
        drifted_count(ref, cur, CATEGORICAL, NUMERIC)
        times.append(time.perf_counter() - t0)
    out["speed_s"] = times
    Path(out_path).write_text(json.dumps(out))


# ---------------------------------------------------------------- Lockgate side


@dataclass(frozen=True, slots=True)
class Plan:
    """Sizes of one run."""

    far_windows: int
    far_reference: int
    detect_windows: int
    detect_rows: int
    num_windows: int
    speed_rows: int
    speed_reps: int
    evidently_far_windows: int
    evidently_detect_windows: int


FULL = Plan(200, 50_000, 100, 100_000, 100, 100_000, 5, 200, 5)
QUICK = Plan(30, 20_000, 10, 100_000, 10, 100_000, 2, 20, 1)


def drift_config(*, text: bool) -> Any:
    """The monitored columns (library defaults otherwise)."""
    from lockgate.monitor.drift import ColumnSpec, DriftConfig

    cols = [ColumnSpec(name=n, kind="numeric") for n in NUMERIC]
    cols += [ColumnSpec(name=n, kind="categorical") for n in CATEGORICAL]
    if text:
        cols.append(ColumnSpec(name=TEXT, kind="text"))
    return DriftConfig(columns=tuple(cols))


def batch(
    num: Mapping[str, FloatArray], cat: Mapping[str, IntArray], text: list[str] | None
) -> dict[str, Any]:
    """Column-wise batch for ``observe_columns``."""
    out: dict[str, Any] = dict(num)
    out.update({k: labels(v) for k, v in cat.items()})
    if text is not None:
        out[TEXT] = text
    return out


def run_far(plan: Plan, deadline: float, npz: dict[str, Any]) -> dict[str, Any]:
    """(a) Windows with any alarm, and alarms per kind, on unshifted traffic."""
    from lockgate.monitor.drift import DriftMonitor, build_reference_from_columns

    model = text_model()
    rng = np.random.default_rng(101)
    num, cat = tabular(rng, plan.far_reference)
    cfg = drift_config(text=True)
    reference = build_reference_from_columns(
        batch(num, cat, messages(rng, model, plan.far_reference)), cfg
    )
    out: dict[str, Any] = {}
    for size in (200, 5000):
        key = f"far{size}_"
        for c, codes in cat.items():
            npz[f"{key}ref_{c}"] = codes.astype(np.int16)
        monitor = DriftMonitor(reference, cfg)
        any_alarm, per_kind, windows = 0, {"numeric": 0, "categorical": 0, "text": 0}, 0
        wrng = np.random.default_rng(1000 + size)
        for w in range(plan.far_windows):
            if time.monotonic() > deadline:
                break
            wn, wc = tabular(wrng, size)
            for c, codes in wc.items():
                npz[f"{key}w{w}_{c}"] = codes.astype(np.int16)
            monitor.observe_columns(batch(wn, wc, messages(wrng, model, size)))
            report = monitor.close_window()
            any_alarm += report.drifted
            for col in report.columns:
                per_kind[str(col.kind)] += col.drifted
            windows += 1
        out[str(size)] = {"windows": windows, "any_alarm": any_alarm, "per_kind": per_kind}
    return out


def run_detection(plan: Plan, deadline: float, npz: dict[str, Any]) -> dict[str, Any]:
    """(b) Detection of a 2-point category shift at 100k rows, and of numeric mean shifts."""
    from lockgate.monitor.drift import DriftMonitor, build_reference_from_columns

    cfg = drift_config(text=False)
    rng = np.random.default_rng(202)
    num, cat = tabular(rng, plan.detect_rows)
    reference = build_reference_from_columns(batch(num, cat, None), cfg)
    for c, codes in cat.items():
        npz[f"det_ref_{c}"] = codes.astype(np.int16)
    monitor = DriftMonitor(reference, cfg)
    hits, other_alarms, windows = 0, 0, 0
    for w in range(plan.detect_windows):
        if time.monotonic() > deadline:
            break
        wn, wc = tabular(rng, plan.detect_rows, cat_shift=0.02)
        if w < plan.num_windows:
            for c, codes in wc.items():
                npz[f"det_w{w}_{c}"] = codes.astype(np.int16)
        monitor.observe_columns(batch(wn, wc, None))
        report = monitor.close_window()
        hits += report.column("cat_0").drifted
        other_alarms += sum(c.drifted for c in report.columns if c.column != "cat_0")
        windows += 1
    out: dict[str, Any] = {
        "category": {
            "rows": plan.detect_rows,
            "share_before": float(category_shares(0)[SHIFT_CATEGORY]),
            "share_after": float(category_shares(0, 0.02)[SHIFT_CATEGORY]),
            "windows": windows,
            "detected": hits,
            "other_column_alarms": other_alarms,
        }
    }
    out["numeric"] = run_numeric_shifts(plan, deadline)
    return out


def run_numeric_shifts(plan: Plan, deadline: float) -> list[dict[str, Any]]:
    """Mean shifts of num_0 (normal) and num_1 (log-normal latency) at two window sizes."""
    from lockgate.monitor.drift import DriftMonitor, build_reference_from_columns

    cfg = drift_config(text=False)
    rng = np.random.default_rng(303)
    num, cat = tabular(rng, 100_000)
    reference = build_reference_from_columns(batch(num, cat, None), cfg)
    cases = [(5000, 0.25), (100_000, 0.05)]
    rows: list[dict[str, Any]] = []
    for size, shift in cases:
        monitor = DriftMonitor(reference, cfg)
        significant, drifted, windows = 0, 0, 0
        for _ in range(plan.num_windows):
            if time.monotonic() > deadline:
                break
            wn, wc = tabular(rng, size, num_shift_sd=shift)
            monitor.observe_columns(batch(wn, wc, None))
            col = monitor.close_window().column("num_0")
            significant += col.p_adjusted <= col.alpha
            drifted += col.drifted
            windows += 1
        rows.append(
            {
                "rows": size,
                "shift_sd": shift,
                "windows": windows,
                "significant": significant,
                "drifted": drifted,
            }
        )
    return rows


def plain_scipy_window(
    ref_num: Mapping[str, FloatArray],
    ref_cat: Mapping[str, list[str]],
    cur_num: Mapping[str, FloatArray],
    cur_cat: Mapping[str, list[str]],
) -> list[float]:
    """The same statistics straight from raw columns with numpy/scipy, reference re-read each time.

    Numeric: decile edges, histograms, PSI and the two-sample KS test on the raw values.
    Categorical: counts by ``np.unique``, chi-squared test of homogeneity, Jensen-Shannon distance.
    """
    from scipy import stats
    from scipy.spatial import distance

    p_values = []
    for name, ref in ref_num.items():
        edges = np.quantile(ref, np.linspace(0, 1, 11))
        edges[0], edges[-1] = -np.inf, np.inf
        a = np.histogram(ref, edges)[0] / ref.size
        b = np.histogram(cur_num[name], edges)[0] / cur_num[name].size
        a, b = np.maximum(a, 1e-4), np.maximum(b, 1e-4)
        float(np.sum((b - a) * np.log(b / a)))
        p_values.append(float(stats.ks_2samp(ref, cur_num[name]).pvalue))
    for name, ref_values in ref_cat.items():
        cats_a, counts_a = np.unique(np.asarray(ref_values), return_counts=True)
        cats_b, counts_b = np.unique(np.asarray(cur_cat[name]), return_counts=True)
        allc = np.union1d(cats_a, cats_b)
        table = np.zeros((2, allc.size), dtype=np.int64)
        table[0, np.searchsorted(allc, cats_a)] = counts_a
        table[1, np.searchsorted(allc, cats_b)] = counts_b
        distance.jensenshannon(table[0], table[1], base=2)
        p_values.append(float(stats.chi2_contingency(table, correction=False).pvalue))
    return p_values


def run_speed(plan: Plan, npz: dict[str, Any]) -> dict[str, Any]:
    """(c) Seconds per 100k x 13 window: Lockgate batch and streaming, plain numpy/scipy."""
    from lockgate.monitor.drift import DriftMonitor, build_reference_from_columns

    cfg = drift_config(text=False)
    rng = np.random.default_rng(404)
    n = plan.speed_rows
    rnum, rcat = tabular(rng, n)
    cnum, ccat = tabular(rng, n)
    for c in CATEGORICAL:
        npz[f"speed_ref_{c}"] = rcat[c].astype(np.int16)
        npz[f"speed_cur_{c}"] = ccat[c].astype(np.int16)
    for c in NUMERIC:
        npz[f"speed_ref_{c}"] = rnum[c]
        npz[f"speed_cur_{c}"] = cnum[c]
    ref_batch, cur_batch = batch(rnum, rcat, None), batch(cnum, ccat, None)
    t0 = time.perf_counter()
    reference = build_reference_from_columns(ref_batch, cfg)
    build_s = time.perf_counter() - t0
    monitor = DriftMonitor(reference, cfg)

    def ours() -> None:
        monitor.observe_columns(cur_batch)
        monitor.close_window()

    def plain() -> None:
        plain_scipy_window(
            rnum,
            {c: ref_batch[c] for c in CATEGORICAL},
            cnum,
            {c: cur_batch[c] for c in CATEGORICAL},
        )

    ours()
    plain()
    ours_s = [_timed(ours) for _ in range(plan.speed_reps)]
    plain_s = [_timed(plain) for _ in range(plan.speed_reps)]
    native = {name: np.asarray(v).tolist() for name, v in cur_batch.items()}
    rows = [{name: native[name][i] for name in native} for i in range(min(n, 20_000))]
    t0 = time.perf_counter()
    for r in rows:
        monitor.observe(r)
    per_record_us = (time.perf_counter() - t0) / len(rows) * 1e6
    monitor.close_window()
    ref_json = len(json.dumps(reference.to_dict()))
    small = build_reference_from_columns(batch(*tabular(np.random.default_rng(5), 1000), None), cfg)
    return {
        "rows": n,
        "columns": len(cfg.columns),
        "reference_build_s": build_s,
        "ours_s": ours_s,
        "plain_s": plain_s,
        "observe_us_per_record": per_record_us,
        "reference_json_bytes": ref_json,
        "reference_json_bytes_1k_rows": len(json.dumps(small.to_dict())),
    }


def _timed(fn: Callable[[], None]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run_evidently(plan: Plan, npz: dict[str, Any], far: dict[str, Any]) -> dict[str, Any] | None:
    """Evidently's figures from its own virtualenv, in this run; ``None`` when not installed."""
    if not EVIDENTLY_PY.exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        npz_path = Path(tmp) / "windows.npz"
        np.savez(npz_path, **npz)
        request = {
            "npz": str(npz_path),
            "budget_s": 600.0 if plan is FULL else 120.0,
            "far": [
                {
                    "key": f"far{size}_",
                    "size": int(size),
                    "windows": min(plan.evidently_far_windows, far[size]["windows"]),
                }
                for size in far
            ],
            "detect_windows": plan.evidently_detect_windows,
            "speed_reps": max(1, plan.speed_reps - 2),
        }
        req_path = Path(tmp) / "request.json"
        out_path = Path(tmp) / "out.json"
        req_path.write_text(json.dumps(request))
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        proc = subprocess.run(
            [str(EVIDENTLY_PY), __file__, "--evidently-worker", str(req_path), str(out_path)],
            capture_output=True,
            text=True,
            timeout=900,
            env=env,
            check=False,
        )
        if proc.returncode != 0:
            print(proc.stderr[-2000:], file=sys.stderr)
            return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
        result: dict[str, Any] = json.loads(out_path.read_text())
        result["version"] = subprocess.run(
            [str(EVIDENTLY_PY), "-c", "import evidently; print(evidently.__version__)"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        return result


# ---------------------------------------------------------------- report


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact binomial confidence interval for a rate."""
    from scipy import stats

    if n == 0:
        return (0.0, 1.0)
    a = (1 - level) / 2
    lo = 0.0 if k == 0 else float(stats.beta.ppf(a, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1 - a, k + 1, n - k))
    return (lo, hi)


def pct(k: int, n: int) -> str:
    """A rate with its 95% interval."""
    if n == 0:
        return "n/a"
    lo, hi = clopper_pearson(k, n)
    return f"{100 * k / n:.1f}% ({k}/{n}; 95% CI {100 * lo:.1f}-{100 * hi:.1f}%)"


def build_rows(res: dict[str, Any]) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    """Table rows (figure, Lockgate, baseline, target/status) and the met / not met lines."""
    rows: list[tuple[str, str, str, str]] = []
    verdicts: list[str] = []
    ev = res.get("evidently") or {}
    for size, far in res["far"].items():
        k, n = far["any_alarm"], far["windows"]
        ok = n > 0 and k / n <= 0.01
        evf = ev.get(f"far_{size}") if isinstance(ev, dict) else None
        base = f"Evidently (3 cat. cols only): {pct(evf['alarms'], evf['windows'])}" if evf else "-"
        rows.append((f"(a) windows with any alarm, {size} rows, 14 cols", pct(k, n), base, "<= 1%"))
        verdicts.append(f"false alarm rate at {size} rows <= 1%: {'met' if ok else 'NOT met'}")
    cat = res["detection"]["category"]
    ok = cat["windows"] > 0 and cat["detected"] / cat["windows"] >= 0.95
    evd = ev.get("detect") if isinstance(ev, dict) else None
    base = f"Evidently: {pct(evd['hits'], evd['windows'])}" if evd else "-"
    share = f"{100 * cat['share_before']:.1f}% -> {100 * cat['share_after']:.1f}%"
    rows.append(
        (
            f"(b) detected: one category {share}, 100,000 rows",
            pct(cat["detected"], cat["windows"]),
            base,
            ">= 95%",
        )
    )
    verdicts.append(f"2-point category shift detected >= 95%: {'met' if ok else 'NOT met'}")
    rows.extend(
        (
            f"(b) num_0 mean +{case['shift_sd']} SD, {case['rows']:,} rows: drifted",
            pct(case["drifted"], case["windows"]),
            f"significant before the PSI gate: {pct(case['significant'], case['windows'])}",
            "-",
        )
        for case in res["detection"]["numeric"]
    )
    sp = res["speed"]
    ours = statistics.median(sp["ours_s"])
    plain = statistics.median(sp["plain_s"])
    rows.append(
        (
            f"(c) s per window, {sp['rows']:,} x {sp['columns']} (batch)",
            f"{ours:.3f}",
            f"numpy/scipy on raw columns: {plain:.3f} ({plain / ours:.1f}x)",
            "-",
        )
    )
    ev_s = ev.get("speed_s") if isinstance(ev, dict) else None
    if ev_s:
        evm = statistics.median(ev_s)
        ok = evm / ours >= 10
        rows.append(
            (
                "(c) s per window vs Evidently DataDriftPreset",
                f"{ours:.3f}",
                f"Evidently {ev.get('version', '')}: {evm:.3f} ({evm / ours:.0f}x)",
                ">= 10x",
            )
        )
        verdicts.append(f">= 10x faster than Evidently: {'met' if ok else 'NOT met'}")
    else:
        verdicts.append(">= 10x faster than Evidently: not measured (Evidently not installed)")
    rows.append(
        (
            "(c) streaming observe(), us per record (13 cols)",
            f"{sp['observe_us_per_record']:.1f}",
            f"= {sp['observe_us_per_record'] * sp['rows'] / 1e6:.2f} s per {sp['rows']:,} rows",
            "-",
        )
    )
    rows.append(
        (
            "reference file size, 100,000 rows vs 1,000 rows",
            f"{sp['reference_json_bytes']:,} B",
            f"{sp['reference_json_bytes_1k_rows']:,} B",
            "-",
        )
    )
    return rows, verdicts


def render(res: dict[str, Any], command: str) -> str:
    """The Markdown results page."""
    rows, verdicts = build_rows(res)
    lines = [
        "# Drift detection benchmark",
        "",
        f"Command: `{command}` ({res['elapsed_s']:.0f} s, {res['machine']})",
        "",
        "| figure | Lockgate | baseline (same run) | target |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    lines += ["", *[f"- {v}" for v in verdicts], ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--evidently-worker", nargs=2, metavar=("REQUEST", "OUT"))
    args = parser.parse_args(argv)
    if args.evidently_worker:
        evidently_worker(*args.evidently_worker)
        return 0
    plan = QUICK if args.quick else FULL
    start = time.monotonic()
    deadline = start + TIME_BUDGET_S
    npz: dict[str, Any] = {}
    res: dict[str, Any] = {
        "quick": bool(args.quick),
        "plan": {f: getattr(plan, f) for f in Plan.__slots__},
    }
    print("(a) false alarms ...", flush=True)
    res["far"] = run_far(plan, deadline, npz)
    print("(b) detection ...", flush=True)
    res["detection"] = run_detection(plan, deadline, npz)
    print("(c) speed ...", flush=True)
    res["speed"] = run_speed(plan, npz)
    print("Evidently ...", flush=True)
    res["evidently"] = run_evidently(plan, npz, res["far"])
    res["elapsed_s"] = time.monotonic() - start
    res["machine"] = f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"
    command = "python bench/drift.py" + (" --quick" if args.quick else "")
    md = render(res, command)
    rows, verdicts = build_rows(res)
    width = max(len(r[0]) for r in rows)
    for a, b, c, _ in rows:
        print(f"{a:<{width}}  {b:<44}  {c}")
    for v in verdicts:
        print(v)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "drift.json").write_text(json.dumps(res, indent=2, default=float) + "\n")
    (RESULTS / "drift.md").write_text(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
