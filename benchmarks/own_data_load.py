"""Benchmark: what loading a data set of your own costs, the first time and again (the decode cache).

    python benchmarks/own_data_load.py --images 10000 --size 32      # about a minute on 2 cores
    python benchmarks/own_data_load.py --images 2000 --source-size 256 --format jpeg --size 64

Writes ``--images`` PNG (or JPEG) files (``--source-size`` square, default ``--size``, RGB, 10
classes; half photo-like gradients, half noise, so the files are neither trivial nor
incompressible) into a temporary folder, and the same pixels as an ``.npz``; then, each in a fresh process with an empty cache at first, times
``load_dataset("folder:...")`` twice (the first decodes and writes the cache, the second
fingerprints the files and reads the cache) and ``load_dataset("npz:...")``. Prints wall and CPU
seconds of the load alone (the imports are not counted).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]

TIMED = """
import json, os, resource, sys, time
from lrlab.data import DataOptions, load_dataset
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
wall, start = time.perf_counter(), cpu()
data = load_dataset(sys.argv[1], options=DataOptions(image_size=int(sys.argv[2])))
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": cpu() - start, "shape": data.image_shape,
                  "train": len(data.train_labels)}))
"""


def write_images(root: Path, n: int, size: int, suffix: str) -> tuple[np.ndarray, np.ndarray]:
    from PIL import Image

    rng = np.random.default_rng(0)
    labels = np.arange(n) % 10
    ramp = np.linspace(0, 255, size)
    pixels = np.empty((n, size, size, 3), np.uint8)
    for index, label in enumerate(labels):
        if index % 2:
            pixels[index] = rng.integers(0, 256, (size, size, 3))
        else:
            angle = rng.uniform(0, np.pi)
            field = np.cos(angle) * ramp[None, :] + np.sin(angle) * ramp[:, None]
            pixels[index] = np.clip(field[..., None] * rng.uniform(0.3, 1, 3), 0, 255)
        folder = root / f"class{label}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels[index]).save(folder / f"{index:06d}{suffix}")
    return pixels, labels


def timed(name: str, size: int, cache: Path) -> dict:
    env = os.environ | {"XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run([sys.executable, "-c", TIMED, name, str(size)], env=env, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=32, help="the image_size they are resized to")
    parser.add_argument("--source-size", type=int, help="the files' side (default: --size)")
    parser.add_argument("--format", choices=("png", "jpeg"), default="png")
    args = parser.parse_args()
    suffix = ".png" if args.format == "png" else ".jpg"
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        source = args.source_size or args.size
        pixels, labels = write_images(root / "images", args.images, source, suffix)
        np.savez(root / "images.npz", x_train=pixels, y_train=labels, x_test=pixels[:1000], y_test=labels[:1000])
        megabytes = sum(path.stat().st_size for path in (root / "images").rglob(f"*{suffix}")) / 1e6
        print(f"{args.images} {args.format.upper()} files, {source}x{source} RGB, {megabytes:.1f} MB, "
              f"resized to {args.size}x{args.size}")
        for what, name in (("folder, first load (decode, cache)", f"folder:{root / 'images'}"),
                           ("folder, again (fingerprint, cache)", f"folder:{root / 'images'}"),
                           ("npz of the same pixels", f"npz:{root / 'images.npz'}")):
            result = timed(name, args.size, root / "cache")
            print(f"{what}: wall {result['wall']:.2f} s, CPU {result['cpu']:.2f} s "
                  f"({result['train']} training images of {result['shape']})")


if __name__ == "__main__":
    main()
