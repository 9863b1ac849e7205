"""Power of the canary analysis: false rollbacks, detection and requests needed to decide.

Simulates canary rollouts interval by interval (binomial error counts, multinomial latency-bucket
counts from a lognormal; no HTTP) and feeds the REAL analysis (``evaluate`` from
``lockgate.rollout.analysis``) the cumulative measurements after every analysis interval. The same
simulated streams also drive a fixed-threshold rule in the style of Flagger (a check fails when
the interval's error rate or p95 is above a fixed threshold; roll back after N failed checks), so
every figure is measured next to its baseline in the same run.

Scenarios: identical versions (A/A), a candidate with 3x the error rate, a candidate whose p95 is
50 % higher (same median, wider tail), and identical versions during an incident that hits both
(twice the errors, 20 % slower). Canary at 10 % then 50 % of traffic; one analysis every 1,000
requests; a step passes after 1,000 candidate requests without evidence of harm.

    python bench/rollout_power.py           # 500 rollouts per scenario, about a minute
    python bench/rollout_power.py --quick   # 60 rollouts per scenario, smoke run
"""

import argparse
import json
import math
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
from scipy.special import ndtr

from lockgate.rollout.analysis import (
    BUCKET_COUNT,
    AnalysisRules,
    ArmMeasurements,
    ErrorRateRule,
    LatencyHistogram,
    LatencyP95Rule,
    Status,
    bucket_edges_ms,
    evaluate,
)

NAME = "rollout_power"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
SEED = 20240611
TIME_CAP_S = 170.0

BASE_ERROR_RATE = 0.02
LATENCY_MEDIAN_MS = 200.0
LATENCY_SIGMA = 0.5
Z95 = 1.6448536269514722
BASE_P95_MS = LATENCY_MEDIAN_MS * math.exp(Z95 * LATENCY_SIGMA)
SLOW_SIGMA = LATENCY_SIGMA + math.log(1.5) / Z95  # same median, p95 x 1.5

INTERVAL_REQUESTS = 1_000
REQUESTS_PER_SECOND = 50.0
STEP_WEIGHTS = (0.10, 0.50)
BAKE_CANDIDATE_REQUESTS = 1_000
DEADLINE_FACTOR = 3

OURS = "sequential, not worse than baseline"
FIXED_ERROR_THRESHOLD = 0.05
FIXED_P95_THRESHOLD_MS = 1.25 * BASE_P95_MS


@dataclass(frozen=True, slots=True)
class Arm:
    """How one version behaves: error rate and lognormal latency."""

    error_rate: float = BASE_ERROR_RATE
    median_ms: float = LATENCY_MEDIAN_MS
    sigma: float = LATENCY_SIGMA


@dataclass(frozen=True, slots=True)
class Scenario:
    """Both arms' behaviour during a rollout."""

    name: str
    baseline: Arm
    candidate: Arm
    harmful: bool


INCIDENT = Arm(error_rate=2 * BASE_ERROR_RATE, median_ms=1.2 * LATENCY_MEDIAN_MS)
SCENARIOS = (
    Scenario("A/A (identical versions)", Arm(), Arm(), harmful=False),
    Scenario("3x error rate", Arm(), Arm(error_rate=3 * BASE_ERROR_RATE), harmful=True),
    Scenario("p95 latency +50 %", Arm(), Arm(sigma=SLOW_SIGMA), harmful=True),
    Scenario("A/A during a shared incident", INCIDENT, INCIDENT, harmful=False),
)


@dataclass(frozen=True, slots=True)
class Interval:
    """One analysis interval's measurements of both arms."""

    baseline: ArmMeasurements
    candidate: ArmMeasurements


@dataclass(frozen=True, slots=True)
class Decision:
    """How one rollout ended under one rule."""

    rolled_back: bool
    candidate_requests: int
    cause: str


def _bucket_probabilities(arm: Arm) -> np.ndarray:
    """Probability of each histogram bucket for a lognormal latency."""
    edges = np.array(bucket_edges_ms())
    cdf = ndtr((np.log(edges) - math.log(arm.median_ms)) / arm.sigma)
    probabilities: np.ndarray = np.diff(np.concatenate(([0.0], cdf, [1.0])))
    assert probabilities.size == BUCKET_COUNT
    return np.clip(probabilities, 0.0, 1.0) / probabilities.sum()


def _arm(
    rng: np.random.Generator, n: int, error_rate: float, buckets: np.ndarray
) -> ArmMeasurements:
    counts = rng.multinomial(n, buckets)
    return ArmMeasurements(
        requests=n,
        errors=int(rng.binomial(n, error_rate)),
        latency=LatencyHistogram(tuple(int(count) for count in counts)),
    )


def simulate(scenario: Scenario, rng: np.random.Generator) -> list[list[Interval]]:
    """Every interval each step could need (up to its deadline), for both arms."""
    base_buckets = _bucket_probabilities(scenario.baseline)
    cand_buckets = _bucket_probabilities(scenario.candidate)
    steps = []
    for weight in STEP_WEIGHTS:
        n_c = round(weight * INTERVAL_REQUESTS)
        n_b = INTERVAL_REQUESTS - n_c
        steps.append(
            [
                Interval(
                    _arm(rng, n_b, scenario.baseline.error_rate, base_buckets),
                    _arm(rng, n_c, scenario.candidate.error_rate, cand_buckets),
                )
                for _ in range(step_intervals(weight) * DEADLINE_FACTOR)
            ]
        )
    return steps


def step_intervals(weight: float) -> int:
    """Intervals until the step has ``BAKE_CANDIDATE_REQUESTS`` candidate requests."""
    return math.ceil(BAKE_CANDIDATE_REQUESTS / round(weight * INTERVAL_REQUESTS))


def sequential_rules(*, relative_error: float, relative_p95: float) -> AnalysisRules:
    """The analysis rules under test."""
    common = {"min_samples": 200, "bake_samples": BAKE_CANDIDATE_REQUESTS, "tune_samples": 500}
    return AnalysisRules(
        alpha=0.005,
        metrics=(
            ErrorRateRule(relative_tolerance=relative_error, **common),
            LatencyP95Rule(relative_tolerance=relative_p95, **common),
        ),
    )


def run_sequential(rules: AnalysisRules, steps: Sequence[Sequence[Interval]]) -> Decision:
    """Promote or roll back with ``evaluate`` after every interval, step by step."""
    seen = 0
    interval_s = INTERVAL_REQUESTS / REQUESTS_PER_SECOND
    for weight, intervals in zip(STEP_WEIGHTS, steps, strict=True):
        deadline = timedelta(seconds=interval_s * step_intervals(weight) * DEADLINE_FACTOR)
        baseline, candidate = ArmMeasurements(), ArmMeasurements()
        for index, interval in enumerate(intervals):
            baseline = baseline.merge(interval.baseline)
            candidate = candidate.merge(interval.candidate)
            seen += interval.candidate.requests
            elapsed = timedelta(seconds=interval_s * (index + 1))
            verdict = evaluate(rules, baseline, candidate, elapsed=elapsed, deadline=deadline)
            if verdict.status is Status.FAIL:
                failed = [m.metric for m in verdict.metrics if m.status is Status.FAIL]
                cause = ",".join(failed) or str(verdict.code)
                return Decision(rolled_back=True, candidate_requests=seen, cause=cause)
            if verdict.status is Status.PASS:
                break
        else:
            return Decision(rolled_back=True, candidate_requests=seen, cause="no verdict")
    return Decision(rolled_back=False, candidate_requests=seen, cause="promoted")


def run_fixed(threshold_checks: int, steps: Sequence[Sequence[Interval]]) -> Decision:
    """Flagger-style: each interval is a check on its own window; N failed checks roll back."""
    seen = failed = 0
    causes: set[str] = set()
    for weight, intervals in zip(STEP_WEIGHTS, steps, strict=True):
        for interval in intervals[: step_intervals(weight)]:
            window = interval.candidate
            seen += window.requests
            breaches = {
                "error_rate": window.errors / window.requests > FIXED_ERROR_THRESHOLD,
                "latency_p95": (window.latency.quantile(0.95) or 0.0) > FIXED_P95_THRESHOLD_MS,
            }
            if any(breaches.values()):
                failed += 1
                causes.update(name for name, breached in breaches.items() if breached)
            if failed >= threshold_checks:
                return Decision(
                    rolled_back=True, candidate_requests=seen, cause=",".join(sorted(causes))
                )
    return Decision(rolled_back=False, candidate_requests=seen, cause="promoted")


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson 95 % interval for a proportion."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True, slots=True)
class Summary:
    """One rule on one scenario: how often it rolled back and how fast it decided."""

    runs: int
    rollbacks: int
    requests_median: float | None
    requests_p90: float | None
    causes: dict[str, int]

    @property
    def rate(self) -> float | None:
        """Share of rollouts rolled back."""
        return self.rollbacks / self.runs if self.runs else None

    def to_json(self) -> dict[str, object]:
        """JSON-ready form."""
        low, high = wilson(self.rollbacks, self.runs)
        return {
            "runs": self.runs,
            "rollbacks": self.rollbacks,
            "rollback_rate": self.rate,
            "rollback_rate_ci95": [low, high],
            "candidate_requests_median": self.requests_median,
            "candidate_requests_p90": self.requests_p90,
            "rollback_causes": self.causes,
        }


def summarise(decisions: Sequence[Decision]) -> Summary:
    """Rollback rate and candidate requests until the final decision."""
    requests = [d.candidate_requests for d in decisions]
    return Summary(
        runs=len(decisions),
        rollbacks=sum(d.rolled_back for d in decisions),
        requests_median=float(statistics.median(requests)) if requests else None,
        requests_p90=float(np.percentile(requests, 90)) if requests else None,
        causes=dict(Counter(d.cause for d in decisions if d.rolled_back)),
    )


def build_rules() -> dict[str, Callable[[Sequence[Sequence[Interval]]], Decision]]:
    """The rules compared, by name; all see the same streams."""
    strict = sequential_rules(relative_error=0.0, relative_p95=0.0)
    tolerant = sequential_rules(relative_error=0.25, relative_p95=0.20)
    return {
        OURS: lambda s: run_sequential(strict, s),
        "sequential, tolerance 25 % errors / 20 % p95": lambda s: run_sequential(tolerant, s),
        "fixed threshold, 2 failed checks": lambda s: run_fixed(2, s),
        "fixed threshold, 3 failed checks": lambda s: run_fixed(3, s),
    }


Results = dict[str, dict[str, Summary]]


def run(runs: int, time_cap_s: float) -> tuple[Results, bool]:
    """All scenarios and rules; stops early (and says so) when the time cap is reached."""
    rules = build_rules()
    results: Results = {}
    started = time.monotonic()
    complete = True
    for scenario_index, scenario in enumerate(SCENARIOS):
        decisions: dict[str, list[Decision]] = {name: [] for name in rules}
        for run_index in range(runs):
            if time.monotonic() - started > time_cap_s:
                complete = False
                break
            rng = np.random.default_rng([SEED, scenario_index, run_index])
            steps = simulate(scenario, rng)
            for name, rule in rules.items():
                decisions[name].append(rule(steps))
        results[scenario.name] = {name: summarise(found) for name, found in decisions.items()}
    return results, complete


@dataclass(frozen=True, slots=True)
class Target:
    """A goal and whether the measured value meets it."""

    name: str
    goal: str
    value: str
    met: bool


def _rate(results: Results, scenario: int, rule: str) -> float:
    rate = results[SCENARIOS[scenario].name][rule].rate
    return math.nan if rate is None else rate


def targets(results: Results) -> list[Target]:
    """The targets of the analysis, each against the measured figures."""
    fixed = [name for name in results[SCENARIOS[0].name] if name.startswith("fixed")]
    false_rb = _rate(results, 0, OURS)
    errors, latency = _rate(results, 1, OURS), _rate(results, 2, OURS)
    median = results[SCENARIOS[1].name][OURS].requests_median
    median = math.nan if median is None else median
    fixed_false = [_rate(results, 0, name) for name in fixed]
    no_more_false = all(false_rb <= rate for rate in fixed_false)
    no_less_detect = all(
        _rate(results, s, OURS) >= _rate(results, s, name) for s in (1, 2) for name in fixed
    )
    detections = "; ".join(
        f"{label} {100 * _rate(results, s, OURS):.1f} % vs "
        + ", ".join(f"{100 * _rate(results, s, name):.1f} %" for name in fixed)
        for s, label in ((1, "errors"), (2, "p95"))
    )
    return [
        Target("A/A false rollback rate", "<= 1 %", f"{100 * false_rb:.1f} %", false_rb <= 0.01),
        Target("3x errors detected", ">= 99 %", f"{100 * errors:.1f} %", errors >= 0.99),
        Target("3x errors: median candidate requests", "<= 500", f"{median:.0f}", median <= 500),
        Target("p95 +50 % detected", ">= 95 %", f"{100 * latency:.1f} %", latency >= 0.95),
        Target(
            "A/A false rollbacks vs fixed rules",
            "no higher",
            f"{100 * false_rb:.1f} % vs " + ", ".join(f"{100 * r:.1f} %" for r in fixed_false),
            no_more_false,
        ),
        Target(
            "detection vs fixed rules (3x errors; p95)",
            "no lower",
            detections,
            no_less_detect,
        ),
    ]


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _number(value: float | None, scale: float = 1.0, unit: str = "") -> str:
    return "-" if value is None else f"{scale * value:.{1 if unit else 0}f}{unit}"


def render(results: Results, found: Sequence[Target], command: str, runs: int) -> str:
    """The Markdown report."""
    rows = []
    for scenario, by_rule in results.items():
        for rule, summary in by_rule.items():
            low, high = wilson(summary.rollbacks, summary.runs)
            rows.append(
                [
                    scenario,
                    rule,
                    _number(summary.rate, 100.0, " %"),
                    f"{100 * low:.1f}-{100 * high:.1f} %",
                    _number(summary.requests_median),
                    _number(summary.requests_p90),
                ]
            )
    headers = ["scenario", "rule", "rolled back", "95 % CI", "candidate requests, median", "p90"]
    goals = [[t.name, t.goal, t.value, "met" if t.met else "NOT met"] for t in found]
    setup = (
        f"{runs} rollouts per scenario. Baseline error rate {100 * BASE_ERROR_RATE:.0f} %,"
        f" lognormal latency (median {LATENCY_MEDIAN_MS:.0f} ms, p95 {BASE_P95_MS:.0f} ms)."
        f" Canary at {' then '.join(f'{w:.0%}' for w in STEP_WEIGHTS)} of traffic, one analysis"
        f" every {INTERVAL_REQUESTS:,} requests; a step passes after"
        f" {BAKE_CANDIDATE_REQUESTS:,} candidate requests without evidence of harm (alpha 0.005"
        " per step). Fixed rule: a check fails when the interval's candidate error rate is above"
        f" {100 * FIXED_ERROR_THRESHOLD:.0f} % or its p95 above {FIXED_P95_THRESHOLD_MS:.0f} ms;"
        " it sees the same intervals. 'Rolled back' is the false rollback rate for A/A rows and"
        " the detection rate otherwise; candidate requests are counted until promotion or"
        " rollback.\n"
    )
    return "\n\n".join(
        [
            f"# Rollout analysis power\n\nCommand: `{command}`",
            _table(headers, rows),
            _table(["target", "goal", "measured", "verdict"], goals),
            setup,
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the tables and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="60 rollouts per scenario")
    args = parser.parse_args(argv)
    runs = 60 if args.quick else 500
    started = time.monotonic()
    results, complete = run(runs, TIME_CAP_S)
    found = targets(results)
    command = "python bench/rollout_power.py" + (" --quick" if args.quick else "")
    markdown = render(results, found, command, runs)
    print(markdown)
    payload = {
        "name": NAME,
        "command": command,
        "seed": SEED,
        "runs_per_scenario": runs,
        "complete": complete,
        "seconds": round(time.monotonic() - started, 1),
        "setup": {
            "base_error_rate": BASE_ERROR_RATE,
            "latency_median_ms": LATENCY_MEDIAN_MS,
            "base_p95_ms": BASE_P95_MS,
            "step_weights": STEP_WEIGHTS,
            "interval_requests": INTERVAL_REQUESTS,
            "bake_candidate_requests": BAKE_CANDIDATE_REQUESTS,
            "fixed_error_threshold": FIXED_ERROR_THRESHOLD,
            "fixed_p95_threshold_ms": FIXED_P95_THRESHOLD_MS,
        },
        "results": {
            scenario: {rule: summary.to_json() for rule, summary in by_rule.items()}
            for scenario, by_rule in results.items()
        },
        "targets": [
            {"name": t.name, "goal": t.goal, "value": t.value, "met": t.met} for t in found
        ],
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    for suffix, text in ((".json", json.dumps(payload, indent=2) + "\n"), (".md", markdown)):
        temporary = RESULTS_DIR / f"{NAME}{suffix}.tmp"
        temporary.write_text(text)
        temporary.replace(RESULTS_DIR / f"{NAME}{suffix}")
    if not complete:
        print("time cap reached: figures cover fewer runs than asked", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
