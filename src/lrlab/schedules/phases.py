"""Pieces that several formulas share: a warmup ramp, a decay's progress, boundaries passed, an anneal."""

from __future__ import annotations

from typing import Any, Sequence

BOUNDARIES = ("at", "after")
"""How a rate change at boundary ``k`` is counted.

- ``"at"``: the new value applies from step ``k`` (torch MultiStepLR/StepLR, optax, Keras's
  staircase ExponentialDecay);
- ``"after"``: the new value applies from step ``k + 1`` (MXNet's Factor/MultiFactor
  schedulers, Keras's PiecewiseConstantDecay).
"""

WARMUP_MODES = ("linear", "constant")


def warmup_ramp(t: Any, steps: int, begin: float, end: float, mode: str, xp: Any) -> Any:
    """The warmup value at step ``t < steps``: ``begin + (end - begin) * t / steps`` (linear)
    or ``begin`` (constant), as MXNet's schedulers and the chapter define it."""
    if mode == "constant":
        return begin + 0.0 * t
    return begin + (end - begin) * t / max(steps, 1)


def progress(t: Any, start: int, length: int, xp: Any) -> Any:
    """How far ``t`` is through ``[start, start + length]``, clipped to ``[0, 1]``."""
    return xp.minimum(xp.maximum(t - start, 0.0), float(length)) / max(length, 1)


def crossed(t: Any, boundary_step: float, boundary: str) -> Any:
    """Whether step ``t`` has passed ``boundary_step`` under the ``boundary`` convention."""
    return (t >= boundary_step) if boundary == "at" else (t > boundary_step)


def passed(t: Any, boundaries: Sequence[int], boundary: str, xp: Any) -> Any:
    """How many ``boundaries`` step ``t`` has passed under the ``boundary`` convention."""
    count = 0.0 * t
    for b in boundaries:
        count = count + xp.where(crossed(t, b, boundary), 1.0, 0.0)
    return count


def anneal(start: float, end: float, p: Any, shape: str, xp: Any) -> Any:
    """From ``start`` at ``p = 0`` to ``end`` at ``p = 1`` along ``shape``:

    - ``"linear"``: ``(end - start) * p + start``;
    - ``"cosine"`` (torch's ``"cos"``): ``end + (start - end) / 2 * (cos(pi * p) + 1)``;
    - ``"1-sqrt"``: ``end + (start - end) * (1 - sqrt(p))``.

    The linear and cosine forms are torch ``OneCycleLR``'s, operation for operation, so
    that :class:`~lrlab.schedules.onecycle.OneCycle` reproduces it to the last bit.
    """
    if shape == "linear":
        return (end - start) * p + start
    if shape in ("cos", "cosine"):
        return end + (start - end) / 2.0 * (xp.cos(xp.pi * p) + 1)
    return end + (start - end) * (1 - xp.sqrt(p))
