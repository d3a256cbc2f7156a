"""How often a seed stays at chance: the book's PyTorch loop against ``lrlab train``, at the chapter's rate 0.5.

    LRLAB_DATA_DIR=../shared/data/fashion-mnist python benchmarks/stuck_rate.py --seeds 20 --jobs 2 \\
        --results /tmp/stuck.jsonl

The chapter's multi-factor run trains its first 15 epochs at 0.5 (plain SGD, batch 256, all of
Fashion-MNIST); for --epochs 3 that is ``constant(0.5)``, which every side here runs. A seed is
stuck when its last three epochs' train losses are all at chance (lrlab's own rule,
:func:`lrlab.training.loop.stuck_at_chance`: >= 0.99 ln 10).

A side is ``book`` or ``lrlab`` with options after a colon, sides separated by ``;``:

- ``init=default|xavier``: PyTorch's own initialisation (the chapter's ``net_fn``) or
  Xavier-uniform weights (the book's ``init_cnn``); lrlab's ``init`` setting.
- ``book``: :mod:`book_loop`'s ``Book`` on one torch thread, its per-item Pillow conversion
  replaced by the same float32 pixels made once (``DataLoader(shuffle=True)`` draws the same
  order from torch's RNG either way; ``num_workers=0``). ``order=lrlab`` gives it lrlab's order.
- ``lrlab``: :func:`lrlab.training.loop.train` as ``lrlab train --threads 1`` runs it. For finding a
  gap's cause, each of these switches one difference off (monkeypatched here, in this process only):
  ``micro=1`` (one part per batch, not :data:`MICRO_BATCHES`), ``path=module`` (the network as an
  ``nn.Sequential``, not the CPU fast path ``forward``), ``order=book`` (the book's order: the
  DataLoader's draws from torch's RNG, its test loader's draw after each epoch included).

With the same ``init``, a seed starts from the same weights on both sides (``torch.manual_seed(seed)``,
then the same layers built in the same order); the data order differs unless ``order`` says so.

Each (side, seed) runs in a fresh process on one torch thread, in a session of its own (as ``lrlab run``
starts its trainings; with Linux's autogroup, processes of one session share one CPU share, so --jobs
would not help otherwise); --jobs of them at once. Each result is a
line of --results as it ends, and a rerun with the same file skips those already there (so more seeds
can be added later). The table: stuck seeds per side with a 95% Wilson interval; then, per pair of
sides, Fisher's exact two-sided p for "the same stuck rate", and for two sides from the same weights
the seeds stuck on one side only (an exact McNemar p); then the sides pooled by loop and by init.
``--table`` prints the table of --results without running anything.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

SIDES = "book:init=default;book:init=xavier;lrlab:init=default;lrlab:init=xavier"
OPTIONS = {"book": {"init": ("default", "xavier"), "order": ("book", "lrlab")},
           "lrlab": {"init": ("default", "xavier"), "micro": ("1", "2"), "path": ("fast", "module"),
                     "order": ("lrlab", "book")}}
CLASSES = 10


def parse_side(text: str) -> tuple[str, dict[str, str]]:
    """``"lrlab:init=default,micro=1"`` -> ("lrlab", {"init": "default", "micro": "1"}), checked.

    >>> parse_side("book:init=xavier")
    ('book', {'init': 'xavier'})
    """
    kind, _, rest = text.strip().partition(":")
    if kind not in OPTIONS:
        raise SystemExit(f"stuck_rate: unknown side {kind!r} (book or lrlab)")
    options = dict(item.split("=", 1) for item in rest.split(",") if item)
    for key, value in options.items():
        if value not in OPTIONS[kind].get(key, ()):
            raise SystemExit(f"stuck_rate: {kind}: {key}={value} is invalid (options: {OPTIONS[kind]})")
    options.setdefault("init", "default")
    return kind, options


# -- one run, in its own process --------------------------------------------------------------------


def run_one(side: str, seed: int, epochs: int, lr: float) -> dict:
    os.setsid()  # a session of its own, as lrlab run's trainings: Linux's autogroup shares the CPU per session
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch

    torch.set_num_threads(1)
    kind, options = parse_side(side)
    started = time.perf_counter()
    losses, accs = (run_book if kind == "book" else run_lrlab)(options, seed, epochs, lr)
    from lrlab.training.loop import stuck_at_chance

    return {"side": side, "seed": seed, "epochs": epochs, "lr": lr, "train_loss": losses, "test_acc": accs,
            "stuck": stuck_at_chance(losses, CLASSES), "seconds": round(time.perf_counter() - started, 1)}


def run_book(options: dict, seed: int, epochs: int, lr: float) -> tuple[list, list]:
    import numpy as np
    import torch
    from torch import nn
    from torch.utils import data

    sys.path.insert(0, str(Path(__file__).parent))
    import book_loop
    from lrlab.training.loop import epoch_order

    class Pixels(data.Dataset):
        """FashionMNISTItems' items, converted once: ToTensor's uint8 / 255 in float32."""

        def __init__(self, images, labels):
            self.x = torch.from_numpy(np.array(images)).unsqueeze(1).to(torch.float32).div(255)
            self.y = [int(label) for label in labels]

        def __len__(self):
            return len(self.y)

        def __getitem__(self, index):
            return self.x[index], self.y[index]

    def loaders(batch_size=book_loop.BATCH_SIZE, data_dir=None):
        fm = book_loop.load_fashion_mnist(data_dir)
        train, test = Pixels(fm.train_images, fm.train_labels), Pixels(fm.test_images, fm.test_labels)
        if options.get("order") == "lrlab":
            epochs_seen = []

            def lrlab_batches():  # a fresh iterable per epoch, in lrlab's order for (seed, epoch)
                order = torch.from_numpy(epoch_order(seed, len(epochs_seen), len(train)))
                epochs_seen.append(1)
                return order.split(batch_size)

            class LrlabOrder:
                def __iter__(self):
                    return iter([batch.tolist() for batch in lrlab_batches()])

                def __len__(self):
                    return -(-len(train) // batch_size)

            train_iter = data.DataLoader(train, batch_sampler=LrlabOrder())
        else:
            train_iter = data.DataLoader(train, batch_size, shuffle=True, num_workers=0)
        return train_iter, data.DataLoader(test, batch_size, shuffle=False, num_workers=0)

    book_net, net_fn = book_loop.net_fn, book_loop.net_fn
    if options["init"] == "xavier":
        def net_fn():  # the book's init_cnn applied to net_fn's layers
            net = book_net()
            for layer in net:
                if isinstance(layer, (nn.Conv2d, nn.Linear)):
                    nn.init.xavier_uniform_(layer.weight)
            return net

    book_loop.load_data_fashion_mnist, book_loop.net_fn = loaders, net_fn
    book = book_loop.Book(scheduler=None, lr=lr, seed=seed)
    rows = [book.epoch() for _ in range(epochs)]
    return [row["train_loss"] for row in rows], [row["test_acc"] for row in rows]


def run_lrlab(options: dict, seed: int, epochs: int, lr: float) -> tuple[list, list]:
    import lrlab.backends.torch as backend
    from lrlab.training import loop
    from lrlab.training.config import TrainConfig

    if options.get("micro"):
        backend.MICRO_BATCHES = int(options["micro"])
    if options.get("path") == "module":
        backend.network = lambda model, *_: model  # (model, conv_dtype, device)
    if options.get("order") == "book":
        loop.epoch_order = book_order(seed)
    config = TrainConfig(schedule=f"constant({lr})", epochs=epochs, seed=seed, init=options["init"], threads=1)
    with tempfile.TemporaryDirectory() as folder:
        summary = loop.train(config, Path(folder) / "run", progress=False)
        rows = loop.RunDir(Path(folder) / "run").read_metrics()
    assert summary.epochs_completed == epochs, summary.message
    return [row.train_loss for row in rows], [row.test_acc for row in rows]


def book_order(seed: int):
    """An ``epoch_order`` that draws as the book's loop does: after the model is built from
    ``torch.manual_seed(seed)``, each epoch the train DataLoader's iterator draws its base seed and
    RandomSampler its seed from torch's RNG, then the test loader's iterator draws one."""
    import numpy as np
    from torch.utils import data

    def epoch_order(_seed: int, epoch: int, n: int) -> np.ndarray:
        order = next(iter(data.DataLoader(range(n), batch_size=n, shuffle=True))).numpy()
        iter(data.DataLoader(range(1), batch_size=1))  # the evaluation's draw
        return np.asarray(order, dtype=np.int64)

    return epoch_order


# -- statistics -------------------------------------------------------------------------------------


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion k / n.

    >>> [round(x, 3) for x in wilson(7, 12)]
    [0.32, 0.807]
    """
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def fisher_p(k1: int, n1: int, k2: int, n2: int) -> float:
    """Fisher's exact two-sided p for k1 of n1 against k2 of n2 (tables no likelier than the one seen).

    >>> round(fisher_p(2, 12, 7, 12), 3)
    0.089
    """
    total, drawn = n1 + n2, k1 + k2

    def likelihood(k: int) -> float:
        return math.comb(n1, k) * math.comb(n2, drawn - k) / math.comb(total, drawn)

    seen = likelihood(k1)
    ks = range(max(0, drawn - n2), min(n1, drawn) + 1)
    return min(1.0, sum(likelihood(k) for k in ks if likelihood(k) <= seen * (1 + 1e-9)))


def mcnemar_p(only_a: int, only_b: int) -> float:
    """The exact McNemar two-sided p: of the seeds stuck on one side only, a binomial(0.5) split.

    >>> mcnemar_p(0, 0), round(mcnemar_p(1, 6), 3)
    (1.0, 0.125)
    """
    n = only_a + only_b
    tail = sum(math.comb(n, k) for k in range(min(only_a, only_b) + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def table(results: list[dict], sides: list[str], seeds: list[int]) -> str:
    """The markdown table of stuck seeds per side, then the comparisons between sides."""
    done = {(r["side"], r["seed"]): r for r in results}
    lines = ["| side | stuck | rate | 95% interval | stuck seeds | median s/run |",
             "| --- | --- | --- | --- | --- | --- |"]
    stuck = {}
    for side in sides:
        runs = [done[side, seed] for seed in seeds if (side, seed) in done]
        stuck[side] = {r["seed"] for r in runs if r["stuck"]}
        low, high = wilson(len(stuck[side]), len(runs))
        seconds = sorted(r["seconds"] for r in runs)
        lines.append(f"| {side} | {len(stuck[side])} of {len(runs)} | {len(stuck[side]) / max(1, len(runs)):.2f} | "
                     f"{low:.2f}..{high:.2f} | {' '.join(map(str, sorted(stuck[side]))) or '-'} | "
                     f"{seconds[len(seconds) // 2] if seconds else '-'} |")
    lines += ["", "| sides | Fisher p (same rate) | same weights: stuck on the first only / second only, McNemar p |",
              "| --- | --- | --- |"]
    for i, first in enumerate(sides):
        for second in sides[i + 1:]:
            common = [s for s in seeds if (first, s) in done and (second, s) in done]
            k1, k2 = len(stuck[first] & set(common)), len(stuck[second] & set(common))
            paired = "-"
            if parse_side(first)[1]["init"] == parse_side(second)[1]["init"]:
                a = len((stuck[first] - stuck[second]) & set(common))
                b = len((stuck[second] - stuck[first]) & set(common))
                paired = f"{a} / {b}, p = {mcnemar_p(a, b):.2f}"
            lines.append(f"| {first} vs {second} | {fisher_p(k1, len(common), k2, len(common)):.2f} | {paired} |")
    return "\n".join(lines + [""] + pooled(done, sides, seeds))


def pooled(done: dict, sides: list[str], seeds: list[int]) -> list[str]:
    """The sides pooled by loop (book, lrlab) and by init: stuck runs of each group, Fisher's p."""
    lines = ["| pooled | stuck | rate | Fisher p |", "| --- | --- | --- | --- |"]
    for name, key in (("loop", lambda side: parse_side(side)[0]), ("init", lambda side: parse_side(side)[1]["init"])):
        groups: dict[str, list[bool]] = {}
        for side in sides:
            groups.setdefault(key(side), []).extend(done[side, s]["stuck"] for s in seeds if (side, s) in done)
        if len(groups) != 2:
            continue
        (a, first), (b, second) = groups.items()
        p = fisher_p(sum(first), len(first), sum(second), len(second))
        for group, runs in ((a, first), (b, second)):
            rate = sum(runs) / max(1, len(runs))
            lines.append(f"| {name} {group} | {sum(runs)} of {len(runs)} | {rate:.2f} | {p:.2f} |")
    return lines


# -- main -------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sides", default=SIDES, help=f"sides separated by ';' (default {SIDES!r})")
    parser.add_argument("--seeds", type=int, default=20, help="seeds 0..N-1 (default 20)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--jobs", type=int, default=2, help="runs at once, one torch thread each (default 2)")
    parser.add_argument("--results", type=Path, default=Path("stuck_rate.jsonl"),
                        help="one JSON line per run; runs already in it are skipped (default stuck_rate.jsonl)")
    parser.add_argument("--table", action="store_true", help="print the table of --results, run nothing")
    args = parser.parse_args()
    sides = [side.strip() for side in args.sides.split(";") if side.strip()]
    for side in sides:
        parse_side(side)
    seeds = list(range(args.seeds))
    results = load_results(args.results, args.epochs, args.lr)
    if args.table:
        print(table(results, sides, seeds))
        return
    done = {(r["side"], r["seed"]) for r in results}
    todo = [(side, seed) for seed in seeds for side in sides if (side, seed) not in done]
    print(f"{len(todo)} runs to do, {len(results)} in {args.results}; load average {os.getloadavg()[0]:.1f}",
          flush=True)
    context = multiprocessing.get_context("spawn")
    with context.Pool(args.jobs, maxtasksperchild=1) as pool:
        pending = [pool.apply_async(run_one, (side, seed, args.epochs, args.lr)) for side, seed in todo]
        for job in pending:
            result = job.get()
            results.append(result)
            with args.results.open("a", encoding="utf-8") as out:
                out.write(json.dumps(result) + "\n")
            losses = " ".join(f"{loss:.3f}" for loss in result["train_loss"])
            print(f"{result['side']} seed {result['seed']}: train loss {losses}{'  STUCK' if result['stuck'] else ''}"
                  f" ({result['seconds']} s, load {os.getloadavg()[0]:.1f})", flush=True)
    print()
    print(f"seeds 0..{args.seeds - 1}, {args.epochs} epochs at constant {args.lr}, batch 256, plain SGD")
    print(table(results, sides, seeds))


def load_results(path: Path, epochs: int, lr: float) -> list[dict]:
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row for row in rows if row["epochs"] == epochs and row["lr"] == lr]


if __name__ == "__main__":
    main()
