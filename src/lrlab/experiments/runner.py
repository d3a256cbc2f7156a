"""Run an experiment: every (run x seed) as its own ``lrlab train`` process, a few at a time.

The run folder (``OUT``) holds one folder per run and seed, each a ``lrlab train``
run folder (see docs/architecture.md), plus what ``lrlab report`` reads::

    OUT/experiment.toml            the validated experiment (quick mode already applied)
    OUT/index.json                 the runs, their labels, book numbers, folders and statuses
    OUT/<run>/seed-<k>/            config.json, metrics.jsonl, summary.json, checkpoint, and
                                   train-config.json + train.log (the request and the output)

Running again skips finished seeds (completed or diverged) and resumes the others
from their last checkpoint. Ctrl-C is forwarded to every child (each runs in its own
session, so a terminal's Ctrl-C reaches it only through us, once per press); each child
keeps its last checkpoint and writes an "interrupted" summary; once all have exited,
KeyboardInterrupt is raised again.

>>> from lrlab.experiments import load_experiment
>>> run_experiment(load_experiment("experiments/d2l-chapter.toml"), "runs/d2l", quick=True)  # doctest: +SKIP
{'constant/seed-0': <Status.COMPLETED: 'completed'>, ...}
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import tomli_w
from tqdm.auto import tqdm

from ..runfolder import RunDir, Status, Summary, atomic_path, write_json
from ..training.config import ConfigError, TrainConfig
from .config import Experiment, ExperimentError, Run, quick_version
from .planning import cores as _cores
from .planning import default_jobs, thread_plan
from .planning import describe as _describe

POLL_SECONDS = 0.5


@dataclasses.dataclass(frozen=True, eq=False)  # eq=False: hashed by identity, to key the running processes
class Task:
    """One seed of one run, and the folder it trains into."""

    run: Run
    seed: int
    folder: Path
    planned_threads: int = 1  # for a new training whose settings leave threads open (see thread_plan)

    @property
    def name(self) -> str:
        return f"{self.run.name}/seed-{self.seed}"

    @property
    def config(self) -> TrainConfig:
        return self.run.config(self.seed)

    def status(self) -> Status:
        return RunDir(self.folder).status()

    def epochs_done(self) -> int:
        """Finished epochs: the complete rows of metrics.jsonl."""
        return len(RunDir(self.folder).read_metrics())


def run_experiment(experiment: Experiment, out_dir: str | Path, jobs: int | None = None,
                   quick: bool = False) -> dict[str, Status]:
    """Train every seed of every run into ``out_dir``, ``jobs`` at a time (default: :func:`default_jobs`).

    Returns each task's final status, e.g. ``{"cosine/seed-0": Status.COMPLETED}``.
    Raises KeyboardInterrupt after Ctrl-C, once every child has stopped cleanly.
    """
    experiment = quick_version(experiment) if quick else experiment
    out = Path(out_dir)
    pairs = [(run, seed) for run in experiment.runs for seed in run.seeds]
    cores = _cores()
    jobs = max(1, min(jobs or default_jobs(len(pairs), cores), len(pairs)))
    plan = thread_plan(len(pairs), jobs, cores)
    tasks = [Task(run, seed, out / run.name / f"seed-{seed}", threads)
             for (run, seed), threads in zip(pairs, plan)]
    for task in tasks:
        _check_same_config(task)
    for backend in {task.config.backend for task in tasks}:
        interpreter(backend)  # fail now, with how to set it up, not in every child
    out.mkdir(parents=True, exist_ok=True)
    _write_experiment(experiment, out, quick)
    todo = [task for task in tasks if not task.status().finished]
    tqdm.write(f"{len(tasks)} trainings ({len(experiment.runs)} runs x their seeds): {len(tasks) - len(todo)} "
               f"finished already, {len(todo)} to train, {jobs} at a time on {cores} cores {_describe(plan)}, in {out}")
    _write_index(experiment, tasks, out, quick)  # now too: a report works even if we are killed
    try:
        _run_all(todo, tasks, jobs)
    finally:
        _write_index(experiment, tasks, out, quick)
    return {task.name: task.status() for task in tasks}


def _threads(task: Task) -> int:
    """The threads ``task`` trains with: a resumed run keeps its config.json's (as ``lrlab train
    --resume`` decides), settings that fix them win, else the plan's."""
    if RunDir(task.folder).holds_run():
        return RunDir(task.folder).read_config()["config"].get("threads") or task.planned_threads
    return task.config.threads or task.planned_threads


def _run_all(todo: list[Task], tasks: list[Task], jobs: int) -> None:
    waiting, running, threads_of = list(todo), {}, {}
    capacity = max(_cores(), jobs)  # more jobs than cores is the user's explicit choice
    total = sum(task.config.epochs for task in tasks)
    with tqdm(total=total, unit="epoch", desc="experiment", disable=not sys.stderr.isatty(), dynamic_ncols=True) as bar, \
            _Interrupts() as interrupts:
        while (waiting or running) and not interrupts.count:
            while waiting and len(running) < jobs:
                threads = _threads(waiting[0])
                if running and sum(threads_of[task] for task in running) + threads > capacity:
                    break  # in order: the next training waits until its threads have cores of their own
                task = waiting.pop(0)
                running[task], threads_of[task] = _launch(task, threads), threads
            time.sleep(POLL_SECONDS)
            _reap(running)
            bar.n = sum(task.epochs_done() for task in tasks)
            bar.refresh()
        if interrupts.count:
            _stop(running, interrupts)
            raise KeyboardInterrupt


class _Interrupts:
    """Ctrl-C (SIGINT) counted instead of raised while children run, so that it never lands
    between starting a child and keeping track of it."""

    def __enter__(self) -> "_Interrupts":
        self.count, self.previous = 0, None
        if threading.current_thread() is threading.main_thread():  # only it receives signals
            self.previous = signal.signal(signal.SIGINT, self._count)
        return self

    def _count(self, signum, frame) -> None:
        self.count += 1

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _launch(task: Task, threads: int) -> subprocess.Popen:
    """Start ``lrlab train`` for ``task`` on ``threads`` (``--resume`` if its folder holds a run),
    output to train.log."""
    task.folder.mkdir(parents=True, exist_ok=True)
    if RunDir(task.folder).holds_run():
        arguments = ["--resume", str(task.folder)]
    else:
        config = dataclasses.replace(task.config, threads=threads)
        write_json(task.folder / "train-config.json", config.to_dict())
        arguments = ["--config", str(task.folder / "train-config.json"), "--out", str(task.folder)]
    command = [interpreter(task.config.backend), "-m", "lrlab", "train", *arguments]
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": str(threads)}
    with open(task.folder / "train.log", "ab") as log:
        # A session of its own: Ctrl-C in a terminal reaches only us, and we forward it once.
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                env=environment, start_new_session=True)


def interpreter(backend: str) -> str:
    """The Python that runs ``backend``: MXNet lives in a virtual environment of its own.

    Raises BackendUnavailable (one line: how to create that environment) when none is set up.

    >>> interpreter("torch") == sys.executable
    True
    """
    from ..backends.mxnet_env import python_for

    return python_for(backend)


def _stop(running: dict[Task, subprocess.Popen], interrupts: _Interrupts) -> None:
    """Forward SIGINT to every child and wait until each has written its summary and exited;
    another Ctrl-C meanwhile is forwarded again."""
    tqdm.write(f"interrupted: stopping {len(running)} run(s) at their next batch ...")
    forwarded = 0
    while running:
        if forwarded < interrupts.count:
            forwarded = interrupts.count
            for process in running.values():
                _interrupt(process)
        time.sleep(POLL_SECONDS / 5)
        _reap(running)
    tqdm.write("stopped: every run keeps its last finished epoch; run the same command again to resume")


def _reap(running: dict[Task, subprocess.Popen]) -> None:
    """Settle and announce every child that has exited; keep the others."""
    for task in [t for t, process in running.items() if process.poll() is not None]:
        returncode = running.pop(task).returncode
        _settle(task, returncode)
        tqdm.write(_finished_line(task, returncode))


def _interrupt(process: subprocess.Popen) -> None:
    """SIGINT to the child's whole session (it leads it), as a terminal's Ctrl-C would send."""
    try:
        os.killpg(process.pid, signal.SIGINT)
    except ProcessLookupError:  # it has just exited
        pass


def _finished_line(task: Task, returncode: int) -> str:
    summary = RunDir(task.folder).read_summary()
    final = (summary.final if summary else None) or {}
    numbers = f", test acc {final['test_acc']:.3f}" if final.get("test_acc") is not None else ""
    status = summary.status if summary else Status.FAILED
    extra = "" if status.finished else f" (exit {returncode}; see {task.folder / 'train.log'})"
    seconds = f" ({summary.wall_seconds:.0f} s)" if summary and summary.wall_seconds else ""
    return f"{task.name}: {status} after {summary.epochs_completed if summary else 0} epochs{numbers}{seconds}{extra}"


def _settle(task: Task, returncode: int) -> None:
    """A child that died without a final summary (killed, crashed at start) gets one, so none says running."""
    run = RunDir(task.folder)
    summary = run.read_summary()
    if summary and summary.status is Status.RUNNING:
        interrupted = returncode in (130, -signal.SIGINT)
        run.write_summary(dataclasses.replace(
            summary, status=Status.INTERRUPTED if interrupted else Status.FAILED,
            message=f"lrlab train exited with status {returncode} before writing its summary; see train.log"))


def _check_same_config(task: Task) -> None:
    """Refuse a folder that holds a run of other settings: its results would be mixed with ours.

    The settings are compared as values (threads aside: they follow the plan), so a folder
    written before a setting existed holds that setting's default."""
    run = RunDir(task.folder)
    if not run.holds_run():
        return
    try:
        stored = TrainConfig.from_dict(run.read_config()["config"])
    except ConfigError as error:
        raise ExperimentError(f"{task.folder}: holds a run this lrlab cannot read ({error}); "
                              "choose another --out") from None
    wanted = task.config
    changed = [f"{field.name} {getattr(stored, field.name)!r} -> {getattr(wanted, field.name)!r}"
               for field in dataclasses.fields(TrainConfig)
               if field.name != "threads" and getattr(stored, field.name) != getattr(wanted, field.name)]
    if changed:
        raise ExperimentError(f"{task.folder}: holds a run with other settings ({', '.join(changed)}); "
                              "choose another --out, or remove that folder to train it again")


def _write_experiment(experiment: Experiment, out: Path, quick: bool) -> None:
    header = f"# Written by lrlab run from {experiment.source}{' (quick mode)' if quick else ''}.\n\n"
    with atomic_path(out / "experiment.toml") as tmp:
        tmp.write_text(header + tomli_w.dumps(experiment.to_dict()), encoding="utf-8")


def _write_index(experiment: Experiment, tasks: list[Task], out: Path, quick: bool) -> None:
    """index.json: what ``lrlab report`` reads to find each run's folders, labels and book numbers."""
    runs = []
    for run in experiment.runs:
        seeds = [{"seed": t.seed, "folder": t.folder.relative_to(out).as_posix(), "status": t.status()}
                 for t in tasks if t.run is run]
        runs.append({"name": run.name, "label": run.label, "schedule": run.schedule,
                     "backend": run.backend, "book": run.book, "seeds": seeds})
    write_json(out / "index.json", {"title": experiment.title, "description": experiment.description,
                                    "source": experiment.source, "quick": quick, "runs": runs})
