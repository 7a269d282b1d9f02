"""A partnership network laid out on the server, for an SVG that needs no script.

The layout is ``kg.layout.force_layout`` (the build uses it for the home page's network; firm pages lay out
their bounded ego network with it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kg.layout import force_layout

from .page_data import Link


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


def network_of(
    members: list[Link], pairs: list[tuple[str, str]], focus: str | None = None, width: int = 720, height: int = 440
) -> Network:
    """The partnerships ``pairs`` (IRI pairs) among ``members`` (a bounded list: an ego network's firm and its
    top partners), laid out."""
    ordered = sorted(members, key=lambda m: (m.label.casefold(), m.iri))
    index = {m.iri: i for i, m in enumerate(ordered)}
    edges = sorted(
        {(min(index[a], index[b]), max(index[a], index[b])) for a, b in pairs if a in index and b in index and a != b}
    )
    return _network(ordered, [m.iri == focus for m in ordered], edges, width, height)


def _network(
    links: list[Link],
    focus: list[bool],
    edges: list[tuple[int, int]],
    width: int,
    height: int,
    positions: list[tuple[float, float]] | None = None,
) -> Network:
    positions = positions or force_layout(len(links), edges, width, height)
    degree = [0] * len(links)
    for i, j in edges:
        degree[i] += 1
        degree[j] += 1
    nodes = [
        NetworkNode(node_link, x, y, degree[i], focus[i])
        for i, (node_link, (x, y)) in enumerate(zip(links, positions, strict=True))
    ]
    return Network(nodes, edges, width, height)


def network_from_site_data(data: dict[str, Any], link_of: Callable[[str, str], Link]) -> Network:
    """The home page's network, laid out by the build (``kg.sitedata.home_network``)."""
    nodes = data["nodes"]
    return _network(
        [link_of(n["iri"], n["label"]) for n in nodes],
        [False] * len(nodes),
        [(int(i), int(j)) for i, j in data["edges"]],
        int(data["width"]),
        int(data["height"]),
        [(float(n["x"]), float(n["y"])) for n in nodes],
    )
