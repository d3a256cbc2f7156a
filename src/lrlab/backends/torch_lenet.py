"""The seed chapter's LeNets in PyTorch.

``lenet`` is the chapter's modern LeNet (ReLU, max pooling), initialised as the
book's ``init_cnn``: Xavier-uniform weights for every convolution and dense
layer, torch's default biases. ``lenet-d2l-tf`` is the book's TensorFlow variant
(average pooling, a sigmoid on the 84 layer), initialised as Keras would: Xavier-
uniform weights and zero biases.

>>> import torch
>>> net = build_lenet("lenet")
>>> net(torch.zeros(2, 1, 28, 28)).shape, sum(p.numel() for p in net.parameters())
(torch.Size([2, 10]), 61706)
"""

from __future__ import annotations

from torch import nn


def build_lenet(model: str = "lenet") -> nn.Sequential:
    """A fresh LeNet for 1x28x28 inputs and 10 classes; seed torch before calling."""
    tf_variant = model == "lenet-d2l-tf"
    pool = nn.AvgPool2d if tf_variant else nn.MaxPool2d
    net = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(), pool(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), pool(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.Sigmoid() if tf_variant else nn.ReLU(),
        nn.Linear(84, 10),
    )
    for layer in net:
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(layer.weight)
            if tf_variant:
                nn.init.zeros_(layer.bias)
    return net
