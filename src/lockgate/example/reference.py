"""The example's drift reference: what normal customer traffic looks like to the stable model.

Built from the training split as the stable version (v1) sees it: the message text (hashed token
counts), its length, and the predicted intent. ``python -m lockgate.example.reference`` writes the
profile the package ships; a test checks it equals a fresh build.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lockgate.example.dataset import DATA_DIR
from lockgate.manifest.drift import DriftConfig

REFERENCE_PATH = DATA_DIR / "reference_profile.json"

#: The drift configuration the demo's manifest uses; the reference is built with it.
DRIFT_CONFIG: dict[str, Any] = {
    "alpha": 0.01,
    "min_js": 0.05,
    "min_psi": 0.1,
    "window": {"records": 200, "seconds": 60},
    "columns": [
        {"name": "prompt", "kind": "text", "buckets": 512},
        {"name": "prompt_length", "kind": "numeric", "bins": 10},
        {"name": "label", "kind": "categorical", "max_categories": 32},
    ],
}


def build(config: DriftConfig | None = None) -> Any:
    """The reference profile of the training split under model v1."""
    from lockgate.example.model import load_dataset, train
    from lockgate.monitor.drift import build_reference

    config = config or DriftConfig.model_validate(DRIFT_CONFIG)
    texts = [example.text for example in load_dataset() if example.split == "train"]
    predictions = train("v1").predict_many(texts)
    records = [
        {"prompt": text, "prompt_length": len(text), "label": prediction.intent}
        for text, prediction in zip(texts, predictions, strict=True)
    ]
    return build_reference(records, config)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the reference profile (default: the packaged file)."""
    args = list(sys.argv[1:] if argv is None else argv)
    path = Path(args[0]) if args else REFERENCE_PATH
    build().save(path)
    print(f"wrote {path}")  # noqa: T201 - command output
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
