"""A force-directed layout of a network in pure Python that stays near-linear in the number of nodes.

Fruchterman-Reingold, with repulsion computed on a grid whose cells are twice the ideal edge length (the grid
variant of Fruchterman and Reingold's own paper): far-apart nodes barely push each other and are skipped; nodes of
the same cell push each other pairwise (at most ``CELL_CAP`` of them, the rest of a crowded cell as one mass at
its centre) and each neighbouring cell pushes as one mass. Each iteration is O(nodes + edges) whatever the shape
of the graph. The iterations are bounded and the start positions fixed (a circle in the order given), so the same
graph always gets the same picture.
"""

from __future__ import annotations

import math
from collections import defaultdict

Position = tuple[float, float]
CELL_CAP = 24  # members of one cell that repel each other pairwise; the rest of a crowded cell acts as one mass


def force_layout(
    n: int,
    edges: list[tuple[int, int]],
    width: float,
    height: float,
    iterations: int = 120,
    margin: Position = (90.0, 30.0),
) -> list[Position]:
    """Positions of ``n`` nodes (indexes ``0..n-1``) joined by ``edges``, fitted into ``width`` x ``height``
    less ``margin`` (room for labels) on each side."""
    if n == 0:
        return []
    if n == 1:
        return [(width / 2, height / 2)]
    # Lay out in a square whose area grows with n (the ideal edge length k is fixed), then fit into the box:
    # the density of nodes, and so the work per node, does not grow with the graph.
    k = 10.0
    side = k * math.sqrt(n) * 1.5
    cell = 2 * k
    radius = side / 2
    xs = [radius + radius * 0.8 * math.cos(2 * math.pi * i / n) for i in range(n)]
    ys = [radius + radius * 0.8 * math.sin(2 * math.pi * i / n) for i in range(n)]
    temperature = side / 10
    for _ in range(iterations):
        dx_sum = [0.0] * n
        dy_sum = [0.0] * n
        grid: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i in range(n):
            grid[(int(xs[i] // cell), int(ys[i] // cell))].append(i)
        centroids = {
            c: (len(m), sum(xs[j] for j in m) / len(m), sum(ys[j] for j in m) / len(m)) for c, m in grid.items()
        }
        for (cx, cy), members in grid.items():
            exact = members[:CELL_CAP]
            rest = members[CELL_CAP:]
            masses = [
                centroids[(gx, gy)]
                for gx in (cx - 1, cx, cx + 1)
                for gy in (cy - 1, cy, cy + 1)
                if (gx, gy) != (cx, cy) and (gx, gy) in centroids
            ]
            if rest:  # a crowded cell: its members beyond the cap push as one mass at their centre
                masses.append((len(rest), sum(xs[j] for j in rest) / len(rest), sum(ys[j] for j in rest) / len(rest)))
            for i in members:
                xi, yi = xs[i], ys[i]
                for j in exact:
                    if j != i:
                        _push(i, xi - xs[j], yi - ys[j], 1, k, i < j, dx_sum, dy_sum)
                for count, mx, my in masses:
                    _push(i, xi - mx, yi - my, count, k, True, dx_sum, dy_sum)
        for i, j in edges:
            dx, dy = xs[i] - xs[j], ys[i] - ys[j]
            dist = max(math.hypot(dx, dy), 0.01)
            factor = dist / k  # (d²/k) along the unit vector
            dx_sum[i] -= dx * factor
            dy_sum[i] -= dy * factor
            dx_sum[j] += dx * factor
            dy_sum[j] += dy * factor
        for i in range(n):
            # a pull back towards the square for nodes that drift out of it keeps unconnected nodes in view
            # without crowding the centre (a pull on every node would pile them up there)
            off = math.hypot(xs[i] - radius, ys[i] - radius) - radius
            if off > 0:
                dx_sum[i] += (radius - xs[i]) * 0.1
                dy_sum[i] += (radius - ys[i]) * 0.1
            length = max(math.hypot(dx_sum[i], dy_sum[i]), 0.01)
            step = min(length, temperature)
            xs[i] += dx_sum[i] / length * step
            ys[i] += dy_sum[i] / length * step
        temperature = max(temperature * 0.96, k / 20)
    return fit(list(zip(xs, ys, strict=True)), width, height, margin)


def _push(
    i: int, dx: float, dy: float, mass: int, k: float, first: bool, dx_sum: list[float], dy_sum: list[float]
) -> None:
    """Add to node ``i`` the repulsion (mass·k²/d along the unit vector) of a node or mass at (-dx, -dy)."""
    dist2 = dx * dx + dy * dy
    if dist2 < 1e-4:  # coincident: push apart along a fixed direction
        dx, dy, dist2 = (0.01, 0.0, 1e-4) if first else (-0.01, 0.0, 1e-4)
    factor = mass * k * k / dist2
    dx_sum[i] += dx * factor
    dy_sum[i] += dy * factor


def fit(pos: list[Position], width: float, height: float, margin: Position = (90.0, 30.0)) -> list[Position]:
    """``pos`` scaled and moved into the box less ``margin``, rounded to 0.1."""
    xs, ys = [p[0] for p in pos], [p[1] for p in pos]
    mx, my = margin
    span_x, span_y = max(max(xs) - min(xs), 1.0), max(max(ys) - min(ys), 1.0)
    return [
        (
            round(mx + (x - min(xs)) / span_x * (width - 2 * mx), 1),
            round(my + (y - min(ys)) / span_y * (height - 2 * my), 1),
        )
        for x, y in pos
    ]
