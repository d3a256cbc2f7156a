"""Making and saving figures, one way for every plot in lrlab.

Figures are built with ``matplotlib.figure.Figure``, not pyplot: no global backend
to switch and no figure to close, so plotting from a library or a thread is safe.
"""

from __future__ import annotations

from pathlib import Path


def new_figure(figsize: tuple[float, float]):
    """An empty figure laid out with constrained_layout."""
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, constrained_layout=True)


def save_figure(figure, path: str | Path, dpi: int) -> Path:
    """Save ``figure`` as the PNG ``path``, creating its folder; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=dpi)
    return path
