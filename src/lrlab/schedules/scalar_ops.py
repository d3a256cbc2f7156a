"""The array namespace for plain Python floats.

Every schedule writes its formula once against an array namespace ``xp``
(``xp.cos``, ``xp.where``, ``xp.minimum``, ...). This module is that namespace for a
single Python float, so that ``s(step)`` needs only the standard library and is
exact in float64; numpy, ``jax.numpy`` and ``tf.experimental.numpy`` serve as
``xp`` for vectors and compiled steps.
"""

import math

pi = math.pi
cos = math.cos
sqrt = math.sqrt
log = math.log
exp = math.exp
floor = math.floor
ceil = math.ceil


def minimum(a, b):
    return a if a <= b else b


def maximum(a, b):
    return a if a >= b else b


def where(condition, a, b):
    return a if condition else b


def power(base, exponent):
    return math.pow(base, exponent)


def abs(x):  # noqa: A001 - mirrors numpy's name
    return -x if x < 0 else x
