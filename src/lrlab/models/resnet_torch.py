"""He et al. (2016)'s CIFAR ResNet in PyTorch ("Deep Residual Learning for Image Recognition", section 4.2).

A 3x3 convolution with ``16 * width`` channels, then three stages of ``n`` basic blocks with
``16, 32, 64`` (times ``width``) channels, the first block of stages 2 and 3 halving the image;
a global average pool and one dense layer. ``depth = 6n + 2`` layers with weights: 20, 32, 44,
56, 110. A basic block is conv 3x3, BatchNorm, ReLU, conv 3x3, BatchNorm, plus the shortcut, ReLU.

Shortcuts are the paper's option A (its CIFAR choice): the identity, and where a block halves
the image and doubles the channels, the input subsampled (every second pixel) and padded with
zero channels, so a shortcut has no weights. Weights He-normal (``kaiming_normal_``, fan out,
as the paper's [13]), BatchNorm 1 and 0, the dense layer torch's default.

The global pool makes any image size work: Fashion-MNIST's 28 x 28 goes in as it is (28, 14, 7
pixels in the three stages) rather than padded to CIFAR's 32 x 32.

>>> import torch
>>> torch.manual_seed(0) and None
>>> net = resnet((1, 28, 28), 10)
>>> net(torch.zeros(2, 1, 28, 28)).shape, parameter_count(net)
(torch.Size([2, 10]), 269434)
>>> [parameter_count(resnet((3, 32, 32), 10, depth=depth)) for depth in (20, 56)]  # the paper's 0.27M, 0.85M
[269722, 853018]
>>> parameter_count(resnet((1, 28, 28), 10, width=2))
1073386
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .resnet import check_depth


def resnet(image_shape=(1, 28, 28), classes: int = 10, depth: int = 20, width: int = 1) -> ResNet:
    """A fresh CIFAR ResNet of ``depth`` layers, ``width`` times the paper's channels, for images of
    ``image_shape`` (channels first, any size); seed torch before calling."""
    problem = check_depth(depth)
    if problem:
        raise ValueError(f"depth={depth!r} is invalid: {problem}")
    return ResNet(image_shape[0], classes, blocks=(depth - 2) // 6, width=width)


def parameter_count(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


class BasicBlock(nn.Module):
    """conv 3x3 (stride ``stride``), BN, ReLU, conv 3x3, BN; plus the option-A shortcut; ReLU."""

    def __init__(self, channels_in: int, channels_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels_in, channels_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels_out)
        self.conv2 = nn.Conv2d(channels_out, channels_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels_out)
        self.stride, self.extra_channels = stride, channels_out - channels_in

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + self.shortcut(x))

    def shortcut(self, x: torch.Tensor) -> torch.Tensor:
        """Option A: the identity, subsampled by the stride and padded with zero channels."""
        if self.stride > 1:
            x = x[:, :, ::self.stride, ::self.stride]
        if self.extra_channels:
            half = self.extra_channels // 2
            x = F.pad(x, (0, 0, 0, 0, half, self.extra_channels - half))
        return x


class ResNet(nn.Module):
    """The network of :func:`resnet`: ``blocks`` basic blocks in each of three stages."""

    def __init__(self, channels: int, classes: int, blocks: int, width: int = 1) -> None:
        super().__init__()
        widths = [16 * width, 32 * width, 64 * width]
        self.stem = nn.Sequential(nn.Conv2d(channels, widths[0], 3, padding=1, bias=False),
                                  nn.BatchNorm2d(widths[0]), nn.ReLU())
        layers, channels_in = [], widths[0]
        for stage, channels_out in enumerate(widths):
            for block in range(blocks):
                layers.append(BasicBlock(channels_in, channels_out, stride=2 if stage and not block else 1))
                channels_in = channels_out
        self.stages = nn.Sequential(*layers)
        self.head = nn.Linear(widths[-1], classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.stages(self.stem(x))
        return self.head(y.mean((2, 3)))
