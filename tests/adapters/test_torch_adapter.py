"""The torch adapter: the optimizer holds exactly float(s(t)) on both clocks, and resumes exactly."""

import pytest

torch = pytest.importorskip("torch")

from lrlab.adapters.torch import ScheduleLR  # noqa: E402
from lrlab.schedules import parse  # noqa: E402

SPECS = [
    "constant(0.3)",
    "power(base_lr=0.1, beta=0.5)",
    "multifactor(base_lr=0.5, steps=[15, 30], factor=0.5, boundary='after')",
    "cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5)",
    "join([linear(0.0, 0.3, 5), cosine(15, 0.3, 0.01)], boundaries=[5])",
]


def sgd(groups=1):
    return torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)]} for _ in range(groups)], lr=123.0)


def per_update_rates(driver, updates, after_update):
    """The rate of every param group at each update, as an optimizer step would see it."""
    rates = []
    for update in range(updates):
        rates.append(driver.get_last_lr())
        driver.optimizer.step()
        after_update(update)
    return rates


@pytest.mark.parametrize("spec", SPECS)
def test_step_clock_holds_s_of_t_bitwise(spec):
    schedule = parse(spec)
    driver = ScheduleLR(sgd(), schedule)
    rates = per_update_rates(driver, 40, lambda _: driver.step())
    assert rates == [[schedule(t)] for t in range(40)]


@pytest.mark.parametrize("spec", SPECS)
def test_epoch_clock_per_epoch_and_per_update_agree(spec):
    schedule, per_epoch = parse(spec), 7
    by_epoch = ScheduleLR(sgd(), schedule, unit="epoch")
    by_update = ScheduleLR(sgd(), schedule, unit="epoch", steps_per_epoch=per_epoch)
    expected = [[schedule(t // per_epoch)] for t in range(35 * per_epoch)]

    def end_of_update(update):
        if (update + 1) % per_epoch == 0:
            by_epoch.step_epoch()

    assert per_update_rates(by_epoch, len(expected), end_of_update) == expected
    assert per_update_rates(by_update, len(expected), lambda _: by_update.step()) == expected
    assert by_epoch.last_step == by_update.last_step == 35


def test_initial_rate_is_set_on_construction():
    optimizer = sgd()
    ScheduleLR(optimizer, "cosine(max_update=20, base_lr=0.3, warmup_steps=5, warmup_begin_lr=0.01)")
    assert optimizer.param_groups[0]["lr"] == 0.01


def test_scale_per_group():
    optimizer = sgd(groups=2)
    driver = ScheduleLR(optimizer, "constant(0.3)", scale=[1.0, 0.1])
    assert driver.get_last_lr() == [0.3, 0.3 * 0.1]
    with pytest.raises(ValueError, match="2 param groups"):
        ScheduleLR(optimizer, "constant(0.3)", scale=[1.0])


@pytest.mark.parametrize("unit, steps_per_epoch", [("step", None), ("epoch", None), ("epoch", 7)])
def test_resume_continues_the_same_sequence(unit, steps_per_epoch):
    spec = "cosine(max_update=30, base_lr=0.3, final_lr=0.01, warmup_steps=5)"

    def tick(driver):
        driver.step() if driver.counts_updates else driver.step_epoch()

    def run(driver, n):
        rates = []
        for _ in range(n):
            rates.append(driver.get_last_lr()[0])
            tick(driver)
        return rates

    def make():
        return ScheduleLR(sgd(), spec, unit=unit, steps_per_epoch=steps_per_epoch)

    straight = run(make(), 50)
    first = make()
    head = run(first, 20)
    resumed = make()
    resumed.load_state_dict(first.state_dict())
    assert resumed.get_last_lr() == first.get_last_lr()
    assert head + run(resumed, 30) == straight


def test_refuses_a_state_from_another_schedule_or_clock():
    state = ScheduleLR(sgd(), "constant(0.3)").state_dict()
    with pytest.raises(ValueError, match="schedule='constant\\(base_lr=0.3\\)'"):
        ScheduleLR(sgd(), "constant(0.1)").load_state_dict(state)
    with pytest.raises(ValueError, match="unit="):
        ScheduleLR(sgd(), "constant(0.3)", unit="epoch").load_state_dict(state)


def test_the_wrong_tick_for_the_clock_is_refused():
    with pytest.raises(RuntimeError, match="call step_epoch"):
        ScheduleLR(sgd(), "constant(0.3)", unit="epoch").step()
    with pytest.raises(RuntimeError, match="call step\\(\\) after each update"):
        ScheduleLR(sgd(), "constant(0.3)").step_epoch()
    with pytest.raises(ValueError, match="unit="):
        ScheduleLR(sgd(), "constant(0.3)", unit="epochs")


def test_state_dict_survives_torch_save_with_weights_only(tmp_path):
    driver = ScheduleLR(sgd(), "constant(0.3)")
    driver.step()
    torch.save(driver.state_dict(), tmp_path / "s.pt")
    assert torch.load(tmp_path / "s.pt", weights_only=True) == driver.state_dict()
