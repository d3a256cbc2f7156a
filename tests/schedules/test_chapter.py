"""The seed chapter's (d2l 12.11) sequences, against literal copies of its stateful classes.

The book's schedulers are called in order, as its training loops do; some of them mutate
themselves when called (the bug lrlab's pure schedules remove), so each test builds a fresh one.
"""

import math

import pytest

from lrlab.schedules import parse


class SquareRootScheduler:  # d2l 12.11, verbatim
    def __init__(self, lr=0.1):
        self.lr = lr

    def __call__(self, num_update):
        return self.lr * pow(num_update + 1.0, -0.5)


class FactorScheduler:  # d2l 12.11, verbatim
    def __init__(self, factor=1, stop_factor_lr=1e-7, base_lr=0.1):
        self.factor = factor
        self.stop_factor_lr = stop_factor_lr
        self.base_lr = base_lr

    def __call__(self, num_update):
        self.base_lr = max(self.stop_factor_lr, self.base_lr * self.factor)
        return self.base_lr


class CosineScheduler:  # d2l 12.11, verbatim
    def __init__(self, max_update, base_lr=0.01, final_lr=0,
               warmup_steps=0, warmup_begin_lr=0):
        self.base_lr_orig = base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.warmup_steps = warmup_steps
        self.warmup_begin_lr = warmup_begin_lr
        self.max_steps = self.max_update - self.warmup_steps

    def get_warmup_lr(self, epoch):
        increase = (self.base_lr_orig - self.warmup_begin_lr) \
                       * float(epoch) / float(self.warmup_steps)
        return self.warmup_begin_lr + increase

    def __call__(self, epoch):
        if epoch < self.warmup_steps:
            return self.get_warmup_lr(epoch)
        if epoch <= self.max_update:
            self.base_lr = self.final_lr + (
                self.base_lr_orig - self.final_lr) * (1 + math.cos(
                math.pi * (epoch - self.warmup_steps) / self.max_steps)) / 2
        return self.base_lr


class MXNetMultiFactorScheduler:  # mxnet.lr_scheduler.MultiFactorScheduler's __call__, no warmup
    def __init__(self, step, factor=1, base_lr=0.01):
        self.step = step
        self.cur_step_ind = 0
        self.factor = factor
        self.base_lr = base_lr
        self.count = 0

    def __call__(self, num_update):
        while self.cur_step_ind <= len(self.step) - 1:
            if num_update > self.step[self.cur_step_ind]:
                self.count = self.step[self.cur_step_ind]
                self.cur_step_ind += 1
                self.base_lr *= self.factor
            else:
                return self.base_lr
        return self.base_lr


class MXNetPolyScheduler:  # mxnet.lr_scheduler.PolyScheduler with LRScheduler's warmup, literally
    def __init__(self, max_update, base_lr=0.01, pwr=2, final_lr=0,
                 warmup_steps=0, warmup_begin_lr=0, warmup_mode='linear'):
        self.base_lr = base_lr
        self.warmup_steps = warmup_steps
        self.warmup_final_lr = base_lr
        self.warmup_begin_lr = warmup_begin_lr
        self.warmup_mode = warmup_mode
        self.power = pwr
        self.base_lr_orig = self.base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.max_steps = self.max_update - self.warmup_steps

    def get_warmup_lr(self, num_update):
        if self.warmup_mode == 'linear':
            increase = (self.warmup_final_lr - self.warmup_begin_lr) \
                       * float(num_update) / float(self.warmup_steps)
            return self.warmup_begin_lr + increase
        return self.warmup_begin_lr

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        if num_update <= self.max_update:
            self.base_lr = self.final_lr + (self.base_lr_orig - self.final_lr) * \
                pow(1 - float(num_update - self.warmup_steps) / float(self.max_steps), self.power)
        return self.base_lr


def in_order(scheduler, steps):
    return [scheduler(t) for t in range(steps)]


# Our formulas group the same operations differently in places (pi * ((t - w) / T) against
# (pi * (t - w)) / T), so "exactly" means to a few roundings: rel 1e-12.
EXACT = dict(rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("warmup", [0, 5])
def test_cosine(warmup):
    book = CosineScheduler(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=warmup)
    ours = parse(f"cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps={warmup})")
    assert in_order(ours, 31) == pytest.approx(in_order(book, 31), **EXACT)


def test_factor():
    # The book's scheduler multiplies its state each call; ours is base_lr * factor ** (t + 1).
    book = FactorScheduler(factor=0.9, stop_factor_lr=1e-2, base_lr=2.0)
    ours = parse("factor(base_lr=2.0, factor=0.9, min_lr=0.01)")
    assert in_order(ours, 50) == pytest.approx(in_order(book, 50), rel=1e-12)


def test_factor_is_pure_where_the_book_mutates():
    book = FactorScheduler(factor=0.9, stop_factor_lr=1e-2, base_lr=2.0)
    ours = parse("factor(base_lr=2.0, factor=0.9, min_lr=0.01)")
    assert book(0) != book(0)
    assert ours(0) == ours(0) == 1.8


def test_square_root():
    ours = parse("power(base_lr=0.1, beta=0.5)")
    assert in_order(ours, 50) == pytest.approx(in_order(SquareRootScheduler(lr=0.1), 50), **EXACT)


def test_multifactor_mxnet_convention():
    ours = parse("multifactor(base_lr=0.5, steps=[15, 30], factor=0.5, boundary='after')")
    expected = [0.5] * 16 + [0.25] * 15 + [0.125] * 9
    assert in_order(ours, 40) == expected
    assert in_order(MXNetMultiFactorScheduler(step=[15, 30], factor=0.5, base_lr=0.5), 40) == expected


def test_multifactor_torch_convention_is_one_step_earlier():
    ours = parse("multifactor(base_lr=0.5, steps=[15, 30], factor=0.5)")
    assert in_order(ours, 40) == [0.5] * 15 + [0.25] * 15 + [0.125] * 10


@pytest.mark.parametrize("kwargs", [
    dict(max_update=30, base_lr=0.5, pwr=2, final_lr=0.01),
    dict(max_update=30, base_lr=0.5, pwr=2, final_lr=0.01, warmup_steps=5, warmup_begin_lr=0.1),
    dict(max_update=20, base_lr=0.3, pwr=0.5, warmup_steps=4, warmup_mode='constant'),
])
def test_mxnet_poly(kwargs):
    book = MXNetPolyScheduler(**kwargs)
    ours = parse("poly(max_update={max_update}, base_lr={base_lr}, power={pwr}, final_lr={final_lr},"
                 " warmup_steps={warmup_steps}, warmup_begin_lr={warmup_begin_lr},"
                 " warmup_mode={warmup_mode!r})".format(
                     **{"final_lr": 0.0, "warmup_steps": 0, "warmup_begin_lr": 0.0, "warmup_mode": "linear", **kwargs}))
    assert in_order(ours, 45) == pytest.approx(in_order(book, 45), **EXACT)
