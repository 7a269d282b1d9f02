"""A force-directed layout of a network in pure Python that stays near-linear in the number of nodes.

Fruchterman-Reingold, with the repulsion between nodes computed only between nodes in the same or neighbouring
cells of a grid whose cells are twice the ideal edge length (the grid variant of Fruchterman and Reingold's own
paper): far-apart nodes barely push each other, so skipping them changes the picture little and makes each
iteration O(nodes + edges) on average instead of O(nodes²). The iterations are bounded and the start positions
fixed (a circle in the order given), so the same graph always gets the same picture.
"""

from __future__ import annotations

import math
from collections import defaultdict

Position = tuple[float, float]


def force_layout(n: int, edges: list[tuple[int, int]], width: float, height: float, iterations: int = 120,
                 margin: Position = (90.0, 30.0)) -> list[Position]:
    """Positions of ``n`` nodes (indexes ``0..n-1``) joined by ``edges``, fitted into ``width`` x ``height``
    less ``margin`` (room for labels) on each side."""
    if n == 0:
        return []
    if n == 1:
        return [(width / 2, height / 2)]
    k = math.sqrt(width * height / n) * 0.75
    cell = 2 * k
    xs = [width / 2 + width / 3 * math.cos(2 * math.pi * i / n) for i in range(n)]
    ys = [height / 2 + height / 3 * math.sin(2 * math.pi * i / n) for i in range(n)]
    temperature = width / 10
    for _ in range(iterations):
        dx_sum = [0.0] * n
        dy_sum = [0.0] * n
        grid: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i in range(n):
            grid[(int(xs[i] // cell), int(ys[i] // cell))].append(i)
        for (cx, cy), members in grid.items():
            near = [j for gx in (cx - 1, cx, cx + 1) for gy in (cy - 1, cy, cy + 1) for j in grid.get((gx, gy), ())]
            for i in members:
                xi, yi = xs[i], ys[i]
                for j in near:
                    if j == i:
                        continue
                    dx, dy = xi - xs[j], yi - ys[j]
                    dist2 = dx * dx + dy * dy
                    if dist2 > cell * cell:
                        continue
                    if dist2 < 1e-4:  # coincident nodes: push apart along a fixed direction per pair
                        dx, dy, dist2 = (0.01, 0.0, 1e-4) if i < j else (-0.01, 0.0, 1e-4)
                    factor = k * k / dist2  # (k²/d) along the unit vector (dx/d, dy/d)
                    dx_sum[i] += dx * factor
                    dy_sum[i] += dy * factor
        for i, j in edges:
            dx, dy = xs[i] - xs[j], ys[i] - ys[j]
            dist = max(math.hypot(dx, dy), 0.01)
            factor = dist / k  # (d²/k) along the unit vector
            dx_sum[i] -= dx * factor
            dy_sum[i] -= dy * factor
            dx_sum[j] += dx * factor
            dy_sum[j] += dy * factor
        for i in range(n):
            # a weak pull to the centre keeps unconnected nodes in view
            dx_sum[i] += (width / 2 - xs[i]) * 0.05
            dy_sum[i] += (height / 2 - ys[i]) * 0.05
            length = max(math.hypot(dx_sum[i], dy_sum[i]), 0.01)
            step = min(length, temperature)
            xs[i] += dx_sum[i] / length * step
            ys[i] += dy_sum[i] / length * step
        temperature = max(temperature * 0.96, 0.5)
    return fit(list(zip(xs, ys, strict=True)), width, height, margin)


def fit(pos: list[Position], width: float, height: float, margin: Position = (90.0, 30.0)) -> list[Position]:
    """``pos`` scaled and moved into the box less ``margin``, rounded to 0.1."""
    xs, ys = [p[0] for p in pos], [p[1] for p in pos]
    mx, my = margin
    span_x, span_y = max(max(xs) - min(xs), 1.0), max(max(ys) - min(ys), 1.0)
    return [(round(mx + (x - min(xs)) / span_x * (width - 2 * mx), 1),
             round(my + (y - min(ys)) / span_y * (height - 2 * my), 1)) for x, y in pos]
