"""Decode PNG and JPEG files into one uint8 array, resized to a square side, grayscale or RGB (Pillow).

Every image is converted to its colour first (``gray``: Pillow's ``L``, ITU-R 601 luma; ``rgb``;
``auto``: RGB when any image is stored in colour, else grayscale), then resized to
``size`` x ``size`` with bilinear filtering (its aspect ratio is not kept).

>>> images, color = decode_images(["cat/1.png", "dog/1.jpg"], size=32, color="auto")  # doctest: +SKIP
>>> images.shape, color  # doctest: +SKIP
((2, 32, 32, 3), 'rgb')
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image
from tqdm.auto import tqdm

from .errors import DataError

SUFFIXES = (".png", ".jpg", ".jpeg")
FORMATS = ("PNG", "JPEG")
GRAY_MODES = ("1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F")
"""Pillow's modes of grayscale images: any other (RGB, RGBA, P, CMYK, YCbCr...) counts as colour."""


def decode_images(paths: Sequence[Path], *, size: int, color: str, progress: bool = True) -> tuple[np.ndarray, str]:
    """The images at ``paths`` as (N, size, size) (gray) or (N, size, size, 3) (rgb) uint8, and the
    colour they were decoded in (``color`` itself, or what ``auto`` chose)."""
    pixels = np.empty((len(paths), size, size, 1 if color == "gray" else 3), np.uint8)
    in_colour = False
    with tqdm(paths, desc="decoding images", unit="image", disable=not progress or None, leave=False) as bar:
        for index, path in enumerate(bar):
            image, stored_in_colour = _open(path)
            in_colour |= stored_in_colour
            mode = "L" if color == "gray" or (color == "auto" and not stored_in_colour) else "RGB"
            decoded = np.asarray(image.convert(mode).resize((size, size), Image.Resampling.BILINEAR))
            pixels[index] = decoded[..., None] if mode == "L" else decoded  # gray: copied to each channel
    chosen = "rgb" if color == "rgb" or (color == "auto" and in_colour) else "gray"
    return (np.ascontiguousarray(pixels[..., 0]) if chosen == "gray" else pixels), chosen


def _open(path: Path) -> tuple[Image.Image, bool]:
    """The decoded image at ``path`` and whether it is stored in colour; a :class:`DataError` naming
    the file when it is not a readable PNG or JPEG."""
    try:
        with Image.open(path, formats=FORMATS) as image:
            image.load()
            return image.copy(), image.mode not in GRAY_MODES
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as error:
        raise DataError(f"{path}: not a readable PNG or JPEG image ({error})") from None
