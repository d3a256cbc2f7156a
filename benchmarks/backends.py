"""Benchmark 3: every installed backend in one table: epoch time, examples/s, test accuracy.

    LRLAB_DATA_DIR=../shared/data/fashion-mnist python benchmarks/backends.py        # ~5 minutes
    python benchmarks/backends.py --rounds 5 --json backends.json

Each backend trains the chapter's LeNet (constant rate 0.3, batch 256, seed 0, all
cores) in its own process, MXNet with the MXNet environment's Python; one epoch of
each in turn, as benchmarks/epoch_time.py does (which this reuses). The first epoch
is left out of the times; the accuracy is the test accuracy after the last epoch
(1 + ``--rounds`` epochs). A backend that is not installed is listed as such.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from epoch_time import python_for, report, run  # noqa: E402

SIDES = {
    "torch": "lrlab:backend=torch",
    "torch bf16": "lrlab:backend=torch,precision=bf16",
    "keras": "lrlab:backend=keras",
    "mxnet": "lrlab:backend=mxnet",
}


def available(backend: str) -> str | None:
    """None when ``backend`` imports in its interpreter, else why not (one line)."""
    try:
        python = python_for(backend)
    except Exception as error:  # BackendUnavailable: no MXNet environment
        return str(error).splitlines()[0]
    probe = subprocess.run([python, "-c", f"import lrlab.backends.{backend}"], capture_output=True, text=True)
    return None if probe.returncode == 0 else (probe.stderr.strip().splitlines() or ["import failed"])[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed epochs per backend (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="epochs per backend left out first (default 1)")
    parser.add_argument("--json", type=Path, help="also write every number to this file")
    args = parser.parse_args()
    specs = []
    for name, spec in SIDES.items():
        why = available(spec.split("backend=")[1].split(",")[0])
        if why:
            print(f"{name}: not available ({why})")
        else:
            specs.append(spec)
    result = run(specs, args.rounds, args.warmup)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
