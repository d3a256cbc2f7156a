"""The seed chapter's LeNets in PyTorch, and a faster way to run them.

``lenet`` is the chapter's modern LeNet (ReLU, max pooling), initialised as the
book's ``init_cnn``: Xavier-uniform weights for every convolution and dense
layer, torch's default biases. ``lenet-d2l-tf`` is the book's TensorFlow variant
(average pooling, a sigmoid on the 84 layer), initialised as Keras would: Xavier-
uniform weights and zero biases. With ``init="default"`` both keep torch's own
initialisation (the chapter's ``net_fn``): weights and biases uniform in
+-1/sqrt(fan_in).

:func:`forward` computes what ``net(x)`` computes (to float rounding), from the
same parameters, in fewer and cheaper steps on a CPU:

- the first convolution runs on the image split into its four 2x2 phases
  (pixel (2i + p, 2j + q) goes to phase 2p + q of a 14 x 14 image), as a 3 x 3
  convolution with 24 = 6 x 4 outputs, one per channel and phase; so the 2 x 2
  pooling after it is an elementwise maximum of four contiguous blocks, not a
  strided window (torch's max_pool2d and its backward took about a fifth of a step here);
- that convolution is one matrix product over 3 x 3 neighbourhoods (:class:`PhaseConv`),
  with the batch along the columns: its gradient needs no channels_last copy, which
  took ~10% of a bfloat16 step here;
- ReLU comes after each pooling (max and ReLU commute), on a quarter of the values;
- the second pooling runs on channels_last, where torch's kernel is 5x faster here;
- the second convolution's backward uses oneDNN's faster layout for each gradient (:class:`Conv2d`).

Gradients match ``net``'s to float rounding; like max_pool2d's, they go to the first
maximum of a window when several are equal (blank image rows make many such ties):

>>> import torch
>>> net = build_lenet("lenet")
>>> net(torch.zeros(2, 1, 28, 28)).shape, sum(p.numel() for p in net.parameters())
(torch.Size([2, 10]), 61706)
>>> for model in ("lenet", "lenet-d2l-tf"):
...     net = build_lenet(model).double()
...     x = torch.rand(4, 1, 28, 28, dtype=torch.float64)
...     x[:, :, :8] = 0
...     slow, fast = net(x), forward(net, x)
...     grads = [torch.autograd.grad(y.square().sum(), list(net.parameters())) for y in (slow, fast)]
...     print(model, torch.allclose(fast, slow, rtol=0, atol=1e-12),
...           all(torch.allclose(a, b, rtol=0, atol=1e-10) for a, b in zip(*grads)))
lenet True True
lenet-d2l-tf True True
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


FAST_SHAPE = (1, 28, 28)
"""The only input :func:`forward` computes: other shapes get a plain ``nn.Sequential``."""


def lenet(image_shape=FAST_SHAPE, classes: int = 10, init: str = "xavier") -> nn.Sequential:
    """The chapter's LeNet (the model registry's torch builder); seed torch before calling."""
    return build_lenet("lenet", classes, init, image_shape)


def lenet_d2l_tf(image_shape=FAST_SHAPE, classes: int = 10, init: str = "xavier") -> nn.Sequential:
    """The book's TensorFlow LeNet (the model registry's torch builder); seed torch before calling."""
    return build_lenet("lenet-d2l-tf", classes, init, image_shape)


class LeNet(nn.Sequential):
    """The layers of a LeNet for 1x28x28 images from :func:`build_lenet`, in order; a backend that
    sees one may run it through :func:`forward` (the same numbers, faster on a CPU)."""


def build_lenet(model: str = "lenet", classes: int = 10, init: str = "xavier",
                image_shape: tuple[int, int, int] = FAST_SHAPE) -> nn.Sequential:
    """A fresh LeNet for images of ``image_shape`` (channels, height, width; a :class:`LeNet` for
    1x28x28, a plain ``nn.Sequential`` of the same layers otherwise), initialised as ``init``
    (``"xavier"`` or torch's ``"default"``); seed torch before calling.

    >>> build_lenet(image_shape=(3, 32, 32))(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 10])

    >>> torch.manual_seed(0) and None
    >>> bound = 1 / (16 * 5 * 5) ** 0.5                      # torch's default for the 400 -> 120 layer
    >>> dense = [build_lenet(init=init)[7].weight.detach() for init in ("default", "xavier")]
    >>> [round(float(weight.abs().max()) / bound, 2) for weight in dense]
    [1.0, 2.15]
    """
    tf_variant = model == "lenet-d2l-tf"
    pool = nn.AvgPool2d if tf_variant else nn.MaxPool2d
    channels, height, width = image_shape
    net = (LeNet if tuple(image_shape) == FAST_SHAPE else nn.Sequential)(
        nn.Conv2d(channels, 6, kernel_size=5, padding=2), nn.ReLU(), pool(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), pool(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * ((height // 2 - 4) // 2) * ((width // 2 - 4) // 2), 120), nn.ReLU(),
        nn.Linear(120, 84), nn.Sigmoid() if tf_variant else nn.ReLU(),
        nn.Linear(84, classes),
    )
    if init == "default":
        return net
    if init != "xavier":
        raise ValueError(f"init={init!r} is invalid: must be xavier or default")
    for layer in net:
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(layer.weight)
            if tf_variant:
                nn.init.zeros_(layer.bias)
    return net


def forward(net: nn.Sequential, x: torch.Tensor, conv_dtype: torch.dtype | None = None) -> torch.Tensor:
    """``net(x)`` for a network from :func:`build_lenet`, computed as the module docstring says;
    with ``conv_dtype=torch.bfloat16`` the convolutions and the first dense layer (97% of the
    multiply-adds) multiply in bfloat16 (exact maxima and ReLUs stay in it between them)."""
    conv_dtype = conv_dtype or x.dtype
    conv1, _, pool1, conv2, _, _, _, dense1, _, dense2, act2, dense3 = net
    n = len(x)
    phases = PhaseConv.apply(phase_patches(x, conv_dtype), conv1.weight, conv1.bias).view(6, 4, n * 196)
    if isinstance(pool1, nn.MaxPool2d):
        pooled = PhaseMaxReLU.apply(phases)
    else:
        pooled = F.relu(phases).mean(1)
    y = Conv2d.apply(pooled.view(6, n, 14, 14).transpose(0, 1), conv2.weight, conv2.bias, 0, conv_dtype)
    if isinstance(pool1, nn.MaxPool2d):
        y = F.relu(F.max_pool2d(y.contiguous(memory_format=torch.channels_last), 2))
    else:
        y = F.avg_pool2d(F.relu(y.to(x.dtype)), 2)
    y = F.relu(F.linear(y.flatten(1).to(conv_dtype), dense1.weight.to(conv_dtype), dense1.bias.to(conv_dtype)))
    y = y.to(x.dtype)
    return dense3(act2(dense2(y)))


def phase_patches(x: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """(n, 1, 28, 28) -> (37, n * 196): at column (k, i, j), the 3 x 3 neighbourhood of (i, j)
    in each of image k's four 2 x 2 phases (pixel (2i + p, 2j + q) in phase 2p + q), zero-padded,
    then a 1 (for the bias).

    Rows are (phase, a, b) for the neighbour (i + a - 1, j + b - 1); images lie along the
    columns, so every copy here moves rows of 14 contiguous values (permuted copies with a
    short inner dimension, as channels_last's, were 5-10x slower here).
    """
    n, _, h, w = x.shape
    h, w = h // 2, w // 2
    phases = x.view(n, h, 2, w, 2).permute(2, 4, 0, 1, 3).reshape(4, n, h, w)
    padded = F.pad(phases.to(dtype), (1, 1, 1, 1))
    patches = padded.new_empty(37, n * h * w)
    neighbours = patches[:36].view(4, 3, 3, n, h, w)
    for a in range(3):  # 9 copies: one as_strided copy of all was 3x slower here
        for b in range(3):
            neighbours[:, a, b] = padded[:, :, a:a + h, b:b + w]
    patches[36] = 1
    return patches


def _phase_taps() -> torch.Tensor:
    """The 0/1 matrix T with ``conv1.weight.view(6, 25) @ T`` = the phase convolution's weights.

    Output (c, p, q) at (i, j) sums input phase (r, s) at (i + a - 1, j + b - 1) times
    the 5 x 5 tap (u, v) = (2a + r - p, 2b + s - q), where that tap exists.
    """
    p, q, r, s, a, b = np.meshgrid(*[range(2)] * 4, range(3), range(3), indexing="ij")
    u, v = 2 * a + r - p, 2 * b + s - q
    valid = ((u >= 0) & (u < 5) & (v >= 0) & (v < 5)).ravel()
    taps = np.zeros((25, valid.size), np.float32)
    taps[(u * 5 + v).ravel()[valid], np.flatnonzero(valid)] = 1
    return torch.from_numpy(taps)


PHASE_TAPS = _phase_taps()


def phase_parameters(weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """The first convolution's (6, 1, 5, 5) weights and (6,) bias as weights on the four phases,
    (24, 37): row c * 4 + phase for output channel c, columns as :func:`phase_patches`'s rows
    (the last one the bias)."""
    phase_weight = weight.view(6, 25) @ PHASE_TAPS.to(weight.dtype)
    return torch.cat((phase_weight.view(24, 36), bias.repeat_interleave(4).view(24, 1)), 1)


class PhaseConv(torch.autograd.Function):
    """The first convolution as one matrix product, ``phase_parameters(weight, bias) @ patches``:
    (24, n * 196), in the patches' dtype (float32, or bfloat16 for float32 weights). Its
    gradient is one product too, ``grad @ patches.T``, mapped back onto the 5 x 5 weights by
    :data:`PHASE_TAPS` and onto the bias by a sum over the phases."""

    @staticmethod
    def forward(ctx, patches: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        ctx.dtype = weight.dtype
        ctx.save_for_backward(patches)
        return phase_parameters(weight, bias).to(patches.dtype) @ patches

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (patches,) = ctx.saved_tensors
        grad_phase = (grad.to(patches.dtype) @ patches.T).to(ctx.dtype)
        grad_weight = grad_phase[:, :36].reshape(6, 144) @ PHASE_TAPS.to(ctx.dtype).T
        return None, grad_weight.view(6, 1, 5, 5), grad_phase[:, 36].view(6, 4).sum(1)


def _mask(compare, x: torch.Tensor, y) -> torch.Tensor:
    # A float 0/1 mask: comparisons into bool tensors, and torch.where, were 10x slower here.
    return compare(x, y, out=torch.empty_like(x))


class PhaseMaxReLU(torch.autograd.Function):
    """ReLU of the maximum over the four phases (dim 1, in window order), i.e. max_pool2d
    then ReLU; the gradient goes to the first maximum in the window, as max_pool2d's does."""

    @staticmethod
    def forward(ctx, phases: torch.Tensor) -> torch.Tensor:
        a, b, c, d = phases.unbind(1)
        top, bottom = torch.maximum(a, b), torch.maximum(c, d)
        out = torch.maximum(top, bottom)
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(_mask(torch.ge, a, b), _mask(torch.ge, c, d), _mask(torch.ge, top, bottom),
                                  _mask(torch.gt, out, 0))
        return out.clamp_min_(0)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        a_first, c_first, top_first, positive = ctx.saved_tensors
        grad = grad.contiguous() * positive
        top = grad * top_first
        bottom = grad - top
        a, c = top * a_first, bottom * c_first
        return torch.stack((a, top - a, c, bottom - c), 1)


class Conv2d(torch.autograd.Function):
    """``F.conv2d(x, weight, bias, padding=padding)`` in ``dtype`` (float32, or bfloat16 for
    float32 weights, whose gradients come back in float32). Its backward uses oneDNN's faster
    kernel for each gradient here: the input's in NCHW; the weights' in channels_last in float32,
    in NCHW in bfloat16 (as fast there, and no layout copies: ~3% of a step)."""

    @staticmethod
    def forward(ctx, x, weight, bias, padding: int, dtype: torch.dtype) -> torch.Tensor:
        ctx.padding, ctx.input_dtype, ctx.dtype = padding, x.dtype, weight.dtype
        x, weight = x.to(dtype).contiguous(), weight.to(dtype)
        ctx.save_for_backward(x, weight)
        return F.conv2d(x, weight, bias.to(dtype), padding=padding)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        x, weight = ctx.saved_tensors
        nchw = grad.to(x.dtype, memory_format=torch.contiguous_format)
        if x.dtype == torch.float32:  # oneDNN's float32 weight gradient is faster in channels_last
            grad_x, _ = _conv_backward(nchw, x, weight, ctx.padding, (ctx.needs_input_grad[0], False))
            last = torch.channels_last
            _, grad_w = _conv_backward(grad.to(x.dtype, memory_format=last), x.contiguous(memory_format=last),
                                       weight.contiguous(memory_format=last), ctx.padding, (False, True))
        else:
            grad_x, grad_w = _conv_backward(nchw, x, weight, ctx.padding, (ctx.needs_input_grad[0], True))
        grad_x = None if grad_x is None else grad_x.to(ctx.input_dtype)
        return grad_x, grad_w.to(ctx.dtype).contiguous(), grad.sum((0, 2, 3), dtype=ctx.dtype), None, None


def _conv_backward(grad, x, weight, padding: int, wanted: tuple[bool, bool]):
    """The gradients of the input and of the weights, each None unless ``wanted``.

    ``torch.ops.aten.convolution_backward`` is semi-private (its schema is no public promise
    across releases), so pyproject.toml allows only the torch release the tests ran on."""
    grad_x, grad_w, _ = torch.ops.aten.convolution_backward(grad, x, weight, None, [1, 1], [padding] * 2, [1, 1],
                                                            False, [0, 0], 1, [*wanted, False])
    return grad_x, grad_w
