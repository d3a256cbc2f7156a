"""The configuration of one training run, shared by every backend.

Each field carries its check, its help and its command-line form once (:func:`setting`);
``lrlab train``'s options and the experiment file's validation are made from them.
Names (backend, model, optimizer, dataset) are looked up in their registries, and what
a backend supports (bf16, a model, an optimizer) is asked of the backend.

>>> TrainConfig(schedule="constant(0.3)", epochs=2).unit
'epoch'
>>> TrainConfig(schedule="constant(0.3)", backend="keras", precision="bf16")
Traceback (most recent call last):
lrlab.training.config.ConfigError: precision='bf16' is invalid for the keras backend: it supports fp32
"""

from __future__ import annotations

import dataclasses
import importlib
import math
from typing import Any, Callable

from .. import data, models, optimizers
from ..backends import BACKENDS, Job, backend_info
from ..backends.samples import SampleSettings, SampleSettingsError
from ..models.resnet import check_depth
from ..schedules import ScheduleError, parse

UNITS = ("epoch", "step")
PRECISIONS = ("fp32", "bf16")
NORMALIZATIONS = ("unit", "mean-std")
FOLDER_SETTINGS = ("image_size", "color", "test_fraction")
"""The settings that only a ``folder:`` data set reads."""
DEVICES = ("auto", "cpu", "cuda")


class ConfigError(ValueError):
    """A run's configuration is invalid; the message names the argument."""


class Invalid(ValueError):
    """What a field's check raises: the allowed values, e.g. ``must be an integer >= 1``."""


def setting(default: Any, check: Callable[[Any], Any], help: str, *, metavar: str | None = None,
            flag: str | None = None, optimizer: bool = False, model: bool = False) -> Any:
    """A :class:`TrainConfig` field: its default, ``check`` (value -> the value to keep, or
    :class:`Invalid`), its help (without the default: the command line adds it), the
    command line's metavar and flag (``--<name>`` by default); ``optimizer`` (``model``) marks a
    setting that only optimizers (models) reading it may change."""
    metadata = {"check": check, "help": help, "metavar": metavar, "flag": flag, "optimizer": optimizer,
                "model": model}
    return dataclasses.field(default=default, metadata=metadata)


# -- checks: value -> the value to keep ------------------------------------------------------------


def integer(minimum: int, optional: bool = False) -> Callable[[Any], Any]:
    def check(value):
        if optional and value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise Invalid(f"must be an integer >= {minimum}")
        return value
    check.kind = int
    return check


def number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
        raise Invalid("must be a finite number >= 0")
    return float(value)


number.kind = float


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("must be true or false")
    return value


boolean.kind = bool


def one_of(choices: Callable[[], Any]) -> Callable[[Any], Any]:
    """A name from ``choices()`` (read when checking, so registered names count)."""
    def check(value):
        if value not in choices():
            raise Invalid(f"must be one of {', '.join(choices())}")
        return value
    check.kind, check.choices = str, choices
    return check


def fraction(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise Invalid("must be a number between 0 and 1 (exclusive)")
    return float(value)


fraction.kind = float


def dataset_name(value: Any) -> str:
    """A registered data set, or ``npz:PATH`` / ``folder:PATH`` (the path made absolute)."""
    try:
        return data.check_name(value)
    except data.DataError as error:
        if isinstance(value, str) and value.partition(":")[0] in data.kinds():  # a known kind, a bad path
            raise Invalid(str(error)) from None
        raise Invalid(f"must be one of {', '.join(data.names())}, or "
                      f"{', '.join(kind + ':PATH' for kind in data.kinds())}") from None


dataset_name.kind = str
def resnet_depth(value: Any) -> int:
    problem = check_depth(value) if not isinstance(value, bool) else "must be an integer"
    if problem:
        raise Invalid(problem)
    return value


resnet_depth.kind = int


def folder(value: Any) -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        raise Invalid("must be a folder path (a string)")
    return value


folder.kind = str


def schedule_spec(value: Any) -> str:
    try:
        return repr(parse(value))
    except ScheduleError as error:
        raise ConfigError(f"schedule: {error}") from None


schedule_spec.kind = str


def module_names(value: Any) -> tuple[str, ...]:
    """Python modules to import before anything else is checked: they may register
    schedules, models, optimizers and data sets."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or \
            not all(isinstance(name, str) and name for name in value):
        raise Invalid("must be a list of module names, e.g. ['mypkg.schedules']")
    for name in value:
        try:
            importlib.import_module(name)
        except Exception as error:  # any error in the user's module is theirs to see
            raise Invalid(f"cannot import {name}: {type(error).__name__}: {error}") from None
    return tuple(value)


module_names.kind = str


def sample_spec(value: Any) -> str | None:
    """The posterior setting as its canonical text ``"burn_in=E,every=K,keep=M"`` (from that text or a table)."""
    if value is None:
        return None
    try:
        return str(SampleSettings.parse(value))
    except SampleSettingsError as error:
        raise Invalid(str(error)) from None


sample_spec.kind = str


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a run's numbers, and where it runs (``data_dir``, ``threads``: a torch
    run's numbers do not depend on its threads, a Keras or MXNet run's do).

    >>> TrainConfig(schedule="constant(0.3)", optimizer="sgd", nesterov=True)
    Traceback (most recent call last):
    lrlab.training.config.ConfigError: nesterov=True needs momentum > 0
    """

    schedule: str = setting(None, schedule_spec, "the schedule, e.g. 'cosine(max_update=20, base_lr=0.3)'",
                            metavar="SPEC")
    epochs: int = setting(30, integer(1), "epochs to train", metavar="N")
    unit: str = setting("epoch", one_of(lambda: UNITS),
                        "the schedule's clock: s(epoch) for a whole epoch, or s(update)")
    backend: str = setting("torch", one_of(lambda: tuple(BACKENDS)), "the framework")
    seed: int = setting(0, integer(0), "initialisation and data order", metavar="N")
    batch_size: int = setting(256, integer(1), "examples per update", metavar="N")
    optimizer: str = setting("sgd", one_of(optimizers.names), "the optimizer")
    momentum: float = setting(0.0, number, "momentum", metavar="M", optimizer=True)
    nesterov: bool = setting(False, boolean, "Nesterov momentum", optimizer=True)
    weight_decay: float = setting(0.0, number, "weight decay (an L2 term added to the gradient)",
                                  metavar="W", optimizer=True)
    prior_precision: float = setting(1.0, number, "sgld: the Gaussian prior's precision on every weight "
                                     "(what weight decay is to sgd)", metavar="LAMBDA", optimizer=True)
    temperature: float = setting(1.0, number, "sgld: the posterior's temperature, the noise's variance eps_t * T "
                                 "(1: the posterior; 0: no noise)", metavar="T", optimizer=True)
    model: str = setting("lenet", one_of(models.names),
                         "the network: the chapter's LeNet, or the book's TensorFlow variant lenet-d2l-tf")
    init: str = setting(models.DEFAULT_INIT, one_of(lambda: models.INITS),
                        "the model's initial weights: xavier (Xavier/Glorot-uniform, the book's init_cnn) or "
                        "default (the framework's own, as the chapter's PyTorch net_fn)")
    dataset: str = setting("fashion-mnist", dataset_name,
                           "the data set: fashion-mnist, npz:FILE (x_train, y_train, x_test, y_test) or "
                           "folder:DIR (a sub-folder of PNG/JPEG images per class)", metavar="NAME")
    image_size: int = setting(32, integer(1), "folder: data sets: every image resized to N x N", metavar="N")
    color: str = setting("auto", one_of(lambda: data.COLORS),
                         "folder: data sets: gray, rgb, or auto (rgb when any image is stored in colour)")
    test_fraction: float = setting(0.2, fraction, "folder: data sets without train/ and test/ folders: the "
                                   "fraction of each class held out for testing (the same split every run)",
                                   metavar="F")
    normalize: str = setting("unit", one_of(lambda: NORMALIZATIONS),
                             "the pixels: unit ([0, 1], as the chapter) or mean-std (each channel standardised "
                             "by the training split's mean and std)")
    depth: int = setting(20, resnet_depth, "resnet20's layers with weights, 6n + 2 (n basic blocks per stage): "
                         "20, 32, 44, 56, 110", metavar="N", model=True)
    width: int = setting(1, integer(1), "resnet20's channels, a multiple of the paper's 16/32/64", metavar="K",
                         model=True)
    train_subset: int | None = setting(None, integer(1, optional=True), "train on the first N examples only",
                                       metavar="N")
    test_subset: int | None = setting(None, integer(1, optional=True), "test on the first N examples only",
                                      metavar="N")
    data_dir: str | None = setting(None, folder, "a registered data set's folder (default: $LRLAB_DATA_DIR, else "
                                   "download); npz:PATH and folder:PATH name their own", metavar="DIR")
    threads: int | None = setting(None, integer(1, optional=True),
                                  "CPU threads (a torch run's numbers do not depend on them)", metavar="N")
    precision: str = setting("fp32", one_of(lambda: PRECISIONS),
                             "bf16: the torch backend multiplies the convolutions and the first dense layer "
                             "in bfloat16")
    holdout: int = setting(0, integer(0), "training examples held out of training (a fixed random choice, the "
                           "same for every seed and framework) to fit temperature scaling on after the last epoch; "
                           "0: none, train on every example", metavar="N")
    posterior: str | None = setting(None, sample_spec, "keep parameter samples and report their averaged test "
                                  "predictions (the posterior predictive): 'burn_in=EPOCHS,every=UPDATES,keep=COUNT' "
                                  "(torch backend)", metavar="SPEC")
    device: str = setting("auto", one_of(lambda: DEVICES),
                          "where the torch backend trains: auto (CUDA when there is a GPU, else the CPU), cpu "
                          "or cuda")
    imports: tuple[str, ...] = setting((), module_names, "a module to import first (it may register schedules, "
                                       "models, optimizers, data sets); repeat for more",
                                       metavar="MODULE", flag="--import")

    def __post_init__(self) -> None:
        fields = {field.name: field for field in dataclasses.fields(self)}
        for name in sorted(fields, key=lambda name: name != "imports"):  # imports first: they may register names
            value = getattr(self, name)
            try:
                object.__setattr__(self, name, fields[name].metadata["check"](value))
            except Invalid as error:
                raise ConfigError(f"{name}={value!r} is invalid: {error}") from None
        problem = backend_info(self.backend).problem(model=self.model, optimizer=self.optimizer,
                                                     precision=self.precision, device=self.device)
        problem = problem or models.get(self.model).init_problem(self.init) or self._model_problem() \
            or self._optimizer_problem()
        if self.posterior and not backend_info(self.backend).samples:
            problem = problem or (f"posterior is invalid for the {self.backend} backend: "
                                  f"{', '.join(name for name, info in BACKENDS.items() if info.samples)} keeps samples")
        if self.posterior and self.optimizer == "schedule-free-sgd":  # samples are taken in train mode: not its average
            problem = problem or ("posterior is invalid with optimizer schedule-free-sgd: its samples would be the "
                                  "points its gradients are taken at, not its averaged weights")
        problem = problem or self._data_problem()
        if problem:
            raise ConfigError(problem)

    def _model_problem(self) -> str | None:
        entry = models.get(self.model)
        for field in dataclasses.fields(self):
            if field.metadata["model"] and field.name not in entry.settings and \
                    getattr(self, field.name) != field.default:
                return f"{field.name} is not a setting of the {self.model} model (it has: " \
                       f"{', '.join(entry.settings) or 'none'})"
        return None

    @property
    def model_settings(self) -> dict[str, Any]:
        """The settings the model reads, by name (for ``resnet20``: depth, width)."""
        return {name: getattr(self, name) for name in models.get(self.model).settings}

    def _optimizer_problem(self) -> str | None:
        entry = optimizers.get(self.optimizer)
        for field in dataclasses.fields(self):
            if field.metadata["optimizer"] and field.name not in entry.settings and \
                    getattr(self, field.name) != field.default:
                return f"{field.name} is not a setting of the {self.optimizer} optimizer (it has: " \
                       f"{', '.join(entry.settings) or 'none'})"
        return entry.problem(self.optimizer_settings)

    def _data_problem(self) -> str | None:
        if self.dataset.startswith("folder:") and self.dataset not in data.names():
            return None
        for name in FOLDER_SETTINGS:
            default = TrainConfig.__dataclass_fields__[name].default
            if getattr(self, name) != default:
                return f"{name}={getattr(self, name)!r} is invalid: it is a setting of folder: data sets only " \
                       f"(dataset={self.dataset!r})"
        return None

    @property
    def data_options(self) -> data.DataOptions:
        """How a ``folder:`` data set is decoded and split."""
        return data.DataOptions(self.image_size, self.color, self.test_fraction)

    @property
    def optimizer_settings(self) -> dict[str, Any]:
        """The settings the optimizer reads, by name (for ``sgd``: momentum, nesterov, weight_decay)."""
        return {name: getattr(self, name) for name in optimizers.get(self.optimizer).settings}

    def job(self, data) -> Job:
        """What a backend is handed for this run on ``data`` (already cut to the subsets):
        the settings that decide its numbers, not the whole config."""
        return Job(data=data, schedule=self.schedule_obj, model=self.model, init=self.init,
                   model_settings=self.model_settings, device=self.device, optimizer=self.optimizer,
                   optimizer_settings=self.optimizer_settings, unit=self.unit, batch_size=self.batch_size,
                   precision=self.precision, threads=self.threads, seed=self.seed,
                   samples=SampleSettings.parse(self.posterior) if self.posterior else None)

    @property
    def schedule_obj(self):
        """The parsed schedule."""
        return parse(self.schedule)

    def to_dict(self) -> dict[str, Any]:
        return {key: list(value) if isinstance(value, tuple) else value
                for key, value in dataclasses.asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrainConfig":
        """From :meth:`to_dict`'s form, or an older one: a field added since takes its default."""
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise ConfigError(f"unknown run option(s) {', '.join(unknown)} (known: {', '.join(sorted(names))})")
        if data.get("schedule") is None:
            raise ConfigError("schedule: missing (a spec such as 'constant(0.3)')")
        return cls(**data)


def check_setting(name: str, value: Any) -> Any:
    """``value`` as the field ``name`` keeps it, or :class:`ConfigError`; one field alone
    (checks between fields need the whole config).

    >>> check_setting("momentum", 1), check_setting("unit", "step")
    (1.0, 'step')
    """
    field = {f.name: f for f in dataclasses.fields(TrainConfig)}[name]
    try:
        return field.metadata["check"](value)
    except Invalid as error:
        raise ConfigError(f"{name}={value!r} is invalid: {error}") from None


SETTINGS = tuple(f for f in dataclasses.fields(TrainConfig))
"""The fields, in order, with their metadata (check, help, metavar, flag)."""

RUN_SETTINGS = tuple(f.name for f in SETTINGS if f.name not in ("schedule", "seed", "imports"))
"""The fields an experiment file sets per run or in ``[defaults]`` (and a sweep may vary): all but the
schedule (a run's own), the seed (a run's ``seeds``) and ``imports`` (the file's)."""
