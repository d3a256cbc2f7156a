"""Any lrlab schedule as an optax schedule, usable under ``jax.jit``.

optax calls a schedule with the update count (0 for the first update) as a traced
integer. The schedule's formula is written against an array namespace, so here it is
evaluated with ``jax.numpy`` in jax's default float type: float32, or float64 when
``jax_enable_x64`` is on. Values match ``s(step)`` to that float type's rounding.

>>> import optax                                              # doctest: +SKIP
>>> from lrlab.schedules import parse
>>> from lrlab.adapters.optax import to_optax
>>> schedule = parse("cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5)")
>>> optimizer = optax.sgd(learning_rate=to_optax(schedule))  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Callable

import jax.numpy as jnp

from ..schedules import Schedule, parse


def to_optax(schedule: Schedule | str) -> Callable:
    """An optax schedule (``count -> learning rate``) computing ``schedule`` in closed form."""
    schedule = parse(schedule)

    def optax_schedule(count):
        step = jnp.asarray(count).astype(jnp.result_type(float))
        return jnp.asarray(schedule.value(step, jnp), dtype=step.dtype)

    optax_schedule.lrlab_schedule = schedule
    return optax_schedule
