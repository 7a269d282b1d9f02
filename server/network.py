"""A partnership network laid out on the server, for an SVG that needs no script.

The layout is ``kg.layout.force_layout`` (the build uses it for the home page's network; firm pages lay out
their bounded ego network with it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from kg.layout import force_layout

from .kgview import KGView, aa
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


def network_of(kv: KGView, members: list[ox.NamedNode], focus: ox.NamedNode | None = None, width: int = 720,
               height: int = 440) -> Network:
    """The partnerships among ``members`` (a bounded list: an ego network's firm and its top partners),
    laid out."""
    ordered = kv.sorted_by_label(members)
    index = {node: i for i, node in enumerate(ordered)}
    edges: set[tuple[int, int]] = set()
    for node in ordered:
        for other in kv.objects(node, aa("partnerOf")):
            if other in index and other != node:
                edges.add((min(index[node], index[other]), max(index[node], index[other])))
    return _network([link(kv, n) for n in ordered], [n == focus for n in ordered], sorted(edges), width, height)


def _network(links: list[Link], focus: list[bool], edges: list[tuple[int, int]], width: int, height: int,
             positions: list[tuple[float, float]] | None = None) -> Network:
    positions = positions or force_layout(len(links), edges, width, height)
    degree = [0] * len(links)
    for i, j in edges:
        degree[i] += 1
        degree[j] += 1
    nodes = [NetworkNode(node_link, x, y, degree[i], focus[i])
             for i, (node_link, (x, y)) in enumerate(zip(links, positions, strict=True))]
    return Network(nodes, edges, width, height)


def network_from_site_data(data: dict[str, Any], link_of: Callable[[str, str], Link]) -> Network:
    """The home page's network, laid out by the build (``kg.sitedata.home_network``)."""
    nodes = data["nodes"]
    return _network([link_of(n["iri"], n["label"]) for n in nodes], [False] * len(nodes),
                    [(int(i), int(j)) for i, j in data["edges"]], int(data["width"]), int(data["height"]),
                    [(float(n["x"]), float(n["y"])) for n in nodes])
