"""TrainConfig: each field's own check, checks between fields asked of the backend and the
optimizer, older config dicts, and user modules (imports) that register names."""

import dataclasses
import json
import subprocess
import sys
import textwrap

import pytest

from lrlab import optimizers
from lrlab.optimizers import registry as optimizer_registry
from lrlab.registry import Registry
from lrlab.training.config import SETTINGS, ConfigError, TrainConfig, check_setting


@pytest.mark.parametrize("settings, message", [
    ({"epochs": 0}, "epochs=0 is invalid: must be an integer >= 1"),
    ({"momentum": -1}, "momentum=-1 is invalid: must be a finite number >= 0"),
    ({"nesterov": 1}, "nesterov=1 is invalid: must be true or false"),
    ({"unit": "epochs"}, "unit='epochs' is invalid: must be one of epoch, step"),
    ({"backend": "jax"}, "backend='jax' is invalid: must be one of torch, keras, mxnet"),
    ({"model": "resnet"}, "model='resnet' is invalid: must be one of lenet, lenet-d2l-tf"),
    ({"optimizer": "adam"}, "optimizer='adam' is invalid: must be one of schedule-free-sgd, sgd, sgld"),
    ({"dataset": "cifar10"}, "dataset='cifar10' is invalid: must be one of fashion-mnist"),
    ({"data_dir": ""}, "data_dir='' is invalid: must be a folder path"),
    ({"imports": "mypkg"}, "imports='mypkg' is invalid: must be a list of module names"),
    ({"imports": ["lrlab_no_such_module"]}, "cannot import lrlab_no_such_module: ModuleNotFoundError"),
    ({"schedule": "cosin(20, 0.3)"}, "schedule: unknown schedule 'cosin'; did you mean cosine"),
    ({"backend": "keras", "precision": "bf16"}, "precision='bf16' is invalid for the keras backend: it supports fp32"),
    ({"nesterov": True}, "nesterov=True needs momentum > 0"),
])
def test_each_mistake_names_the_setting(settings, message):
    with pytest.raises(ConfigError) as error:
        TrainConfig(**{"schedule": "constant(0.1)", **settings})
    assert message in str(error.value)


def test_values_are_kept_as_their_check_returns_them():
    config = TrainConfig("constant(0.3)", momentum=1, imports=["json"])
    assert config.momentum == 1.0 and isinstance(config.momentum, float)
    assert config.imports == ("json",) and config.to_dict()["imports"] == ["json"]
    assert config.schedule == "constant(base_lr=0.3)"
    assert config.optimizer_settings == {"momentum": 1.0, "nesterov": False, "weight_decay": 0.0}
    assert check_setting("batch_size", 64) == 64


def test_every_field_carries_its_check_and_help_once():
    for field in SETTINGS:
        assert callable(field.metadata["check"]) and field.metadata["help"], field.name
        assert f"default {field.default}" not in field.metadata["help"], field.name  # the command line adds it


def test_a_dict_from_before_a_field_existed_takes_its_default():
    older = {k: v for k, v in TrainConfig("constant(0.3)").to_dict().items()
             if k not in ("precision", "optimizer", "nesterov", "dataset", "imports")}
    assert TrainConfig.from_dict(older) == TrainConfig("constant(0.3)")
    assert TrainConfig.from_dict(json.loads(json.dumps(TrainConfig("constant(0.3)", imports=["json"]).to_dict()))) \
        == TrainConfig("constant(0.3)", imports=("json",))


def test_a_setting_the_optimizer_does_not_read_is_refused(monkeypatch):
    monkeypatch.setattr(optimizer_registry, "REGISTRY", Registry("optimizer", optimizers.OptimizerError))
    optimizers.register_optimizer("plain", "SGD without extras", torch="lrlab.optimizers.sgd:torch")
    assert TrainConfig("constant(0.1)", optimizer="plain").optimizer_settings == {}
    with pytest.raises(ConfigError, match="momentum is not a setting of the plain optimizer"):
        TrainConfig("constant(0.1)", optimizer="plain", momentum=0.9)
    with pytest.raises(ConfigError, match="optimizer='plain' is invalid for the keras backend: it supports $"):
        TrainConfig("constant(0.1)", optimizer="plain", backend="keras")


def test_imports_register_a_schedule_before_it_is_checked(user_module):
    module, schedule = user_module
    with pytest.raises(ConfigError, match=f"unknown schedule '{schedule}'"):
        TrainConfig(f"{schedule}(0.1)")
    config = TrainConfig(f"{schedule}(0.1)", imports=[module])
    assert config.schedule_obj(10) == pytest.approx(0.1 / 4)


def test_train_with_import_in_a_real_process_and_resume_it(user_module, tmp_path, fashion_mnist):
    pytest.importorskip("torch")
    module, schedule = user_module
    out = tmp_path / "run"
    tiny = ["--epochs", "2", "--train-subset", "500", "--test-subset", "200", "--batch-size", "100", "--threads", "1"]
    done = subprocess.run([sys.executable, "-m", "lrlab", "train", "--import", module, "--schedule", f"{schedule}(0.1)",
                           *tiny, "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    document = json.loads((out / "config.json").read_text())
    assert document["config"]["imports"] == [module] and document["schedule"]["name"] == schedule
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [row["lr"] for row in rows] == [0.1, 0.1 / 1.1 ** 2]
    # A fresh process resuming it reads the schedule only after importing the stored module.
    done = subprocess.run([sys.executable, "-m", "lrlab", "train", "--resume", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "completed" in done.stdout


def test_the_fields_are_the_train_commands_options():
    from lrlab.cli import build_parser

    train = build_parser()._subparsers._group_actions[0].choices["train"]
    flags = {option for action in train._actions for option in action.option_strings}
    for field in dataclasses.fields(TrainConfig):
        assert (field.metadata["flag"] or "--" + field.name.replace("_", "-")) in flags
