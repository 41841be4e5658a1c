"""The VN-2000 / TM-3 plane grid of a printed map: interval, lines or crosses, labelled ticks."""

from __future__ import annotations

import math

import numpy as np

#: Round grid intervals, m.
NICE_STEPS = (1, 2, 2.5, 5)


def nice_at_least(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k that is at least ``value``.

    Examples
    --------
    >>> nice_at_least(200), nice_at_least(201), nice_at_least(2500)
    (200, 250, 2500)
    """
    exponent = math.floor(math.log10(value))
    for base in (*NICE_STEPS, 10):
        step = base * 10 ** exponent
        if step >= value - 1e-9:
            return int(step) if float(step).is_integer() else step
    raise AssertionError("unreachable")


def grid_interval(scale: int) -> float:
    """Grid interval (m) for ``scale``: 10 cm on paper for the standard scales (the km grid of TT 25/2014).

    Examples
    --------
    >>> grid_interval(2000), grid_interval(10000), grid_interval(100000)
    (200, 1000, 10000)
    """
    return nice_at_least(scale / 10)


def grid_values(lo: float, hi: float, step: float) -> np.ndarray:
    """Multiples of ``step`` within [lo, hi].

    Examples
    --------
    >>> grid_values(500000, 501000, 200).tolist()
    [500000.0, 500200.0, 500400.0, 500600.0, 500800.0, 501000.0]
    """
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return np.arange(first, last + 1) * float(step)


def coordinate_label(value: float) -> str:
    """A grid coordinate as printed on the sheet: whole metres, no separator.

    Examples
    --------
    >>> coordinate_label(2372000.0), coordinate_label(500200.4)
    ('2372000', '500200')
    """
    return f"{value:.0f}"


def draw_grid(ax, *, step: float, style: str, fontsize: float, color: str = "#555555") -> list:
    """Draw the grid on ``ax`` (whose limits are the frame) and label its ticks outside the frame.

    ``style`` is ``"lines"`` (thin lines across the map) or ``"crosses"``
    (the crosses of a cadastral sheet). Eastings label the top and bottom
    edges, northings (rotated) the left and right. Returns the label texts.
    """
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    xs, ys = grid_values(x0, x1, step), grid_values(y0, y1, step)
    if style == "lines":
        ax.vlines(xs, y0, y1, colors=color, linewidths=0.25, alpha=0.7, zorder=5)
        ax.hlines(ys, x0, x1, colors=color, linewidths=0.25, alpha=0.7, zorder=5)
    else:
        arm = step * 0.05
        inner_x, inner_y = xs[(xs > x0) & (xs < x1)], ys[(ys > y0) & (ys < y1)]
        gx, gy = np.meshgrid(inner_x, inner_y)
        ax.hlines(gy.ravel(), gx.ravel() - arm, gx.ravel() + arm, colors=color, linewidths=0.4, zorder=5)
        ax.vlines(gx.ravel(), gy.ravel() - arm, gy.ravel() + arm, colors=color, linewidths=0.4, zorder=5)
    tick = dict(colors="black", linewidths=0.5, clip_on=False, zorder=6)
    tick_len = (y1 - y0) * 0.006
    ax.vlines(xs, y0 - tick_len, y0, **tick)
    ax.vlines(xs, y1, y1 + tick_len, **tick)
    ax.hlines(ys, x0 - tick_len, x0, **tick)
    ax.hlines(ys, x1, x1 + tick_len, **tick)
    labels = []
    text = dict(fontsize=fontsize, parse_math=False, clip_on=False, zorder=6)
    pad = tick_len * 1.3
    def along(v, lo, hi):  # a label at a frame corner runs inward, clear of the other side's label
        return "left" if abs(v - lo) < 1e-6 else "right" if abs(v - hi) < 1e-6 else "center"

    for x in xs:
        ha = along(x, x0, x1)
        labels.append(ax.text(x, y1 + pad, coordinate_label(x), ha=ha, va="bottom", **text))
        labels.append(ax.text(x, y0 - pad, coordinate_label(x), ha=ha, va="top", **text))
    for y in ys:
        ha = along(y, y0, y1)
        labels.append(ax.text(x0 - pad, y, coordinate_label(y), ha=ha, va="bottom", rotation=90,
                              rotation_mode="anchor", **text))
        labels.append(ax.text(x1 + pad, y, coordinate_label(y), ha=ha, va="top", rotation=90,
                              rotation_mode="anchor", **text))
    return labels
