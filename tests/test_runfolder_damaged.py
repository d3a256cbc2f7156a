"""A run folder whose files are damaged (not what lrlab wrote): one error naming the file, never a traceback."""

import pytest

from lrlab.cli import main
from lrlab.runfolder import MetricsRow, RunDir, RunDirError, Status, Summary
from lrlab.training.config import TrainConfig


@pytest.fixture
def run(tmp_path):
    run = RunDir(tmp_path / "run")
    run.create()
    run.write_config({"config": TrainConfig(schedule="constant(0.1)", epochs=2).to_dict()})
    run.append_metrics(MetricsRow(0, 0.1, 0.1, train_loss=0.5, train_acc=0.8, test_acc=0.8))
    run.write_summary(Summary(Status.INTERRUPTED, 1, 2, None, "interrupted"))
    return run


@pytest.mark.parametrize("name, text, needle", [
    ("summary.json", '{"status": ', "summary.json: damaged, not a JSON file lrlab wrote"),
    ("config.json", "\xff\xfe", "config.json: damaged, not a JSON file lrlab wrote"),
    ("metrics.jsonl", '{"epoch": 0, "lr"\n', "metrics.jsonl: line 1 is damaged"),
    ("metrics.jsonl", '[1, 2]\n', "metrics.jsonl: line 1 is damaged"),
])
def test_a_damaged_file_is_an_error_naming_it(run, name, text, needle, capsys):
    run.file(name).write_bytes(text.encode("latin-1"))
    with pytest.raises(RunDirError, match=needle):
        run.read_config(), run.read_summary(), run.read_metrics()
    assert main(["train", "--resume", str(run.path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err and "Traceback" not in err
