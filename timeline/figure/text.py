"""Text for the figure: advance widths (to lay labels out without a browser), word wrap, XML escaping."""

from __future__ import annotations

import re
import unicodedata
from xml.sax.saxutils import escape

# Advance widths (1/1000 em) of Liberation Sans, which has Arial's metrics, for ASCII 32..126.
_REGULAR_WIDTHS = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 "
    "278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 722 667 "
    "611 722 667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 556 278 556 556 222 222 500 222 833 "
    "556 556 556 556 333 500 278 556 500 722 500 500 500 334 260 334 584"
)
_BOLD_WIDTHS = (
    "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 "
    "333 333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 611 833 722 778 667 778 722 667 "
    "611 722 667 944 667 667 611 333 278 333 584 556 333 556 611 556 611 556 333 611 611 278 278 556 278 889 "
    "611 611 611 611 389 556 333 611 556 778 556 556 500 389 280 389 584"
)
_WIDTHS = {
    False: dict(zip(range(32, 127), map(int, _REGULAR_WIDTHS.split()), strict=True)),
    True: dict(zip(range(32, 127), map(int, _BOLD_WIDTHS.split()), strict=True)),
}
_OTHER_WIDTHS = {"–": 556, "—": 1000, "‘": 222, "’": 222, "“": 333, "”": 333, "…": 1000, "·": 278, "€": 556}
# Characters XML 1.0 forbids; a title carrying one would make the whole SVG unreadable.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The advance width of `text` set in Liberation Sans/Arial at `size` px (wide East Asian glyphs: 1 em)."""
    widths = _WIDTHS[bold]
    total = 0
    for char in text:
        code = ord(char)
        if code in widths:
            total += widths[code]
        elif char in _OTHER_WIDTHS:
            total += _OTHER_WIDTHS[char]
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            total += 1000
        elif unicodedata.combining(char):
            continue
        else:
            total += 600
    return total * size / 1000.0


def _clean(text: str) -> str:
    return _XML_INVALID.sub("", text)


def xml_text(text: str) -> str:
    """Text content for SVG/XML: `&`, `<`, `>` escaped and characters XML forbids dropped."""
    return escape(_clean(text))


def xml_attr(text: str) -> str:
    """An attribute value for SVG/XML, to be put between double quotes."""
    return escape(_clean(text), {'"': "&quot;", "'": "&#x27;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def wrap_text(text: str, size: float, max_width: float, max_lines: int) -> list[str]:
    """Greedy word wrap by measured width; words longer than a line are split; the last line ends in '…'."""
    words = " ".join(_clean(text).split()).split(" ")
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while text_width(current, size) > max_width:
            cut = len(current) - 1
            while cut > 1 and text_width(current[:cut], size) > max_width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_width(last + "…", size) > max_width:
            last = last[:-1].rstrip()
        lines = [*lines[: max_lines - 1], last + "…"]
    return lines or [""]
