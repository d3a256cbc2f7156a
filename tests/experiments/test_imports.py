"""An experiment file's ``imports``: user modules that register names, imported before the file is
checked, and carried to every training process (and to resumed ones) through the run's config."""

import json
import subprocess
import sys

import pytest

from lrlab.experiments import ExperimentError, experiment_from_dict


def test_imports_are_checked_first_and_reach_every_run(user_module):
    module, schedule = user_module
    data = {"imports": [module], "defaults": {"epochs": 2},
            "runs": [{"name": "mine", "schedule": f"{schedule}(0.1)"}]}
    experiment = experiment_from_dict(data)
    assert experiment.runs[0].config(0).imports == (module,)
    assert experiment.to_dict()["imports"] == [module] and "imports" not in experiment.to_dict()["defaults"]
    assert experiment_from_dict(experiment.to_dict()) == experiment


@pytest.mark.parametrize("data, problem", [
    ({"imports": ["lrlab_no_such_module"]}, "exp: imports: ['lrlab_no_such_module'] is invalid: cannot import"),
    ({"imports": "json"}, "exp: imports: 'json' is invalid: must be a list of module names"),
    ({"defaults": {"imports": ["json"]}}, "exp: defaults.imports: unknown key"),
])
def test_bad_imports_name_the_key(data, problem):
    with pytest.raises(ExperimentError) as error:
        experiment_from_dict(data | {"runs": [{"name": "a", "schedule": "constant(0.1)"}]}, source="exp")
    assert str(error.value).startswith(problem)


def test_lrlab_run_trains_a_schedule_registered_by_an_import(user_module, tmp_path, fashion_mnist):
    pytest.importorskip("torch")
    module, schedule = user_module
    path = tmp_path / "mine.toml"
    path.write_text(f'imports = ["{module}"]\n[defaults]\nepochs = 1\ntrain_subset = 500\ntest_subset = 200\n'
                    f'batch_size = 100\nthreads = 1\n[[runs]]\nname = "mine"\nschedule = "{schedule}(0.1)"\n')
    done = subprocess.run([sys.executable, "-m", "lrlab", "run", str(path), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    config = json.loads((tmp_path / "out" / "mine" / "seed-0" / "config.json").read_text())
    assert config["config"]["imports"] == [module] and config["schedule"]["name"] == schedule
