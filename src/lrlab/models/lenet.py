"""The chapter's LeNets (d2l 6.6, as 12.11 trains them), for 1x28x28 images and any others of
:data:`MIN_SIZE` x :data:`MIN_SIZE` or larger, grayscale or colour (the first convolution takes the
data's channels; the first dense layer takes what the two poolings leave, 16 x 5 x 5 for 28 x 28).

- ``lenet``: the modern LeNet of the chapter: conv 6@5x5 (padding 2), ReLU, 2x2 max pool;
  conv 16@5x5, ReLU, 2x2 max pool; dense 120, 84 (ReLU) and the classes.
  Xavier-uniform weights (the book's ``init_cnn``) and torch's default biases.
- ``lenet-d2l-tf``: the book's TensorFlow variant: average pooling, a sigmoid on the 84
  layer, Keras's defaults (Xavier/Glorot-uniform weights, zero biases).

Both take ``init="default"`` too: the framework's own initialisation of every layer (as the
chapter's PyTorch ``net_fn`` and Keras code get it), see :data:`lrlab.models.INITS`.

Each framework's builder lives beside its backend's fast path.
"""

from .registry import INITS, register_model

MIN_SIZE = 12
"""The smallest side that leaves the second pooling something: 12 -> 6 -> (5x5 convolution) 2 -> 1."""
RUNS_PER_GPU = 8  # a LeNet step uses a sliver of a GPU: several trainings share one

register_model(
    "lenet", "the chapter's LeNet: ReLU, max pooling", min_size=MIN_SIZE, inits=INITS, runs_per_gpu=RUNS_PER_GPU,
    torch="lrlab.models.lenet_torch:lenet",
    keras="lrlab.models.lenet_keras:lenet",
    mxnet="lrlab.models.lenet_mxnet:lenet",
)
register_model(
    "lenet-d2l-tf", "the book's TensorFlow LeNet: average pooling, a sigmoid on the 84 layer",
    min_size=MIN_SIZE, inits=INITS, runs_per_gpu=RUNS_PER_GPU,
    torch="lrlab.models.lenet_torch:lenet_d2l_tf",
    keras="lrlab.models.lenet_keras:lenet_d2l_tf",
    mxnet="lrlab.models.lenet_mxnet:lenet_d2l_tf",
)
