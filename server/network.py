"""A partnership network laid out on the server, for an SVG that needs no script.

The layout is Fruchterman-Reingold from positions on a circle, so the same graph always gets the same picture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyoxigraph as ox

from .kgview import INFERRED, KGView, Value, aa
from .page_data import Link, link


@dataclass(frozen=True)
class NetworkNode:
    """A firm placed at (``x``, ``y``) with its link; ``focus`` marks the firm whose page this is."""

    link: Link
    x: float
    y: float
    degree: int
    focus: bool


@dataclass(frozen=True)
class Network:
    """Nodes and edges (pairs of node indexes) in a ``width`` x ``height`` box."""

    nodes: list[NetworkNode]
    edges: list[tuple[int, int]]
    width: int
    height: int


def partner_edges(kv: KGView) -> set[frozenset[Value]]:
    """Every ``aa:partnerOf`` pair (from ``graph:inferred``, falling back to all graphs)."""
    triples = list(kv.triples(None, aa("partnerOf"), None, INFERRED)) or list(kv.triples(None, aa("partnerOf")))
    return {frozenset((t.subject, t.object)) for t in triples if t.subject != t.object}


def layout(n: int, edges: list[tuple[int, int]], width: float, height: float,
           iterations: int = 200) -> list[tuple[float, float]]:
    """Fruchterman-Reingold positions of ``n`` nodes inside the box, with a margin for labels."""
    if n == 0:
        return []
    if n == 1:
        return [(width / 2, height / 2)]
    area = width * height
    k = math.sqrt(area / n) * 0.75
    pos = [[width / 2 + width / 3 * math.cos(2 * math.pi * i / n),
            height / 2 + height / 3 * math.sin(2 * math.pi * i / n)] for i in range(n)]
    temperature = width / 10
    for _ in range(iterations):
        disp = [[0.0, 0.0] for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                dx, dy = pos[i][0] - pos[j][0], pos[i][1] - pos[j][1]
                dist = max(math.hypot(dx, dy), 0.01)
                force = k * k / dist
                disp[i][0] += dx / dist * force
                disp[i][1] += dy / dist * force
                disp[j][0] -= dx / dist * force
                disp[j][1] -= dy / dist * force
        for i, j in edges:
            dx, dy = pos[i][0] - pos[j][0], pos[i][1] - pos[j][1]
            dist = max(math.hypot(dx, dy), 0.01)
            force = dist * dist / k
            disp[i][0] -= dx / dist * force
            disp[i][1] -= dy / dist * force
            disp[j][0] += dx / dist * force
            disp[j][1] += dy / dist * force
        for i in range(n):
            # a weak pull to the centre keeps unconnected firms in view
            disp[i][0] += (width / 2 - pos[i][0]) * 0.05
            disp[i][1] += (height / 2 - pos[i][1]) * 0.05
            length = max(math.hypot(*disp[i]), 0.01)
            step = min(length, temperature)
            pos[i][0] += disp[i][0] / length * step
            pos[i][1] += disp[i][1] / length * step
        temperature = max(temperature * 0.97, 0.5)
    return _fit(pos, width, height)


def _fit(pos: list[list[float]], width: float, height: float) -> list[tuple[float, float]]:
    xs, ys = [p[0] for p in pos], [p[1] for p in pos]
    margin_x, margin_y = 90.0, 30.0
    span_x, span_y = max(max(xs) - min(xs), 1.0), max(max(ys) - min(ys), 1.0)
    return [(margin_x + (x - min(xs)) / span_x * (width - 2 * margin_x),
             margin_y + (y - min(ys)) / span_y * (height - 2 * margin_y)) for x, y in pos]


def build_network(kv: KGView, focus: ox.NamedNode | None = None, width: int = 720,
                  height: int = 440) -> Network:
    """The network of all partner firms, or the ego network of ``focus`` (its partners and their links)."""
    pairs = partner_edges(kv)
    if focus is not None:
        neighbours = {n for pair in pairs if focus in pair for n in pair} | {focus}
        pairs = {pair for pair in pairs if pair <= neighbours}
        members = neighbours
    else:
        members = {n for pair in pairs for n in pair}
    ordered = kv.sorted_by_label(members)
    index = {node: i for i, node in enumerate(ordered)}
    edges = sorted(tuple(sorted(index[n] for n in pair)) for pair in pairs)  # type: ignore[misc]
    positions = layout(len(ordered), edges, width, height)
    degree = [0] * len(ordered)
    for i, j in edges:
        degree[i] += 1
        degree[j] += 1
    nodes = [NetworkNode(link(kv, node), round(x, 1), round(y, 1), degree[i], node == focus)
             for i, (node, (x, y)) in enumerate(zip(ordered, positions, strict=True))]
    return Network(nodes, edges, width, height)  # type: ignore[arg-type]
