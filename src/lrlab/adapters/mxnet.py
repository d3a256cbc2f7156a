"""Any lrlab schedule driving an Apache MXNet Gluon ``Trainer``, exactly and without state.

How MXNet 1.9.1 calls a scheduler (``mxnet/optimizer/optimizer.py``): before each
update the optimizer counts it per weight and sets ``num_update`` to the largest
count over all weights, then asks ``lr_scheduler(num_update)`` for the rate. So a
Trainer's first update asks for ``num_update = 1``, and every weight of one
``trainer.step`` gets the same ``num_update``. ``trainer.learning_rate`` asks the
scheduler at the current ``num_update``: the rate the last update got (or, before any
update, ``num_update = 0``).

:class:`MXNetSchedule` maps that 1-based count to lrlab's 0-based step, so the first
update gets ``s(0)``, as in every other framework.

MXNet's own schedulers, called directly at ``num_update = t``, equal lrlab's schedules
written in MXNet's convention at step ``t``, to float64's last bits:
``FactorScheduler(step=k)`` is ``step(step_size=k, boundary="after")`` with ``min_lr``
its ``stop_factor_lr`` (1e-8 unless given), ``MultiFactorScheduler`` is
``multifactor(..., boundary="after")``, ``PolyScheduler`` (``pwr``) and
``CosineScheduler`` are ``poly`` (``power``) and ``cosine``, warmups included (see
``tests/adapters/test_mxnet_adapter.py``). Inside a Trainer, MXNet's own scheduler
gives the first update its value at ``num_update = 1``, that is ``s(1)``; the adapter
gives it ``s(0)``, one update behind MXNet's and in step with every other framework.

>>> from mxnet import gluon
>>> from lrlab.adapters.mxnet import MXNetSchedule
>>> net = gluon.nn.Dense(1)
>>> net.initialize()
>>> trainer = gluon.Trainer(net.collect_params(), "sgd",
...                         {"lr_scheduler": MXNetSchedule("cosine(max_update=4, base_lr=0.4)")})
>>> trainer.learning_rate                       # before any update: s(0)
0.4
"""

from __future__ import annotations

import mxnet as mx

from ..schedules import Schedule, parse

UNITS = ("step", "epoch")


class MXNetSchedule(mx.lr_scheduler.LRScheduler):
    """``scheduler(num_update) = s(t)`` with ``t`` the lrlab step of MXNet's 1-based count.

    - ``unit="step"``: ``t = num_update - 1``;
    - ``unit="epoch"`` (``steps_per_epoch`` required, the updates of one epoch):
      ``t = (num_update - 1) // steps_per_epoch``.

    ``num_update = 0`` (asked by ``trainer.learning_rate`` before any update) gives
    ``s(0)``. Calling it never changes it, unlike MXNet's Factor/MultiFactor/Poly/Cosine
    schedulers, so the same ``num_update`` always gives the same rate.

    ``base_lr`` is set to ``s(0)`` for show and otherwise ignored. Give the Trainer no
    ``learning_rate``: if you do, MXNet prints a warning and writes it into
    ``base_lr``, which changes nothing here; the schedule still decides every rate.

    >>> scheduler = MXNetSchedule("multifactor(1.0, steps=[2], factor=0.5)", unit="epoch", steps_per_epoch=3)
    >>> [scheduler(n) for n in range(1, 11)]
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5]
    """

    def __init__(self, schedule: Schedule | str, *, unit: str = "step", steps_per_epoch: int | None = None) -> None:
        if unit not in UNITS:
            raise ValueError(f"unit={unit!r} is invalid: must be one of {', '.join(UNITS)}")
        if unit == "epoch" and steps_per_epoch is None:
            raise ValueError("unit='epoch' needs steps_per_epoch: MXNet asks for a rate at every update")
        if steps_per_epoch is not None and (isinstance(steps_per_epoch, bool) or not isinstance(steps_per_epoch, int) or steps_per_epoch < 1):
            raise ValueError(f"steps_per_epoch={steps_per_epoch!r} is invalid: must be an integer >= 1")
        self.schedule = parse(schedule)
        self.unit = unit
        self.steps_per_epoch = steps_per_epoch
        super().__init__(base_lr=self.schedule(0))

    def step_of(self, num_update: int) -> int:
        """The lrlab step for MXNet's ``num_update``.

        >>> MXNetSchedule("constant(0.1)").step_of(1)
        0
        """
        update = max(int(num_update) - 1, 0)
        return update // self.steps_per_epoch if self.unit == "epoch" else update

    def __call__(self, num_update: int) -> float:
        return self.schedule(self.step_of(num_update))

    def __repr__(self) -> str:
        per_epoch = f", steps_per_epoch={self.steps_per_epoch}" if self.unit == "epoch" else ""
        return f"MXNetSchedule({self.schedule!r}, unit={self.unit!r}{per_epoch})"
