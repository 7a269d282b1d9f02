"""autoalliance: a knowledge graph of strategic cooperation between automotive firms.

The build pipeline, one module per stage::

    kg.annotations -> kg.evidence -> kg.mapping -> kg.validation -> kg.reasoning -> kg.store -> kg.dumps

``kg.build`` runs them, one document at a time (``kg.units``, cached by ``kg.cache``; the checks across
documents in ``kg.corpus_checks``), then over the whole graph in the staged store; ``kg.cli`` is the thin
command-line layer over it.
"""

__version__ = "0.1.0"
