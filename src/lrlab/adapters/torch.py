"""Any lrlab schedule driving a PyTorch optimizer's learning rate, exactly.

The rate is set from ``s(step)`` (a Python float, computed in closed form), never
multiplied into the previous rate, so it cannot drift and a resumed run gets the
same floats as an uninterrupted one.

>>> import torch
>>> from lrlab.adapters.torch import ScheduleLR
>>> optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
>>> driver = ScheduleLR(optimizer, "cosine(max_update=4, base_lr=0.4)")
>>> rates = []
>>> for update in range(5):
...     rates.append(optimizer.param_groups[0]["lr"])  # optimizer.step() would go here
...     driver.step()
>>> [round(r, 3) for r in rates]
[0.4, 0.341, 0.2, 0.059, 0.0]
"""

from __future__ import annotations

from typing import Any, Sequence

from ..schedules import Schedule, parse

UNITS = ("step", "epoch")


class ScheduleLR:
    """Sets every param group's ``lr`` to ``scale * s(t)``, ``t`` counted on the chosen clock.

    Named like torch's own ``StepLR``/``LambdaLR``, but standalone: torch's
    ``LRScheduler`` base recomputes rates from the previous ones, which is what this
    class exists to avoid.

    The caller says which event advances the clock, and the adapter refuses the other:

    - ``unit="step"``: ``t`` counts updates; call :meth:`step` after each update.
    - ``unit="epoch"``: ``t`` counts epochs; call :meth:`step_epoch` after each epoch,
      or give ``steps_per_epoch`` and call :meth:`step` after each update (then
      ``t = updates // steps_per_epoch``).

    ``scale`` multiplies the rate per param group (one number for all, or one per
    group); without it the optimizer holds ``float(s(t))`` itself. The rate for
    ``t = 0`` is set on construction.

    >>> import torch
    >>> optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    >>> driver = ScheduleLR(optimizer, "multifactor(1.0, steps=[2], factor=0.5)",
    ...                     unit="epoch", steps_per_epoch=3)
    >>> for update in range(7):
    ...     driver.step()
    >>> driver.last_step, driver.get_last_lr()
    (2, [0.5])
    """

    def __init__(
        self,
        optimizer: Any,
        schedule: Schedule | str,
        *,
        unit: str = "step",
        steps_per_epoch: int | None = None,
        scale: float | Sequence[float] | None = None,
    ) -> None:
        if unit not in UNITS:
            raise ValueError(f"unit={unit!r} is invalid: must be one of {', '.join(UNITS)}")
        if steps_per_epoch is not None and (type(steps_per_epoch) is not int or steps_per_epoch < 1):
            raise ValueError(f"steps_per_epoch={steps_per_epoch!r} is invalid: must be an integer >= 1")
        self.optimizer = optimizer
        self.schedule = parse(schedule)
        self.unit = unit
        self.steps_per_epoch = steps_per_epoch
        self.scales = _scales(scale, len(optimizer.param_groups))
        self.ticks = 0
        self._apply()

    @property
    def counts_updates(self) -> bool:
        """True when :meth:`step` (after each update) is the call that advances the clock."""
        return self.unit == "step" or self.steps_per_epoch is not None

    @property
    def last_step(self) -> int:
        """The schedule step whose rate the optimizer holds now."""
        if self.unit == "epoch" and self.steps_per_epoch is not None:
            return self.ticks // self.steps_per_epoch
        return self.ticks

    def step(self) -> None:
        """One update is done: advance the clock and set the next update's rate."""
        if not self.counts_updates:
            raise RuntimeError(
                "this ScheduleLR counts epochs (unit='epoch'): call step_epoch() after each epoch, "
                "or pass steps_per_epoch=N to call step() after each update"
            )
        self.ticks += 1
        self._apply()

    def step_epoch(self) -> None:
        """One epoch is done: advance the clock and set the next epoch's rate."""
        if self.counts_updates:
            clock = "unit='step'" if self.unit == "step" else f"steps_per_epoch={self.steps_per_epoch}"
            raise RuntimeError(f"this ScheduleLR counts updates ({clock}): call step() after each update")
        self.ticks += 1
        self._apply()

    def get_last_lr(self) -> list[float]:
        """The rates the param groups hold now (as torch's schedulers)."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """The clock and what it means: enough to resume the exact same rates."""
        return {"schedule": repr(self.schedule), "unit": self.unit,
                "steps_per_epoch": self.steps_per_epoch, "ticks": self.ticks}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from ``state``; refuse one written for another schedule or clock."""
        mine = self.state_dict()
        for key in ("schedule", "unit", "steps_per_epoch"):
            if state.get(key) != mine[key]:
                raise ValueError(
                    f"cannot resume: the saved state has {key}={state.get(key)!r}, "
                    f"this ScheduleLR has {key}={mine[key]!r}"
                )
        self.ticks = int(state["ticks"])
        self._apply()

    def _apply(self) -> None:
        rate = self.schedule(self.last_step)
        for group, scale in zip(self.optimizer.param_groups, self.scales):
            group["lr"] = rate if scale is None else rate * scale

    def __repr__(self) -> str:
        return f"ScheduleLR({self.schedule!r}, unit={self.unit!r}, last_step={self.last_step})"


def _scales(scale: float | Sequence[float] | None, groups: int) -> list[float | None]:
    if scale is None or isinstance(scale, (int, float)):
        return [scale] * groups
    scales = [float(s) for s in scale]
    if len(scales) != groups:
        raise ValueError(f"scale has {len(scales)} values but the optimizer has {groups} param groups")
    return scales
