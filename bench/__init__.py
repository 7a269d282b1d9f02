"""Benchmarks: a synthetic corpus in the real annotation format, build scaling and query latency.

``python -m bench.run`` runs them; ``docs/benchmarks.md`` explains the numbers.
"""
