"""Pieces that several formulas share: a warmup ramp, a decay's progress, boundaries passed."""

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


def passed(t: Any, boundaries: Sequence[int], boundary: str, xp: Any) -> Any:
    """How many ``boundaries`` step ``t`` has passed under the ``boundary`` convention."""
    count = 0.0 * t
    for b in boundaries:
        crossed = (t >= b) if boundary == "at" else (t > b)
        count = count + xp.where(crossed, 1.0, 0.0)
    return count
