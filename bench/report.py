"""Markdown tables of ``bench/out/results.json``: what docs/benchmarks.md quotes."""

from __future__ import annotations

import math

ENGINES = ("pyoxigraph", "endpoint", "rdflib", "rdflib-endpoint")
RATIOS = ("endpoint/pyoxigraph", "rdflib-endpoint/endpoint", "rdflib/pyoxigraph")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _growth(a: float, b: float, size_a: int, size_b: int) -> str:
    """``b/a`` and the exponent k of time ~ size^k between two sizes."""
    if a <= 0 or b <= 0:
        return "–"
    return f"×{b / a:.1f} (k={math.log(b / a) / math.log(size_b / size_a):.2f})"


def _builds(builds: list[dict]) -> str:
    done = [b for b in builds if "seconds" in b]
    rows = []
    for b in builds:
        if "seconds" not in b:
            rows.append([f"{b['documents']:,}", "–", "–", "–", "–", "–", f"skipped: {b['skipped']}"])
            continue
        rows.append(
            [
                f"{b['documents']:,}",
                f"{b['quads']:,}",
                f"{b['seconds']:.1f}",
                f"{b['seconds'] / b['documents'] * 1000:.1f}",
                f"{b['peak_rss_mb']:,}",
                f"{b['peak_rss_children_mb']:,}",
                "",
            ]
        )
    text = _table(["documents", "quads", "build s", "s per 1k docs", "peak RSS MB", "Java peak MB", "note"], rows)
    if len(done) < 2:
        return text
    sizes = [b["documents"] for b in done]
    header = (
        ["stage"]
        + [f"{s:,} docs (s)" for s in sizes]
        + [f"growth {a:,}→{b:,}" for a, b in zip(sizes, sizes[1:], strict=False)]
    )

    def per(key: str, field: str) -> str:
        names = list(
            dict.fromkeys(
                name
                for b in done
                for name in ([s["stage"] for s in b["stages"]] if field == "stages" else list(b["functions"]))
            )
        )
        rows = []
        for name in names:
            values = [
                (
                    next((s["seconds"] for s in b["stages"] if s["stage"] == name), 0.0)
                    if field == "stages"
                    else b["functions"].get(name, 0.0)
                )
                for b in done
            ]
            rows.append(
                [name]
                + [f"{v:.2f}" for v in values]
                + [_growth(a, b, sa, sb) for a, b, sa, sb in zip(values, values[1:], sizes, sizes[1:], strict=False)]
            )
        return _table([key] + header[1:], rows)

    total = [b["seconds"] for b in done]
    mem = [b["peak_rss_mb"] for b in done]
    summary = _table(
        ["", *[f"{s:,} docs" for s in sizes], *[f"growth {a:,}→{b:,}" for a, b in zip(sizes, sizes[1:], strict=False)]],
        [
            [
                "build seconds",
                *[f"{t:.1f}" for t in total],
                *[_growth(a, b, sa, sb) for a, b, sa, sb in zip(total, total[1:], sizes, sizes[1:], strict=False)],
            ],
            [
                "peak RSS MB",
                *[f"{m:,}" for m in mem],
                *[_growth(a, b, sa, sb) for a, b, sa, sb in zip(mem, mem[1:], sizes, sizes[1:], strict=False)],
            ],
        ],
    )
    return (
        text
        + "\nGrowth (k is the exponent of time ~ size^k; 1.00 is linear):\n\n"
        + summary
        + "\nPer stage (between the `progress` messages of `kg.build.build`):\n\n"
        + per("stage", "stages")
        + "\nPer function called by `kg.build` (inclusive times):\n\n"
        + per("function", "functions")
    )


def _queries(size: str, measured: dict) -> str:
    rows = []
    for name, engines in measured["queries"].items():
        results = {engines[e]["result"] for e in ENGINES if e in engines}
        ratio = measured["ratios"].get(name, {})
        rows.append(
            [
                name,
                *[f"{engines[e]['median_ms']:.2f}" if e in engines else "–" for e in ENGINES],
                *[f"{ratio[r]:.2f}" if r in ratio else "–" for r in RATIOS],
                "yes" if len(results) == 1 else "NO: " + ", ".join(sorted(results)),
                engines.get("pyoxigraph", {}).get("result", ""),
            ]
        )
    setup = ", ".join(f"{k} {v}" for k, v in measured["setup"].items())
    return (
        f"Corpus of {int(size):,} documents; firm of the `partners` query: `{measured['firm']}`; {setup}.\n\n"
        + _table(["query", *[f"{e} ms" for e in ENGINES], *RATIOS, "same result", "result"], rows)
    )


def render(results: dict) -> str:
    """The report as Markdown: machine, command, corpora, builds, queries."""
    m = results.get("machine", {})
    parts = [
        "# Benchmark results\n",
        f"`{results.get('command', '')}` on {m.get('date')}\n",
        f"Machine: {m.get('nproc')} CPUs ({m.get('cpu')}), {m.get('memory_gb')} GB RAM, Python "
        f"{m.get('python')}, {m.get('platform')}, {m.get('java')}.\n",
        "Packages: " + ", ".join(f"{k} {v}" for k, v in m.get("packages", {}).items() if v) + ".\n",
    ]
    if results.get("corpora"):
        rows = []
        for size, c in results["corpora"].items():
            s = c["stats"]
            deals = sum(v for k, v in s.items() if k.startswith("deal:"))
            rows.append(
                [
                    f"{int(size):,}",
                    f"{s['firms']:,}",
                    f"{s['people']:,}",
                    f"{s['products']:,}",
                    f"{deals:,}",
                    f"{s.get('refs', 0):,}",
                    f"{s.get('alliances', 0):,}",
                    f"{s.get('investigations', 0):,}",
                    f"{s['evidence']:,}",
                    f"{c['seconds']}",
                ]
            )
        parts += [
            "\n## Corpora\n\n",
            _table(
                [
                    "documents",
                    "firms",
                    "people",
                    "products",
                    "deals",
                    "refs",
                    "alliances",
                    "investigations",
                    "quotes",
                    "generated in s",
                ],
                rows,
            ),
        ]
    if results.get("builds"):
        parts += ["\n## Build\n\n", _builds(results["builds"])]
    if results.get("dumps"):
        sizes = list(results["dumps"])
        names = list(dict.fromkeys(n for d in results["dumps"].values() for n in d))
        rows = []
        for name in names:
            values = [results["dumps"][s].get(name, 0.0) for s in sizes]
            rows.append(
                [
                    name,
                    *[f"{v:.2f}" for v in values],
                    *[
                        _growth(a, b, int(sa), int(sb))
                        for a, b, sa, sb in zip(values, values[1:], sizes, sizes[1:], strict=False)
                    ],
                ]
            )
        parts += [
            "\n## Dump writers\n\n",
            _table(
                [
                    "writer",
                    *[f"{int(s):,} docs (s)" for s in sizes],
                    *[f"growth {int(a):,}→{int(b):,}" for a, b in zip(sizes, sizes[1:], strict=False)],
                ],
                rows,
            ),
        ]
    for size, measured in (results.get("queries") or {}).items():
        parts += [f"\n## Query latency, {int(size):,} documents\n\n", _queries(size, measured)]
    return "".join(parts)
