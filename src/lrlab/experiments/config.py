"""The experiment file: ``[defaults]`` shared by every run, ``[[runs]]``, each a name and a schedule, and ``[[sweeps]]``.

A small experiment::

    title = "Constant against cosine"
    imports = ["mypkg.schedules"]   # optional: modules that register schedules, models, ...

    [defaults]                      # any TrainConfig field but schedule/seed/imports, plus seeds
    epochs = 30
    seeds = [0, 1, 2]

    [[runs]]
    name = "constant"               # the run's folder: OUT/constant/seed-0, ...
    schedule = "constant(0.3)"
    book.torch = { train_loss = 0.145, train_acc = 0.944, test_acc = 0.877 }

    [[runs]]
    name = "cosine"
    label = "cosine 0.3 -> 0.01"    # the legend's text (default: the name)
    schedule = "cosine(max_update=20, base_lr=0.3, final_lr=0.01)"
    epochs = 20                     # any default can be overridden per run

    [[sweeps]]                      # runs over values of the schedule's arguments and the settings
    name = "constant-rate"          # its runs: OUT/constant-rate.base_lr-0.01/seed-0, ...
    schedule = "constant(0.1)"      # the base schedule; any run key but book may be set too
    early_stopping = { grace = 3, reduction = 3 }   # optional: successive halving over its runs
    [sweeps.params]
    schedule.base_lr = { log = [0.01, 1.0], n = 9 }
    momentum = [0.0, 0.9]

    [[sweeps]]                      # Optuna's TPE (lrlab[optuna]): its runs are asked for as it runs
    name = "rate-tpe"
    schedule = "constant(0.1)"
    search = "tpe"
    trials = 9
    [sweeps.params]
    schedule.base_lr = { log = [0.01, 1.0] }

``book`` holds published numbers to compare with, per backend (``torch``, ``keras``,
``mxnet``), each any of ``train_loss``, ``train_acc``, ``test_loss``, ``test_acc`` (``lrlab.runfolder.METRICS``).

A sweep is expanded into ordinary runs while the file is read (:mod:`lrlab.experiments.sweeps`
has its syntax): each run has a generated name and label, and keeps the sweep's name and its
values (``Run.sweep``, ``Run.params``), and its ``early_stopping`` (:mod:`lrlab.experiments.halving`;
every run of such a sweep must train the same ``epochs``). ``Experiment.to_dict()`` writes the
expanded runs, each with its ``sweep``, ``params`` and ``early_stopping`` keys, which a ``[[runs]]``
table accepts too. Run names are unique across runs and sweeps.

A TPE sweep (``search = "tpe"``, :mod:`lrlab.experiments.sweeps.tpe`) has no runs until it runs: it is
kept as it is (``Experiment.tpe_sweeps``), and :func:`tpe_run` makes each trial's run, named as a grid's.

The whole file is checked before anything runs. Every problem is an
:class:`ExperimentError` worded ``FILE: KEY: PROBLEM``, where KEY is a path such as
``runs[2].schedule`` (runs count from 0, in file order).

>>> e = experiment_from_dict({"runs": [{"name": "a", "schedule": "constant(0.3)"}]})
>>> e.runs[0].config(seed=0).schedule
'constant(base_lr=0.3)'
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import sys
from pathlib import Path
from typing import Any

from ..backends import BACKENDS
from ..runfolder import METRICS
from ..schedules import ScheduleError, parse
from ..training.config import RUN_SETTINGS, ConfigError, TrainConfig, check_setting
from . import sweeps
from .halving import EarlyStopping, HalvingError
from .sweeps import SweepProblem

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SETTINGS = RUN_SETTINGS
DEFAULT_KEYS = SETTINGS + ("seeds",)
RUN_ONLY = ("name", "schedule", "label", "book", "sweep", "params", "early_stopping")
RUN_KEYS = RUN_ONLY + DEFAULT_KEYS
SWEEP_KEYS = ("name", "schedule", "label", "early_stopping") + sweeps.SWEEP_KEYS + DEFAULT_KEYS
TOP_KEYS = ("title", "description", "imports", "quick", "defaults", "runs", "sweeps")
HINTS = {"seed": "seeds", "tensorflow": "keras", "tf": "keras", "pytorch": "torch", "lr": "schedule",
         "import": "imports", "optimiser": "optimizer", "data": "dataset"}
"""Keys people write for another: the one meant (the book's TensorFlow code is the keras backend)."""
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

QUICK = {"epochs": 30, "train_subset": 5000, "test_subset": 2000}
"""Quick mode's limits; it also keeps only each run's first seed. It keeps the epochs,
and cuts the data instead: a schedule keeps its shape (a cosine over 20 epochs, a step
at 15), and a 3-epoch run would draw a clock warning for most of the chapter's schedules.
An experiment whose model is slower than a LeNet sets smaller ones in its ``[quick]`` table."""


class ExperimentError(ValueError):
    """An invalid experiment, e.g. ``d2l.toml: runs[2].schedule: cosine: warmup_steps=30 is invalid: ...``."""


@dataclasses.dataclass(frozen=True)
class Run:
    """One entry of ``[[runs]]``: a schedule trained once per seed, with the same settings.

    >>> Run("cosine", "cosine(max_update=20, base_lr=0.3)", seeds=(0, 1), settings={"epochs": 20}).config(1).seed
    1
    """

    name: str
    schedule: str
    seeds: tuple[int, ...] = (0,)
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)
    """The TrainConfig fields set by ``[defaults]`` or by the run (all but schedule and seed)."""
    label: str = ""
    book: dict[str, dict[str, float]] = dataclasses.field(default_factory=dict)
    sweep: str = ""
    """The sweep that made this run ("" for a run of its own)."""
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    """A sweep's run: its values by parameter path, e.g. ``{"schedule.base_lr": 0.03162, "momentum": 0.9}``."""
    early_stopping: EarlyStopping | None = None
    """Its sweep's successive halving, if the sweep declares it (:mod:`lrlab.experiments.halving`)."""

    def config(self, seed: int) -> TrainConfig:
        return TrainConfig(schedule=self.schedule, seed=seed, **self.settings)

    @property
    def backend(self) -> str:
        return self.config(self.seeds[0]).backend


@dataclasses.dataclass(frozen=True)
class Experiment:
    """A validated experiment file; ``experiment_from_dict(e.to_dict()) == e``."""

    runs: tuple[Run, ...]
    defaults: dict[str, Any] = dataclasses.field(default_factory=dict)
    title: str = ""
    description: str = ""
    source: str = dataclasses.field(default="<experiment>", compare=False)
    tpe_sweeps: tuple[sweeps.TpeSweep, ...] = ()
    """The sweeps searched by TPE, whose runs are made while the experiment runs (:func:`tpe_run`)."""
    quick: dict[str, int] = dataclasses.field(default_factory=dict)
    """The file's ``[quick]`` table: quick mode's limits where they differ from :data:`QUICK`."""

    def to_dict(self) -> dict[str, Any]:
        """The experiment as TOML data: the defaults, then each run's differences from them."""
        data: dict[str, Any] = {key: value for key, value in (("title", self.title), ("description", self.description)) if value}
        defaults = dict(self.defaults)
        imports = defaults.pop("imports", ())
        if imports:
            data["imports"] = list(imports)
        if self.quick:
            data["quick"] = dict(self.quick)
        data["defaults"] = _plain(defaults)
        data["runs"] = [_run_dict(run, self.defaults) for run in self.runs]
        if self.tpe_sweeps:
            data["sweeps"] = [_tpe_dict(sweep, self.defaults) for sweep in self.tpe_sweeps]
        return data


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate the experiment file at ``path`` (TOML)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ExperimentError(f"{path}: cannot read the experiment file: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ExperimentError(f"{path}: not a TOML file (not UTF-8 text)") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ExperimentError(f"{path}: not valid TOML: {error}") from None
    return experiment_from_dict(data, source=str(path))


def experiment_from_dict(data: dict[str, Any], source: str = "<experiment>") -> Experiment:
    """Validate TOML data as an experiment; ``source`` names it in errors."""
    try:
        return _experiment(data, source)
    except (_Problem, SweepProblem) as problem:
        raise ExperimentError(f"{source}: {problem.key}: {problem.text}") from None


def tpe_run(sweep: sweeps.TpeSweep, values: dict[str, Any], number: int) -> Run:
    """The run of trial ``number`` of ``sweep``, at ``values`` (parameter path -> value); an
    :class:`ExperimentError` when a check of the schedule or the settings refuses them."""
    try:
        point = sweeps.tpe.point(sweep, values, number)
        run = Run(point.name, repr(point.schedule), sweep.seeds, {**sweep.settings, **point.settings}, point.label,
                  sweep=sweep.name, params=point.params)
        _check_run(run, f"{sweep.name}.params", f'"{sweep.name}" at {sweeps.describe(values)}: ')
    except (_Problem, SweepProblem) as problem:
        raise ExperimentError(f"{problem.key}: {problem.text}") from None
    return run


# -- validation: each helper raises _Problem(key, text); experiment_from_dict adds the file ------------


class _Problem(Exception):
    def __init__(self, key: str, text: str) -> None:
        super().__init__(key, text)
        self.key, self.text = key, text


def _experiment(data: Any, source: str) -> Experiment:
    if not isinstance(data, dict):
        raise _Problem("(top)", "must be a table of title, description, defaults and runs")
    _known_keys(data, TOP_KEYS, "")
    imports = _setting("imports", data["imports"], "imports") if "imports" in data else ()  # first: they register names
    defaults_table = data.get("defaults", {})
    if not isinstance(defaults_table, dict):
        raise _Problem("defaults", "must be a table, e.g. [defaults] with epochs = 30")
    _known_keys(defaults_table, DEFAULT_KEYS, "defaults")
    defaults = _settings(defaults_table, "defaults") | ({"imports": imports} if imports else {})
    entries, sweep_entries = _tables(data, "runs"), _tables(data, "sweeps")
    if not entries and not sweep_entries:
        raise _Problem("runs", "no runs: add at least one [[runs]] table with a name and a schedule, "
                               "or a [[sweeps]] table")
    runs = [(_run(entry, f"runs[{i}]", defaults), f"runs[{i}]") for i, entry in enumerate(entries)]
    tpe_sweeps = []
    for i, entry in enumerate(sweep_entries):
        if isinstance(entry, dict) and entry.get("search") == "tpe":
            tpe_sweeps.append((_tpe_sweep(entry, f"sweeps[{i}]", defaults), f"sweeps[{i}]"))
        else:
            runs += [(run, f"sweeps[{i}]") for run in _sweep(entry, f"sweeps[{i}]", defaults)]
    _unique_names(runs)
    _check_tpe_names(tpe_sweeps, runs)
    _check_early_stopping(runs)
    return Experiment(tuple(run for run, _ in runs), defaults, _text(data, "title", ""),
                      _text(data, "description", ""), source, tuple(sweep for sweep, _ in tpe_sweeps),
                      _quick_table(data.get("quick", {})))


def _quick_table(table: Any) -> dict[str, int]:
    """The ``[quick]`` table: smaller limits for quick mode (epochs, train_subset, test_subset)."""
    if not isinstance(table, dict):
        raise _Problem("quick", "must be a table, e.g. [quick] with train_subset = 512")
    _known_keys(table, tuple(QUICK), "quick")
    return {key: _setting(key, value, f"quick.{key}") for key, value in table.items()}


def _tables(data: dict[str, Any], key: str) -> list[Any]:
    entries = data.get(key, [])
    if not isinstance(entries, list):
        raise _Problem(key, f"must be an array of tables: write [[{key}]] (two brackets) before each")
    return entries


def _run(entry: Any, where: str, defaults: dict[str, Any]) -> Run:
    if not isinstance(entry, dict):
        raise _Problem(where, "must be a table with a name and a schedule ([[runs]])")
    _known_keys(entry, RUN_KEYS, where)
    name = _name(entry, where)
    settings = {**defaults, **_settings(entry, where)}
    seeds = settings.pop("seeds", (0,))
    run = Run(name, _schedule(entry, where), seeds, settings, _text(entry, "label", name, where),
              _book(entry.get("book", {}), f"{where}.book"), _sweep_name(entry, where),
              _params(entry.get("params", {}), f"{where}.params"), _early_stopping(entry, where))
    if run.early_stopping and not run.sweep:
        raise _Problem(f"{where}.early_stopping", "needs a sweep: successive halving ranks the runs of one sweep")
    _check_run(run, where)
    return run


def _check_run(run: Run, where: str, context: str = "") -> None:
    try:
        run.config(run.seeds[0])
    except ConfigError as error:  # a check between fields
        raise _Problem(where, f"{context}{error}") from None


def _sweep(entry: Any, where: str, defaults: dict[str, Any]) -> list[Run]:
    """The runs of one ``[[sweeps]]`` table (see :mod:`lrlab.experiments.sweeps`)."""
    name, schedule, seeds, settings = _sweep_common(entry, where, defaults)
    early_stopping = _early_stopping(entry, where)
    runs = []
    for point in sweeps.expand(name, schedule, entry, where, _text(entry, "label", "", where)):
        run = Run(point.name, repr(point.schedule), seeds, {**settings, **point.settings}, point.label,
                  sweep=name, params=point.params, early_stopping=early_stopping)
        _check_run(run, f"{where}.params", f'"{name}" at {sweeps.describe(point.params)}: ')
        runs.append(run)
    return runs


def _sweep_common(entry: Any, where: str, defaults: dict[str, Any]) -> tuple[str, Any, tuple[int, ...], dict[str, Any]]:
    """A ``[[sweeps]]`` table's name, base schedule (parsed), seeds and settings, checked."""
    if not isinstance(entry, dict):
        raise _Problem(where, "must be a table with a name, a schedule and params ([[sweeps]])")
    if "seed" in entry:
        raise _Problem(f"{where}.seed", "unknown key: seeds = [...] for the trainings' seeds, "
                                        "search_seed = N for random search's draws")
    _known_keys(entry, SWEEP_KEYS, where)
    name, schedule = _name(entry, where), parse(_schedule(entry, where))
    own = _settings(entry, where)
    for path in _flat_keys(entry.get("params")):
        if path in own:
            raise _Problem(f"{where}.{path}", f"is set here and swept in {where}.params: keep one")
    settings = {**defaults, **own}
    seeds = settings.pop("seeds", (0,))
    return name, schedule, seeds, settings


def _tpe_sweep(entry: dict[str, Any], where: str, defaults: dict[str, Any]) -> sweeps.TpeSweep:
    """A ``[[sweeps]]`` table with ``search = "tpe"`` (see :mod:`lrlab.experiments.sweeps.tpe`)."""
    name, schedule, seeds, settings = _sweep_common(entry, where, defaults)
    if "early_stopping" in entry:
        raise _Problem(f"{where}.early_stopping", 'is for search = "grid" or "random": TPE trains each trial '
                                                  "to its end (no pruning)")
    sweep = sweeps.read_tpe(name, schedule, entry, where, _text(entry, "label", "", where))
    sweep = dataclasses.replace(sweep, seeds=seeds, settings=settings)
    _check_run(Run(name, repr(schedule), seeds, settings), where)  # the settings, at the base schedule
    try:
        import optuna  # noqa: F401  (only its presence is checked here)
    except ImportError:
        raise _Problem(f"{where}.search", "\"tpe\" needs Optuna: pip install 'lrlab[optuna]'") from None
    return sweep


def _check_tpe_names(tpe_sweeps: list[tuple[sweeps.TpeSweep, str]], runs: list[tuple[Run, str]]) -> None:
    """A TPE sweep's runs are named ``<sweep>.<...>``: no other run or TPE sweep may use that prefix."""
    names = [(run.name, where) for run, where in runs] + [(sweep.name, where) for sweep, where in tpe_sweeps]
    for sweep, where in tpe_sweeps:
        for name, other in names:
            if other != where and (name == sweep.name or name.startswith(f"{sweep.name}.")):
                raise _Problem(f"{where}.name", f"{sweep.name!r} names the runs of this TPE sweep, "
                                                f"but {other} has the name {name!r}: rename one")


def _early_stopping(entry: dict[str, Any], where: str) -> EarlyStopping | None:
    if "early_stopping" not in entry:
        return None
    try:
        return EarlyStopping.from_table(entry["early_stopping"])
    except HalvingError as error:
        raise _Problem(f"{where}.early_stopping", str(error)) from None


def _check_early_stopping(runs: list[tuple[Run, str]]) -> None:
    """A halved sweep's runs share one rule and one ``epochs`` (a rung compares them at one epoch, so
    at one fraction of their schedules), which leaves at least one rung, and there are two or more."""
    by_sweep: dict[str, list[tuple[Run, str]]] = {}
    for run, where in runs:
        if run.early_stopping:
            by_sweep.setdefault(run.sweep, []).append((run, where))
    for sweep, members in by_sweep.items():
        where = f"{members[0][1]}.early_stopping"
        rule = members[0][0].early_stopping
        members_all = [run for run, _ in runs if run.sweep == sweep]
        epochs = sorted({run.config(run.seeds[0]).epochs for run in members_all})
        if any(run.early_stopping != rule for run in members_all):
            raise _Problem(where, f"the runs of sweep {sweep!r} must all have the same early_stopping")
        if len(epochs) > 1:
            raise _Problem(where, f"needs the same epochs for every run of sweep {sweep!r} (they have "
                                  f"{', '.join(map(str, epochs))}): a rung compares runs at one epoch")
        if not rule.rungs(epochs[0]):
            raise _Problem(where, f"grace={rule.grace} is invalid: must be < the runs' epochs ({epochs[0]}), "
                                  "else no rung ever stops a run")
        if len(members_all) < 2:
            raise _Problem(where, f"sweep {sweep!r} has one run: successive halving needs two or more to compare")


def _flat_keys(params: Any) -> list[str]:
    return [key for key in params if "." not in key] if isinstance(params, dict) else []


def _sweep_name(entry: dict[str, Any], where: str) -> str:
    name = entry.get("sweep", "")
    if name != "" and (not isinstance(name, str) or not NAME.fullmatch(name)):
        raise _Problem(f"{where}.sweep", f"{name!r} is invalid: must be the name of the sweep that made this run")
    return name


def _params(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Problem(where, 'must be a table of parameter values, e.g. { "schedule.base_lr" = 0.1 } '
                              "(lrlab writes it for a sweep's runs)")
    return dict(value)


def _known_keys(table: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in table:
        if key in allowed:
            continue
        path = f"{where}.{key}" if where else key
        if where == "defaults" and key in RUN_ONLY:
            raise _Problem(path, f"{key!r} is set per run, in each [[runs]] table, not in [defaults]")
        close = [HINTS[key]] if HINTS.get(key) in allowed else difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise _Problem(path, f"unknown key{hint} (known: {', '.join(allowed)})")


def _settings(table: dict[str, Any], where: str) -> dict[str, Any]:
    settings = {}
    for key, value in table.items():
        if key == "seeds":
            settings[key] = _seeds(value, f"{where}.seeds")
        elif key in SETTINGS:
            settings[key] = _setting(key, value, f"{where}.{key}")
    return settings


def _setting(key: str, value: Any, where: str) -> Any:
    """``value`` checked by the TrainConfig field's own check, so the rules live in one place."""
    try:
        return check_setting(key, value)
    except ConfigError as error:
        raise _Problem(where, str(error).removeprefix(f"{key}=")) from None


def _seeds(value: Any, where: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise _Problem(where, f"{value!r} is invalid: must be a non-empty list of integers >= 0, e.g. [0, 1, 2]")
    for seed in value:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise _Problem(where, f"{seed!r} is invalid: each seed must be an integer >= 0")
    if len(set(value)) != len(value):
        raise _Problem(where, f"{value!r} is invalid: seeds must be distinct")
    return tuple(value)


def _name(entry: dict[str, Any], where: str) -> str:
    name = entry.get("name")
    if name is None:
        raise _Problem(f"{where}.name", 'missing: every run needs a name (its folder), e.g. name = "cosine"')
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise _Problem(f"{where}.name", f"{name!r} is invalid: must be a folder name of letters, digits, "
                                        "'-', '_' and '.', starting with a letter or digit (at most 64)")
    return name


def _schedule(entry: dict[str, Any], where: str) -> str:
    spec = entry.get("schedule")
    if spec is None:
        raise _Problem(f"{where}.schedule", 'missing: every run needs a schedule spec, e.g. schedule = "constant(0.3)"')
    try:
        return repr(parse(spec))
    except ScheduleError as error:
        raise _Problem(f"{where}.schedule", str(error)) from None


def _book(value: Any, where: str) -> dict[str, dict[str, float]]:
    if not isinstance(value, dict):
        raise _Problem(where, "must be a table per backend, e.g. book.torch = { train_loss = 0.145, train_acc = 0.944, test_acc = 0.877 }")
    _known_keys(value, BACKENDS, where)
    return {backend: _book_numbers(numbers, f"{where}.{backend}") for backend, numbers in value.items()}


def _book_numbers(value: Any, where: str) -> dict[str, float]:
    if not isinstance(value, dict) or not value:
        raise _Problem(where, f"must be a table of any of {', '.join(METRICS)}, e.g. {{ test_acc = 0.877 }}")
    _known_keys(value, METRICS, where)
    for key, number in value.items():
        top = 1.0 if key.endswith("_acc") else math.inf
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not 0 <= number <= top:
            allowed = "a number in [0, 1]" if top == 1.0 else "a finite number >= 0"
            raise _Problem(f"{where}.{key}", f"{number!r} is invalid: must be {allowed}")
    return {key: float(number) for key, number in value.items()}


def _text(table: dict[str, Any], key: str, default: str, where: str = "") -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise _Problem(f"{where}.{key}" if where else key, f"{value!r} is invalid: must be a string")
    return value


def _unique_names(runs: list[tuple[Run, str]]) -> None:
    """Each run's name once, across runs and the runs that sweeps generate (``where``: ``runs[i]`` or ``sweeps[j]``)."""
    first: dict[str, str] = {}
    for run, where in runs:
        if run.name in first:
            what = f"the generated run name {run.name!r}" if where.startswith("sweeps") else repr(run.name)
            raise _Problem(f"{where}.name", f"{what} is already the name of {first[run.name]}: names must be unique")
        first[run.name] = where if not where.startswith("sweeps") else f"a run of {where}"


# -- back to TOML data ------------------------------------------------------------------------


def _run_dict(run: Run, defaults: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"name": run.name, "schedule": run.schedule}
    if run.label != run.name:
        data["label"] = run.label
    data.update({key: value for key, value in run.settings.items() if defaults.get(key) != value})
    if run.seeds != defaults.get("seeds", (0,)):
        data["seeds"] = run.seeds
    if run.book:
        data["book"] = run.book
    if run.sweep:
        data["sweep"] = run.sweep
    if run.params:
        data["params"] = run.params
    if run.early_stopping:
        data["early_stopping"] = run.early_stopping.to_dict()
    return _plain(data)


def _tpe_dict(sweep: sweeps.TpeSweep, defaults: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"name": sweep.name, "schedule": repr(sweep.schedule)}
    if sweep.label:
        data["label"] = sweep.label
    data.update({key: value for key, value in sweep.settings.items() if defaults.get(key) != value})
    if sweep.seeds != defaults.get("seeds", (0,)):
        data["seeds"] = sweep.seeds
    data.update({"search": "tpe", "trials": sweep.trials, "search_seed": sweep.seed, "metric": sweep.metric,
                 "params": sweep.table})
    return _plain(data)


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in data.items()}
