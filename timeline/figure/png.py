"""The figure as PNG (for email and slides): the SVG rasterised by cairosvg, which needs the cairo library."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any


class PngUnavailableError(RuntimeError):
    """PNG output needs the cairo library (Debian: libcairo2), which this machine lacks."""


def _svg2png() -> Callable[..., Any]:
    try:
        # Imported here, not at the top: importing it loads the system cairo library, which may be missing.
        import cairosvg
    except (ImportError, OSError) as error:
        raise PngUnavailableError(
            "PNG output needs the cairo library (Debian/Ubuntu: apt-get install libcairo2 fonts-liberation); "
            "the SVG figure works without it."
        ) from error
    return cairosvg.svg2png  # type: ignore[no-any-return]


def render_png(svg: str, *, scale: float = 2.0) -> bytes:
    """Rasterise an SVG from `render_svg` (cairosvg). Raises PngUnavailableError without libcairo."""
    svg2png = _svg2png()
    scale = min(4.0, max(0.5, float(scale))) if math.isfinite(scale) else 2.0
    png = svg2png(bytestring=svg.encode("utf-8"), scale=scale, unsafe=False)
    return bytes(png)
