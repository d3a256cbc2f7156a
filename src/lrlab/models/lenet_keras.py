"""The chapter's LeNets as Keras 3 models (NHWC input of the data's shape, logits out), initialised as the torch backend's.

- ``"lenet"``: the chapter's modern LeNet: conv 6@5x5 ('same'), ReLU, max pool; conv
  16@5x5 ('valid'), ReLU, max pool; dense 120, 84, 10 with ReLU between. Glorot-uniform
  weights (the book's ``init_cnn``) and torch's default biases, uniform in
  ``+-1/sqrt(fan_in)``.
- ``"lenet-d2l-tf"``: the book's TensorFlow variant: average pooling, a sigmoid on the
  84 layer, Keras's defaults (Glorot-uniform weights, zero biases).

``init="default"`` gives both Keras's defaults (as the book's Keras code has them).

>>> model = lenet((1, 28, 28), 10)                               # doctest: +SKIP
>>> model(np.zeros((2, 28, 28, 1), np.float32)).shape, model.count_params()  # doctest: +SKIP
(TensorShape([2, 10]), 61706)
"""

from __future__ import annotations

import keras
from keras import layers



def lenet(image_shape=(1, 28, 28), classes: int = 10, init: str = "xavier") -> keras.Sequential:
    """The chapter's LeNet; its initial weights come from Keras's global seed."""
    return _lenet(layers.MaxPool2D, "relu", torch_biases=init == "xavier", classes=classes, image_shape=image_shape)


def lenet_d2l_tf(image_shape=(1, 28, 28), classes: int = 10, init: str = "xavier") -> keras.Sequential:
    """The book's TensorFlow LeNet (Keras's defaults whatever ``init``); its initial weights come from
    Keras's global seed."""
    return _lenet(layers.AvgPool2D, "sigmoid", torch_biases=False, classes=classes, image_shape=image_shape)


def _lenet(pool, hidden: str, torch_biases: bool, classes: int, image_shape) -> keras.Sequential:
    channels, height, width = image_shape
    flat = 16 * ((height // 2 - 4) // 2) * ((width // 2 - 4) // 2)  # what the two poolings leave
    def bias(fan_in: int):
        bound = fan_in ** -0.5
        return keras.initializers.RandomUniform(-bound, bound) if torch_biases else "zeros"

    return keras.Sequential([
        keras.Input((height, width, channels)),
        layers.Conv2D(6, 5, padding="same", activation="relu", bias_initializer=bias(channels * 5 * 5)),
        pool(2, strides=2),
        layers.Conv2D(16, 5, activation="relu", bias_initializer=bias(6 * 5 * 5)),
        pool(2, strides=2),
        layers.Flatten(),
        layers.Dense(120, activation="relu", bias_initializer=bias(flat)),
        layers.Dense(84, activation=hidden, bias_initializer=bias(120)),
        layers.Dense(classes, bias_initializer=bias(84)),
    ])
