"""Binary patterns rendered from text glyphs (letters, digits) with matplotlib's Agg renderer.

Real, correlated patterns for associative-memory demonstrations: each character is drawn in
black on white with matplotlib's bundled DejaVu Sans font, rasterised off-screen (no display
is needed), reduced to ``size x size`` pixels and thresholded to +1 (ink) / -1 (paper).
"""

from __future__ import annotations

import numpy as np

from dynamics.memory._checks import check_positive_int

__all__ = ["glyph_patterns"]


def glyph_patterns(chars: str, size: int = 24, weight: str = "bold") -> np.ndarray:
    """Render each character of ``chars`` to a bipolar pattern of ``size * size`` pixels.

    Returns float64 (len(chars), size * size) with +1 for ink; reshape a row to
    (size, size) to show it. Rendering is deterministic (same font, same pixels).
    """
    if not isinstance(chars, str) or not chars:
        raise ValueError(f"chars: expected a non-empty string, got {chars!r}")
    size = check_positive_int(size, "size", minimum=4)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    oversample = 4
    px = size * oversample
    out = np.empty((len(chars), size * size))
    for k, ch in enumerate(chars):
        fig = Figure(figsize=(1, 1), dpi=px)
        canvas = FigureCanvasAgg(fig)
        fig.patch.set_facecolor("white")
        fig.text(0.5, 0.5, ch, ha="center", va="center", fontsize=0.8 * 72, color="black",
                 family="DejaVu Sans", weight=weight)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba(), dtype=np.float64)[:px, :px]
        ink = 1.0 - rgba[..., :3].mean(axis=2) / 255.0
        cells = ink.reshape(size, oversample, size, oversample).mean(axis=(1, 3))
        out[k] = np.where(cells > 0.35, 1.0, -1.0).ravel()
    return out
