"""Where a chart's text lands: label boxes from the Vega scenegraph, for legibility tests.

vl-convert lays a chart out with Vega (``vegalite_to_scenegraph``): every text item has its
anchor (``x``, ``y`` inside its groups), ``angle``, ``align``, ``baseline``, ``fontSize`` and
``limit`` (the width past which Vega cuts it with an ellipsis). :func:`text_boxes` turns
them into rotated rectangles in the coordinates of the drawn SVG, measuring each text with
the DejaVu Sans metrics the charts are laid out with (:data:`cs360lib.publish.charts.FONT`
starts with it) through Pillow; :func:`overlaps` and :func:`clipped` find labels drawn over
each other or outside the picture.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@functools.cache
def _font(size: float, bold: bool):  # noqa: ANN202 - PIL font or None
    try:
        from PIL import ImageFont
    except ImportError:  # pragma: no cover
        return None
    path = DEJAVU / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if not path.exists():
        return None
    return ImageFont.truetype(str(path), size=max(1, round(size)))


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in pixels of one line of text (DejaVu Sans; Vega's estimate without it)."""
    font = _font(size, bold)
    if font is None:
        return 0.6 * size * len(text)  # a little wider than Vega's own estimate
    return float(font.getlength(text)) * size / max(1, round(size))


@dataclass
class TextBox:
    """One text item as a rotated rectangle (corner points, SVG coordinates)."""

    role: str
    text: str
    corners: list[tuple[float, float]]
    group: int  # id of the mark holding it: labels of one axis share it
    size: float  # font size, px

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        xs = [p[0] for p in self.corners]
        ys = [p[1] for p in self.corners]
        return min(xs), min(ys), max(xs), max(ys)


def _box(item: dict[str, Any], ox: float, oy: float) -> list[tuple[float, float]] | None:
    text = item.get("text")
    if text is None or item.get("opacity", 1) == 0:
        return None
    lines = text if isinstance(text, list) else [str(text)]
    size = float(item.get("fontSize", 11))
    bold = str(item.get("fontWeight", "")).lower() in ("bold", "700", "800", "900")
    width = max(text_width(str(line), size, bold) for line in lines)
    limit = item.get("limit") or 0
    if limit and width > limit:
        width = float(limit)
    height = size * (1 + 0.2 * (len(lines) - 1)) * len(lines) if len(lines) > 1 else size
    x, y = float(item.get("x", 0)), float(item.get("y", 0))
    dx, dy = float(item.get("dx", 0)), float(item.get("dy", 0))
    align = item.get("align", "left")
    left = {"left": 0.0, "center": -width / 2, "right": -width}.get(align, 0.0) + dx
    baseline = item.get("baseline", "alphabetic")
    top = {
        "top": 0.0,
        "middle": -height / 2,
        "bottom": -height,
        "line-top": 0.0,
        "line-bottom": -height,
    }.get(baseline, -0.8 * height) + dy
    corners = [(left, top), (left + width, top), (left + width, top + height), (left, top + height)]
    angle = math.radians(float(item.get("angle", 0) or 0))
    cos, sin = math.cos(angle), math.sin(angle)
    return [(ox + x + cx * cos - cy * sin, oy + y + cx * sin + cy * cos) for cx, cy in corners]


def text_boxes(scenegraph: dict[str, Any]) -> list[TextBox]:
    """Every visible text item of a vl-convert scenegraph as a box in SVG coordinates."""
    boxes: list[TextBox] = []
    origin = scenegraph.get("origin", [0, 0])
    counter = [0]

    def walk(node: dict[str, Any], ox: float, oy: float) -> None:
        marktype = node.get("marktype")
        role = node.get("role", "")
        counter[0] += 1
        mark_id = counter[0]
        for item in node.get("items", []):
            if marktype == "text":
                corners = _box(item, ox, oy)
                if corners is not None:
                    size = float(item.get("fontSize", 11))
                    boxes.append(TextBox(role, str(item.get("text")), corners, mark_id, size))
            elif marktype == "group" or "items" in item:
                gx = ox + float(item.get("x", 0) or 0)
                gy = oy + float(item.get("y", 0) or 0)
                if "marktype" in item:
                    walk(item, ox, oy)
                else:
                    for child in item.get("items", []):
                        walk(child, gx, gy)

    walk(scenegraph["scenegraph"], float(origin[0]), float(origin[1]))
    return boxes


def _separated(a: list[tuple[float, float]], b: list[tuple[float, float]], tol: float) -> bool:
    """Separating-axis test of two convex quadrilaterals (touching within tol is fine)."""
    for poly in (a, b):
        for i in range(len(poly)):
            x1, y1 = poly[i]
            x2, y2 = poly[(i + 1) % len(poly)]
            nx, ny = y2 - y1, x1 - x2
            norm = math.hypot(nx, ny) or 1.0
            nx, ny = nx / norm, ny / norm
            pa = [px * nx + py * ny for px, py in a]
            pb = [px * nx + py * ny for px, py in b]
            if max(pa) <= min(pb) + tol or max(pb) <= min(pa) + tol:
                return True
    return False


def overlaps(boxes: list[TextBox], roles: tuple[str, ...], tol: float = 1.0) -> list[str]:
    """Pairs of labels of the same mark (one axis, one legend) that are drawn over each other."""
    found = []
    chosen = [b for b in boxes if b.role in roles]
    for i, a in enumerate(chosen):
        for b in chosen[i + 1 :]:
            if a.group == b.group and not _separated(a.corners, b.corners, tol):
                found.append(f"{a.role}: {a.text!r} over {b.text!r}")
    return found


def clipped(boxes: list[TextBox], width: float, height: float, tol: float = 1.5) -> list[str]:
    """Text that reaches outside the drawn picture (cut off in the SVG or PNG)."""
    out = []
    for box in boxes:
        x1, y1, x2, y2 = box.bounds
        if x1 < -tol or y1 < -tol or x2 > width + tol or y2 > height + tol:
            out.append(
                f"{box.role}: {box.text!r} at ({x1:.0f},{y1:.0f})-({x2:.0f},{y2:.0f}) "
                f"outside {width:.0f}x{height:.0f}"
            )
    return out
