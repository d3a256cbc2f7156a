"""The seed chapter's LeNets in Apache MXNet Gluon, built and initialised as the torch backend's.

``lenet`` is the chapter's modern LeNet (ReLU, max pooling): Xavier-uniform weights
(MXNet's ``Xavier()`` is torch's ``xavier_uniform_``) and torch's default biases,
uniform in ``+-1/sqrt(fan_in)``. ``lenet-d2l-tf`` is the book's TensorFlow variant
(average pooling, a sigmoid on the 84 layer) with Xavier-uniform weights and zero
biases, as Keras would. With ``init="default"`` both get MXNet's own initialisation:
``initialize()``'s ``Uniform(0.07)`` weights and Gluon's zero biases. Seed ``mx.random``
before building.

>>> import mxnet as mx
>>> net = lenet()
>>> net(mx.nd.zeros((2, 1, 28, 28))).shape, sum(p.data().size for p in net.collect_params().values())
((2, 10), 61706)
"""

from __future__ import annotations

import math

import mxnet as mx
from mxnet.gluon import nn


def lenet(image_shape=(1, 28, 28), classes: int = 10, init: str = "xavier") -> nn.HybridSequential:
    """The chapter's LeNet, initialised, not yet hybridized."""
    return _lenet(tf_variant=False, classes=classes, init=init, image_shape=image_shape)


def lenet_d2l_tf(image_shape=(1, 28, 28), classes: int = 10, init: str = "xavier") -> nn.HybridSequential:
    """The book's TensorFlow LeNet, initialised, not yet hybridized."""
    return _lenet(tf_variant=True, classes=classes, init=init, image_shape=image_shape)


def _lenet(tf_variant: bool, classes: int, init: str, image_shape=(1, 28, 28)) -> nn.HybridSequential:
    channels, height, width = image_shape
    flat = 16 * ((height // 2 - 4) // 2) * ((width // 2 - 4) // 2)
    pool = nn.AvgPool2D if tf_variant else nn.MaxPool2D
    bias = _zero if tf_variant or init == "default" else _torch_default_bias
    net = nn.HybridSequential()
    net.add(
        nn.Conv2D(6, kernel_size=5, padding=2, in_channels=channels, activation="relu",
                  bias_initializer=bias(channels * 25)),
        pool(pool_size=2, strides=2),
        nn.Conv2D(16, kernel_size=5, in_channels=6, activation="relu", bias_initializer=bias(6 * 25)),
        pool(pool_size=2, strides=2),
        nn.Dense(120, in_units=flat, activation="relu", bias_initializer=bias(flat)),
        nn.Dense(84, in_units=120, activation="sigmoid" if tf_variant else "relu", bias_initializer=bias(120)),
        nn.Dense(classes, in_units=84, bias_initializer=bias(84)),
    )
    if init == "xavier":
        net.initialize(mx.init.Xavier())
    else:
        net.initialize()  # MXNet's default: Uniform(0.07)
    return net


def _torch_default_bias(fan_in: int) -> mx.init.Initializer:
    return mx.init.Uniform(1 / math.sqrt(fan_in))


def _zero(fan_in: int) -> mx.init.Initializer:
    return mx.init.Zero()
