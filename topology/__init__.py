"""Topology model and resilience analyses (issue 5; see ``docs/resilience.md``).

- :mod:`topology.graph`: the :class:`~topology.graph.Network` (networkx multigraph, core, sites,
  POP/DC groups) from an inventory or any graph; :mod:`topology.graphml` from GraphML files.
- :mod:`topology.spof` and :mod:`topology.blast`: the points of failure of every site, the blast
  radius of every element and location, N-2; :mod:`topology.cuts`: articulation points, bridges.
- :mod:`topology.whatif`: the live state (what the state engine says is down).
- :mod:`topology.montecarlo` with :mod:`topology.availability`: expected availability per site.
- :mod:`topology.analysis`: everything at once; :mod:`topology.report` and :mod:`topology.cli`
  render it (``vigie resilience analyze|simulate``).
- :mod:`topology.reference`: brute-force references the tests and the benchmark compare with.

Pure functions over data: no clock, no I/O outside the CLI and the file readers.
"""
