"""Text for the figure: advance widths (to lay labels out without a browser), word wrap, XML escaping."""

from __future__ import annotations

import re
import unicodedata
from xml.sax.saxutils import escape

# Advance widths (1/1000 em) for ASCII 32..126 of the two fonts that draw the figure: Liberation Sans (Arial's
# metrics), named first in the SVG, and DejaVu Sans, which fontconfig substitutes where Liberation Sans is not
# installed (a slim image with only libcairo2 has DejaVu alone). DejaVu is up to 40% wider per glyph ("t", "r"),
# so a layout measured in Liberation Sans alone had its labels cut off at the right edge of the PNG.
_LIBERATION_REGULAR = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 "
    "278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 722 667 "
    "611 722 667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 556 278 556 556 222 222 500 222 833 "
    "556 556 556 556 333 500 278 556 500 722 500 500 500 334 260 334 584"
)
_LIBERATION_BOLD = (
    "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 "
    "333 333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 611 833 722 778 667 778 722 667 "
    "611 722 667 944 667 667 611 333 278 333 584 556 333 556 611 556 611 556 333 611 611 278 278 556 278 889 "
    "611 611 611 611 389 556 333 611 556 778 556 556 500 389 280 389 584"
)
_DEJAVU_REGULAR = (
    "318 401 460 838 637 951 780 275 391 391 500 838 318 361 318 337 637 637 637 637 637 637 637 637 637 637 "
    "337 337 838 838 838 531 1000 685 687 699 771 632 576 775 752 295 295 656 558 863 749 788 604 788 695 635 "
    "611 732 685 989 686 611 686 391 337 391 838 500 500 613 635 550 635 616 353 635 634 278 278 580 278 975 "
    "634 612 635 635 412 521 393 634 592 818 592 592 525 637 337 637 838"
)
_DEJAVU_BOLD = (
    "349 457 521 838 696 1002 873 307 458 458 523 838 380 416 380 366 696 696 696 696 696 696 696 696 696 696 "
    "400 400 838 838 838 581 1000 774 763 734 831 684 684 821 837 373 373 775 638 996 837 851 733 851 771 721 "
    "683 813 774 1104 771 725 726 458 366 458 838 500 500 675 716 593 716 679 436 716 712 343 343 666 343 1042 "
    "712 688 716 716 494 596 479 712 652 924 646 652 583 712 366 712 838"
)


def _wider(first: str, second: str) -> dict[int, int]:
    """Per character, the wider of two fonts' advances: whichever of them draws the text, it fits."""
    pairs = zip(first.split(), second.split(), strict=True)
    return {code: max(int(a), int(b)) for code, (a, b) in zip(range(32, 127), pairs, strict=True)}


_WIDTHS = {False: _wider(_LIBERATION_REGULAR, _DEJAVU_REGULAR), True: _wider(_LIBERATION_BOLD, _DEJAVU_BOLD)}
# The same rule for the few non-ASCII characters labels use (the bold weight, which is the wider).
_OTHER_WIDTHS = {"–": 556, "—": 1000, "‘": 380, "’": 380, "“": 658, "”": 658, "…": 1000, "·": 380, "€": 696}
# Any other character (accented Latin, Greek, Cyrillic ...): wider than most such glyphs in either font.
_UNKNOWN_WIDTH = 750
# Characters XML 1.0 forbids; a title carrying one would make the whole SVG unreadable.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The advance width of `text` at `size` px in the wider of Liberation Sans and DejaVu Sans (East Asian: 1 em)."""
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
            total += _UNKNOWN_WIDTH
    return total * size / 1000.0


def _clean(text: str) -> str:
    return _XML_INVALID.sub("", text)


def xml_text(text: str) -> str:
    """Text content for SVG/XML: `&`, `<`, `>` escaped and characters XML forbids dropped."""
    return escape(_clean(text))


def xml_attr(text: str) -> str:
    """An attribute value for SVG/XML, to be put between double quotes."""
    return escape(_clean(text), {'"': "&quot;", "'": "&#x27;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def wrap_text(text: str, size: float, max_width: float, max_lines: int, *, bold: bool = False) -> list[str]:
    """Greedy word wrap by measured width; words longer than a line are split; the last line ends in '…'."""
    words = " ".join(_clean(text).split()).split(" ")
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold=bold) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while text_width(current, size, bold=bold) > max_width:
            cut = len(current) - 1
            while cut > 1 and text_width(current[:cut], size, bold=bold) > max_width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_width(last + "…", size, bold=bold) > max_width:
            last = last[:-1].rstrip()
        lines = [*lines[: max_lines - 1], last + "…"]
    return lines or [""]
