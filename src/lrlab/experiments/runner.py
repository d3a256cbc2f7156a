"""Run an experiment: every (run x seed) as its own training, a few at a time.

The run folder (``OUT``) holds one folder per run and seed, each a ``lrlab train``
run folder (:mod:`lrlab.runfolder`), plus what ``lrlab report`` reads::

    OUT/experiment.toml            the validated experiment (quick mode already applied)
    OUT/index.json                 the runs, their labels, book numbers, folders and statuses (and a
                                   sweep's runs: the sweep's name and their values, "sweep" and "params")
    OUT/<run>/seed-<k>/            config.json, metrics.jsonl, summary.json, checkpoint, and
                                   train-config.json + train.log (the request and the output)
    OUT/<sweep>.rungs.json         a sweep with early stopping: its rungs' decisions so far
    OUT/<sweep>.optuna.journal     a TPE sweep: its Optuna study (lrlab.experiments.tpe)
    OUT/<sweep>.trials.json        a TPE sweep: its trials in order, with their runs and scores

Running again skips finished seeds (completed, diverged, stuck or stopped) and resumes the others
from their last checkpoint. The runs of a sweep with ``early_stopping`` train rung by rung
(:mod:`lrlab.experiments.halving`): each stops at the next rung, and only the runs the rung
promotes, once every run has reached it, continue; their decisions are recomputed from the run
folders, so a rerun makes the same ones. A TPE sweep's runs are asked for after the other runs
have trained, a batch at a time (as many trials as train at once), each batch told before the
next is asked (:mod:`lrlab.experiments.tpe`). The trainings run where an executor puts them
(:mod:`lrlab.experiments.executors`; by default local processes); the scheduling loop
here decides what starts when (:mod:`lrlab.experiments.planning`). Ctrl-C is forwarded
to every training once per press; each keeps its last checkpoint and writes an
"interrupted" summary; once all have stopped, KeyboardInterrupt is raised again. On
SIGTERM, and on any error, the loop stops every training the same way before it ends
(SIGTERM then exits with status 143): no training is ever left running without it.

>>> from lrlab.experiments import load_experiment
>>> run_experiment(load_experiment("experiments/d2l-chapter.toml"), "runs/d2l", quick=True)  # doctest: +SKIP
{'constant/seed-0': <Status.COMPLETED: 'completed'>, ...}
"""

from __future__ import annotations

import dataclasses
import signal
import sys
import threading
from pathlib import Path

import tomli_w
from tqdm.auto import tqdm

from ..backends import BackendUnavailable, backend_info
from ..runfolder import RunDir, Status, Summary, atomic_path, write_json
from ..training.config import ConfigError, TrainConfig
from ..training.preflight import check_planned_rates
from . import gpus as gpu_plan
from . import planning
from . import halving
from .config import Experiment, ExperimentError, Run
from .data_sizes import file_data_sizes
from .executors.base import Ended, Executor
from .executors.local import LocalProcessExecutor
from .versions import quick_version

POLL_SECONDS = 0.5
TERMINATED = 128 + signal.SIGTERM
"""The exit status after SIGTERM, once every training has stopped."""


@dataclasses.dataclass(frozen=True, eq=False)  # eq=False: hashed by identity, to key the running trainings
class Task:
    """One seed of one run, and the folder it trains into."""

    run: Run
    seed: int
    folder: Path
    planned_threads: int = 1  # for a new training whose settings leave threads open (see planning.thread_plan)

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
                   quick: bool = False, executor: Executor | None = None) -> dict[str, Status]:
    """Train every seed of every run into ``out_dir``, ``jobs`` at a time (default:
    :func:`~lrlab.experiments.planning.default_jobs`), on ``executor`` (default: local processes).

    Returns each task's final status, e.g. ``{"cosine/seed-0": Status.COMPLETED}``.
    Raises KeyboardInterrupt after Ctrl-C and SystemExit(143) after SIGTERM, once every
    training has stopped cleanly.
    """
    if executor is None:
        with LocalProcessExecutor() as local:
            return run_experiment(experiment, out_dir, jobs, quick, local)
    experiment = quick_version(experiment, sizes=file_data_sizes) if quick else experiment
    out = Path(out_dir)
    pairs = [(run, seed) for run in experiment.runs for seed in run.seeds]
    trainings = len(pairs) + sum(sweep.trials * len(sweep.seeds) for sweep in experiment.tpe_sweeps)
    cores = executor.cores
    jobs, plan, slots = _plan(pairs, trainings, jobs, executor)
    tasks = [Task(run, seed, out / run.name / f"seed-{seed}", threads)
             for (run, seed), threads in zip(pairs, plan)]
    for task in tasks:
        _check_same_config(task)
    check_planned_rates({task.name: task.config for task in tasks})
    executor.check(tasks)
    out.mkdir(parents=True, exist_ok=True)
    _write_experiment(experiment, out, quick)
    work = _Work(tasks, out)
    todo = work.wanted()
    runs = list(experiment.runs)  # and the TPE sweeps' runs, as they are asked for
    if tasks:
        tqdm.write(f"{len(tasks)} trainings ({len(experiment.runs)} runs x their seeds): {len(tasks) - len(todo)} "
                   f"finished already, {len(todo)} to train, {jobs} at a time on {cores} cores"
                   f"{f' and {len(slots.used)} GPU(s)' if slots else ''} {planning.describe(plan)}, in {out}")
    for sweep in work.sweeps:
        tqdm.write(f"early stopping in sweep {sweep.name}: rungs after epochs "
                   f"{', '.join(map(str, sweep.rule.rungs(sweep.epochs)))} of {sweep.epochs} ({sweep.rule.describe()})")
    _write_index(experiment, runs, tasks, out, quick, work)  # now too: a report works even if we are killed
    try:
        _run_all(work, tasks, jobs, executor, slots)
        for sweep in experiment.tpe_sweeps:
            _search_tpe(sweep, out, jobs, executor, runs, tasks,
                        lambda: _write_index(experiment, runs, tasks, out, quick, work))
    finally:
        work.wanted()  # the last decisions, recorded
        _write_index(experiment, runs, tasks, out, quick, work)
    return {task.name: task.status() for task in tasks}


def _search_tpe(sweep, out: Path, jobs: int, executor: Executor, runs: list[Run], tasks: list[Task],
                write_index) -> None:
    """Ask ``sweep``'s study for trials, a batch of ``jobs // seeds`` at a time; train each batch's runs
    (appended to ``runs`` and ``tasks``) and tell their scores in trial order. A batch with a training
    that did not finish (failed, interrupted) is left asked: the next ``lrlab run`` trains it again."""
    from . import tpe  # Optuna is imported only for a TPE sweep

    study = tpe.Study(sweep, out)
    batch_size = max(1, jobs // len(sweep.seeds))
    own: dict[str, list[Task]] = {}  # this sweep's runs so far: name -> its tasks

    def tasks_of(run: Run) -> list[Task]:
        if run.name not in own:
            own[run.name] = [Task(run, seed, out / run.name / f"seed-{seed}", max(1, executor.cores // jobs))
                             for seed in run.seeds]
            for task in own[run.name]:
                _check_same_config(task)
            runs.append(run)
            tasks.extend(own[run.name])
        return own[run.name]

    for trial in study.told():
        run = study.run(trial)
        if isinstance(run, Run):
            tasks_of(run)
    told, pending = len(study.told()), study.pending()
    tqdm.write(f"TPE sweep {sweep.name}: {told} of {sweep.trials} trials told"
               f"{f', {len(pending)} asked to train again' if pending else ''}; {batch_size} trial(s) at a time; "
               f"its study: {tpe.journal_path(out, sweep)}")
    while True:
        told, batch = len(study.told()), study.pending()
        if not batch and told < sweep.trials:
            batch = study.ask(min(batch_size, sweep.trials - told))
        if not batch:
            break
        trial_runs = {trial.number: study.run(trial) for trial in batch}
        batch_tasks = list({id(t): t for run in trial_runs.values() if isinstance(run, Run)
                            for t in tasks_of(run)}.values())
        executor.check(batch_tasks)
        write_index()
        study.record(out / f"{sweep.name}.trials.json")
        _run_all(_Work(batch_tasks, out), batch_tasks, jobs, executor)
        if not all(task.status().finished for task in batch_tasks):
            break
        for trial in batch:  # in trial order, whatever finished first
            run = trial_runs[trial.number]
            value = (tpe.score([t.folder for t in own[run.name]], sweep.metric) if isinstance(run, Run)
                     else tpe.worst(sweep.metric))
            study.tell(trial, value)
            tqdm.write(f"{sweep.name}: trial {trial.number} "
                       f"{run.name if isinstance(run, Run) else 'not trained: ' + run}: {sweep.metric} {value:.4f}")
    study.record(out / f"{sweep.name}.trials.json")


def _plan(pairs: list[tuple[Run, int]], trainings: int, jobs: int | None, executor: Executor):
    """``(jobs, threads of each pair, GPU slots or None)``: how many train at once (``jobs`` if given,
    else as many as the GPUs hold when every training uses one, else :func:`planning.default_jobs`
    of the ``trainings``), each one's threads (1 on a GPU), and the GPU slots when some use one."""
    on_gpu = [gpu_plan.uses_gpu(run.config(seed)) for run, seed in pairs]
    gpus = getattr(executor, "gpus", 0) if any(on_gpu) else 0  # asked only when needed: it imports torch
    if not gpus:
        _refuse_cuda(pairs, getattr(executor, "where", "here"))
    on_gpu = [wants and gpus > 0 for wants in on_gpu]
    if on_gpu and all(on_gpu):
        default = gpu_plan.default_jobs([gpu_plan.share(run.config(seed).model) for run, seed in pairs], gpus)
    else:
        default = planning.default_jobs(trainings, executor.cores)
    slots = gpu_plan.GpuSlots(gpus, strict=jobs is None) if any(on_gpu) else None
    jobs = max(1, min(jobs or default, trainings))
    plan = [1 if gpu else min(threads, backend_info(run.backend).max_threads or threads)  # no more than it uses
            for (run, _), threads, gpu in zip(pairs, planning.thread_plan(len(pairs), jobs, executor.cores), on_gpu)]
    return jobs, plan, slots


def _refuse_cuda(pairs: list[tuple[Run, int]], where: str) -> None:
    """BackendUnavailable, before anything starts, for a run that asks for CUDA where the executor
    has no GPU (``where``: "here", "in the Ray cluster")."""
    for run, seed in pairs:
        if run.config(seed).device == "cuda":
            raise BackendUnavailable(f"run {run.name!r}: device='cuda' is unavailable: no CUDA GPU {where}; "
                                     "set device = 'auto' or 'cpu'")


def _threads(task: Task) -> int:
    """The threads ``task`` trains with: a resumed run keeps its config.json's (as ``lrlab train
    --resume`` decides: Keras's and MXNet's numbers depend on them), settings that fix them win,
    else the plan's."""
    if RunDir(task.folder).holds_run():
        return RunDir(task.folder).read_config()["config"].get("threads") or task.planned_threads
    return task.config.threads or task.planned_threads


# -- what to train, and how far ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Sweep:
    """A sweep with early stopping: its rule, its runs' epochs, and its runs (in order) with their tasks."""

    name: str
    rule: halving.EarlyStopping
    epochs: int
    runs: tuple[tuple[str, tuple[Task, ...]], ...]

    @classmethod
    def of(cls, name: str, runs: dict[str, list[Task]]) -> "_Sweep":
        """The sweep ``name`` of these runs' tasks (each run's name -> its tasks, in order)."""
        first = next(iter(runs.values()))[0]  # every run of the sweep has the same rule and epochs
        return cls(name, first.run.early_stopping, first.config.epochs,
                   tuple((run, tuple(tasks)) for run, tasks in runs.items()))

    def folders(self) -> list[tuple[str, list[Path]]]:
        return [(name, [task.folder for task in tasks]) for name, tasks in self.runs]


class _Work:
    """What to train now, and how far, read from the run folders each time it is asked: every
    unfinished training of a run of its own, to its end; for a sweep with early stopping, what its
    rungs want (:func:`lrlab.experiments.halving.halve`), whose decisions are recorded as they come."""

    def __init__(self, tasks: list[Task], out: Path) -> None:
        self.tasks, self.out = tasks, out
        groups: dict[str, dict[str, list[Task]]] = {}
        for task in tasks:
            if task.run.early_stopping:
                groups.setdefault(task.run.sweep, {}).setdefault(task.run.name, []).append(task)
        self.sweeps = [_Sweep.of(name, runs) for name, runs in groups.items()]
        self.stopped_at: dict[Task, int] = {}
        """The trainings a rung stopped for good, and the epoch it stopped them at."""
        self.judged_at: dict[str, list[int]] = {}
        """Each halved run's name: the epochs of the rungs that ranked it."""
        self.announced: dict[str, int] = {}
        """Each halved sweep: how many of its rungs have been printed."""

    def wanted(self) -> list[tuple[Task, int | None]]:
        """The trainings to start now, in order, and the epochs to stop them after (None: their end)."""
        until: dict[Task, int | None] = {task: None for task in self.tasks
                                         if not task.run.early_stopping and not task.status().finished}
        for sweep in self.sweeps:
            until.update(self._halve(sweep))
        return [(task, until[task]) for task in self.tasks if task in until]

    def _halve(self, sweep: _Sweep) -> dict[Task, int | None]:
        state = halving.halve(sweep.rule, sweep.folders(), sweep.epochs)
        halving.mark_stopped(state, sweep.folders(), sweep.rule, sweep.epochs)
        halving.record(self.out / f"{sweep.name}.rungs.json", sweep.name, sweep.rule, sweep.epochs, state)
        for rung in state.rungs[self.announced.get(sweep.name, 0):]:
            tqdm.write(f"{sweep.name}: rung {rung.number} (epoch {rung.epoch} of {sweep.epochs}): "
                       f"{len(rung.promoted)} of {len(rung.ranked)} go on: {', '.join(rung.promoted)}")
        self.announced[sweep.name] = len(state.rungs)
        for name, tasks in sweep.runs:
            self.judged_at[name] = [rung.epoch for rung in state.rungs if name in dict(rung.ranked)]
            for task in tasks:
                if name in state.stopped:
                    self.stopped_at[task] = state.stopped[name].epoch
        by_folder = {task.folder: task for _, tasks in sweep.runs for task in tasks}
        return {by_folder[folder]: epoch for folder, epoch in state.train.items()}

    def planned_epochs(self, task: Task) -> int:
        return self.stopped_at.get(task, task.config.epochs)


# -- the scheduling loop ----------------------------------------------------------------------


def _run_all(work: _Work, tasks: list[Task], jobs: int, executor: Executor,
             slots: gpu_plan.GpuSlots | None = None) -> None:
    """Train what ``work`` wants, in order, on ``executor``, at most ``jobs`` at once and, unless one
    alone asks for more, no more threads at once than its cores; with ``slots``, a training that uses a
    GPU also waits for room on one (:mod:`lrlab.experiments.gpus`). Whatever ends this (done, Ctrl-C,
    SIGTERM, an error), no training is left running. Each training is started at most once per target
    (a training that fails is not started again until the next ``lrlab run``)."""
    waiting, running = [], {}  # waiting: (task, epochs to stop after); running: task -> its threads
    gpu_of: dict[Task, int] = {}  # the running trainings that use a GPU: task -> its GPU
    asked: set[tuple[Task, int | None]] = set()

    def add_wanted() -> None:
        busy = {task for task, _ in waiting} | set(running)
        for task, until in work.wanted():
            if task not in busy and (task, until) not in asked:
                asked.add((task, until))
                waiting.append((task, until))

    capacity = max(executor.cores, jobs)  # more jobs than cores is the user's explicit choice
    with tqdm(total=sum(task.config.epochs for task in tasks), unit="epoch", desc="experiment",
              disable=not sys.stderr.isatty(), dynamic_ncols=True) as bar, _Signals() as signals:
        try:
            add_wanted()
            while (waiting or running) and not signals.received:
                while waiting and len(running) < jobs:
                    threads = _threads(waiting[0][0])
                    if running and sum(running.values()) + threads > capacity:
                        break  # in order: the next training waits until its threads have cores of their own
                    gpu = _take_gpu(slots, waiting[0][0])
                    if gpu is False:
                        break  # in order: it waits for room on a GPU
                    task, until = waiting.pop(0)
                    if gpu is None:
                        executor.submit(task, threads, until=until)
                    else:
                        executor.submit(task, threads, until=until, gpu=gpu)
                        gpu_of[task] = gpu
                    running[task] = threads
                ended = executor.poll(POLL_SECONDS)
                _settle_all(ended, running)
                for task in [task for task in gpu_of if task not in running]:
                    slots.give_back(gpu_of.pop(task), gpu_plan.share(task.config.model))
                if ended:
                    add_wanted()  # a rung may have been reached: its promoted runs go on
                bar.total = sum(work.planned_epochs(task) for task in tasks)
                bar.n = sum(executor.progress(task) if task in running else task.epochs_done() for task in tasks)
                bar.refresh()
            if signals.interrupts and not signals.terminated:
                _forward_interrupts(executor, running, signals)
            if signals.terminated:
                raise SystemExit(TERMINATED)
            if signals.interrupts:
                raise KeyboardInterrupt
        finally:
            if running:  # SIGTERM or an error: still under _Signals, so a second signal cannot cut this short
                tqdm.write(f"{_why(signals)}: stopping {len(running)} run(s) at their next batch ...")
                _settle_all(executor.stop(), running)
                tqdm.write("stopped: every run keeps its last finished epoch; run the same command again to resume")


def _take_gpu(slots: gpu_plan.GpuSlots | None, task: Task) -> int | None | bool:
    """The GPU ``task`` trains on (now counted as used); None when it uses none; False when it
    must wait for room on one."""
    if slots is None or not gpu_plan.uses_gpu(task.config):
        return None
    gpu = slots.take(gpu_plan.share(task.config.model))
    return False if gpu is None else gpu


def _forward_interrupts(executor: Executor, running: dict[Task, int], signals: _Signals) -> None:
    """Forward Ctrl-C to every training and wait until each has written its summary and ended;
    another Ctrl-C meanwhile is forwarded again (SIGTERM ends the wait: the caller stops the rest)."""
    tqdm.write(f"interrupted: stopping {len(running)} run(s) at their next batch ...")
    forwarded = 0
    while running and not signals.terminated:
        if forwarded < signals.interrupts:
            forwarded = signals.interrupts
            executor.interrupt()
        _settle_all(executor.poll(POLL_SECONDS / 5), running)
    if not running:
        tqdm.write("stopped: every run keeps its last finished epoch; run the same command again to resume")


def _why(signals: _Signals) -> str:
    return "terminated" if signals.terminated else "interrupted" if signals.interrupts else "error"


class _Signals:
    """Ctrl-C (SIGINT) and SIGTERM noted instead of raised while trainings run, so that neither lands
    between starting a training and keeping track of it, nor cuts short stopping them."""

    def __enter__(self) -> "_Signals":
        self.interrupts, self.terminated, self.previous = 0, False, {}
        if threading.current_thread() is threading.main_thread():  # only it receives signals
            for signum in (signal.SIGINT, signal.SIGTERM):
                self.previous[signum] = signal.signal(signum, self._note)
        return self

    def _note(self, signum, frame) -> None:
        if signum == signal.SIGTERM:
            self.terminated = True
        else:
            self.interrupts += 1

    @property
    def received(self) -> bool:
        return self.terminated or self.interrupts > 0

    def __exit__(self, *exc) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)  # None: not set from Python


# -- settling ended trainings -----------------------------------------------------------------


def _settle_all(ended: list[Ended], running: dict[Task, int]) -> None:
    """Settle and announce every training in ``ended``, and forget it."""
    for end in ended:
        running.pop(end.task, None)
        _settle(end)
        tqdm.write(_finished_line(end))


def _settle(end: Ended) -> None:
    """A training that ended without its final summary (killed, crashed at start) gets one, so that
    none says running or pending."""
    run = RunDir(end.task.folder)
    summary = run.read_summary()
    if summary is not None and summary.status is not Status.RUNNING:
        return
    status = Status.INTERRUPTED if end.interrupted else Status.FAILED
    message = f"lrlab train exited with status {end.returncode} before writing its summary; see train.log"
    if summary is None:
        summary = Summary(status, 0, end.task.config.epochs, None, message)
    run.write_summary(dataclasses.replace(summary, status=status, message=message))


def _finished_line(end: Ended) -> str:
    task, summary = end.task, RunDir(end.task.folder).read_summary()
    final = (summary.final if summary else None) or {}
    numbers = f", test acc {final['test_acc']:.3f}" if final.get("test_acc") is not None else ""
    status = summary.status if summary else Status.FAILED
    extra = "" if status.finished else f" (exit {end.returncode}; see {task.folder / 'train.log'})"
    seconds = f" ({summary.wall_seconds:.0f} s)" if summary and summary.wall_seconds else ""
    return f"{task.name}: {status} after {summary.epochs_completed if summary else 0} epochs{numbers}{seconds}{extra}"


def _judged(run: Run, tasks: list[Task], work: _Work) -> dict:
    """What a halved run was judged on, e.g. "judged at epochs 3, 9 of 30; stopped at epoch 9"."""
    epochs, judged = run.config(run.seeds[0]).epochs, work.judged_at.get(run.name, [])
    stopped = work.stopped_at.get(tasks[0]) if tasks else None
    words = (f"judged at epoch{'s' if len(judged) > 1 else ''} {', '.join(map(str, judged))} of {epochs}"
             if judged else "not judged yet")
    words += f"; stopped at epoch {stopped}" if stopped else "; went on" if judged else ""
    return {**run.early_stopping.to_dict(), "judged_at": judged, "stopped_at": stopped, "judged": words}


# -- the experiment's folder ------------------------------------------------------------------


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


def _write_index(experiment: Experiment, all_runs: list[Run], tasks: list[Task], out: Path, quick: bool,
                 work: _Work) -> None:
    """index.json: what ``lrlab report`` reads to find each run's folders, labels and book numbers;
    a sweep's run also names its sweep and its values (``params``: parameter path -> value), and a
    halved sweep's run what it was judged on (``early_stopping``: the rule, the rungs that ranked it,
    the epoch a rung stopped it at or null, and the same in words)."""
    runs = []
    for run in all_runs:
        own = [t for t in tasks if t.run is run]
        seeds = [{"seed": t.seed, "folder": t.folder.relative_to(out).as_posix(), "status": t.status()}
                 for t in own]
        runs.append({"name": run.name, "label": run.label, "schedule": run.schedule,
                     "backend": run.backend, "book": run.book, "seeds": seeds,
                     "sweep": run.sweep or None, "params": run.params,
                     "early_stopping": _judged(run, own, work) if run.early_stopping else None})
    write_json(out / "index.json", {"title": experiment.title, "description": experiment.description,
                                    "source": experiment.source, "quick": quick, "runs": runs})
