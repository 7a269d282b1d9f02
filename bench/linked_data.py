"""How resource descriptions, the sitemap and the dataset descriptions behave on a large build.

``python -m bench.linked_data --var DIR`` opens the build in ``DIR`` (read-only) in the Flask app and measures,
side by side in one run:

- the RDF of the firm with the fewest statements and of the biggest hubs (the firms with the most incoming
  links): page 1, a middle page and the last page, each the median of ``--repeat`` requests, with the triples
  and bytes of each page; a page stays bounded however big the hub is;
- the per-build work: the sitemap's section counts, the VoID statistics and the DCAT catalogue (first request
  of a fresh app) and the same requests once cached;
- ``/sitemap.xml`` (an index beyond 50,000 URLs) and its last part.

Prints a Markdown report; ``--json PATH`` also writes the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.config import Paths
from kg.iris import BASE
from kg.store import open_store


def _timed(client: Any, path: str, headers: dict[str, str], repeat: int) -> tuple[float, Any]:
    times = []
    response = None
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times), response


def firm_degrees(store: ox.Store) -> tuple[Counter[str], Counter[str]]:
    """Incoming and outgoing distinct triples per firm."""
    firm_class = ox.NamedNode(BASE + "ontology#Firm")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    firms = {q.subject for q in store.quads_for_pattern(None, rdf_type, firm_class)}
    incoming: Counter[str] = Counter()
    outgoing: Counter[str] = Counter()
    for firm in firms:
        incoming[firm.value] = len({q.triple for q in store.quads_for_pattern(None, None, firm)})
        outgoing[firm.value] = len({q.triple for q in store.quads_for_pattern(firm, None, None)})
    return incoming, outgoing


def measure(var: Path, repeat: int, hubs: int) -> dict[str, Any]:
    """Every figure of the report, for the build in ``var``."""
    from server import create_app

    store = open_store(Paths(var=var).store, read_only=True)
    incoming, outgoing = firm_degrees(store)
    total = Counter({f: incoming[f] + outgoing[f] for f in incoming})
    app = create_app({"VAR_DIR": str(var), "TESTING": True})
    size = int(app.config["DESCRIPTION_PAGE_SIZE"])
    client = app.test_client()
    turtle = {"Accept": "text/turtle"}
    results: dict[str, Any] = {"page_size": size, "firms": len(total), "descriptions": [], "per_build": {}}

    chosen = [min(total, key=lambda f: (total[f], f))] + [f for f, _ in total.most_common(hubs)]
    for firm in chosen:
        path = firm[len(BASE) - 1 :]
        pages = max(1, -(-total[firm] // size))
        for page in sorted({1, (pages + 1) // 2, pages}):
            url = f"{path}.ttl" + (f"?page={page}" if page > 1 else "")
            seconds, response = _timed(client, url, turtle, repeat)
            triples = len(list(ox.parse(response.data, format=ox.RdfFormat.TURTLE, base_iri=BASE)))
            results["descriptions"].append(
                {
                    "firm": firm,
                    "statements": total[firm],
                    "incoming": incoming[firm],
                    "pages": pages,
                    "page": page,
                    "seconds": seconds,
                    "triples": triples,
                    "bytes": len(response.data),
                }
            )

    fresh = create_app({"VAR_DIR": str(var), "TESTING": True}).test_client()
    for name, url, headers in (
        ("sitemap", "/sitemap.xml", {}),
        ("void", "/.well-known/void", turtle),
        ("dcat", "/catalog", turtle),
    ):
        first, response = _timed(fresh, url, headers, 1)
        cached, _ = _timed(fresh, url, headers, repeat)
        results["per_build"][name] = {"first": first, "cached": cached, "bytes": len(response.data)}
    sitemap = fresh.get("/sitemap.xml").text
    parts = sitemap.count("<sitemap>")
    results["sitemap_parts"] = parts
    if parts:
        seconds, response = _timed(fresh, f"/sitemap/{parts}.xml", {}, repeat)
        results["sitemap_last_part"] = {"seconds": seconds, "urls": response.text.count("<url>")}
    else:
        results["sitemap_urls"] = sitemap.count("<url>")
    return results


def report(results: dict[str, Any]) -> str:
    """The figures as Markdown tables; times relative to page 1 of the smallest description."""
    rows = results["descriptions"]
    base = rows[0]["seconds"]
    lines = [
        f"Page size: {results['page_size']} statements; {results['firms']} firms.",
        "",
        "| firm | statements (in) | pages | page | triples | KB | ms | × smallest |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['firm'].rsplit('/', 1)[-1]} | {r['statements']:,} ({r['incoming']:,}) | {r['pages']} | "
            f"{r['page']} | {r['triples']:,} | {r['bytes'] / 1024:.0f} | {r['seconds'] * 1000:.1f} | "
            f"{r['seconds'] / base:.1f} |"
        )
    lines += ["", "| per build | first request ms | cached ms | KB |", "|---|---|---|---|"]
    for name, r in results["per_build"].items():
        lines.append(f"| {name} | {r['first'] * 1000:.0f} | {r['cached'] * 1000:.1f} | {r['bytes'] / 1024:.0f} |")
    if "sitemap_last_part" in results:
        last = results["sitemap_last_part"]
        lines += [
            "",
            f"Sitemap index of {results['sitemap_parts']} parts; the last part ({last['urls']:,} URLs) "
            f"in {last['seconds'] * 1000:.0f} ms.",
        ]
    else:
        lines += ["", f"Sitemap: one file of {results['sitemap_urls']:,} URLs."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--var", type=Path, required=True, help="a var directory holding a build")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--hubs", type=int, default=3, help="how many of the biggest firms to measure")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    results = measure(args.var, args.repeat, args.hubs)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(report(results))


if __name__ == "__main__":
    main()
