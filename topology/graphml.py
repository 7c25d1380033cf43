"""Real networks from GraphML files (the Internet Topology Zoo, RENATER among them).

Nodes are named by their ``label`` when it is unique in the file, else ``label (id)``; a node without
a label keeps its id. Links are named ``A -- B`` (``#2``... for parallel links). The core is given
by name, label or GraphML id; without one, the node of highest degree (ties: the first name) is the
core, and the analyses say so. Every other node is a site of its own and carries transit.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import networkx as nx

from topology.errors import GraphMLError, UnknownElement
from topology.graph import Network, from_graph


def node_names(g: nx.Graph) -> dict[str, str]:
    """GraphML id → the name the analyses use."""
    labels = {str(n): str(d["label"]) if d.get("label") not in (None, "") else "" for n, d in g.nodes(data=True)}
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    out = {}
    for n, label in labels.items():
        out[n] = n if not label else label if seen[label] == 1 else f"{label} ({n})"
    uses = Counter(out.values())  # a label equal to an unlabelled node's id: "#id" for those
    return {n: name if uses[name] == 1 else f"#{n}" for n, name in out.items()}


def default_core(g: nx.Graph) -> str:
    """The node of highest degree (ties: the smallest name)."""
    if g.number_of_nodes() == 0:
        raise GraphMLError("the graph has no node; nothing to analyse")
    return str(min(g.nodes, key=lambda n: (-g.degree(n), str(n))))


def resolve_core(g: nx.Graph, ids: dict[str, str], wanted: Sequence[str], source: str) -> list[str]:
    """Names of the core nodes given by name, GraphML id or label."""
    by_label: dict[str, list[str]] = {}
    for n, d in g.nodes(data=True):
        by_label.setdefault(str(d.get("label", "")), []).append(ids[str(n)])
    names = set(ids.values())
    out = []
    for w in wanted:
        if w in names:
            out.append(w)
        elif w in ids:
            out.append(ids[w])
        elif len(by_label.get(w, [])) == 1:
            out.append(by_label[w][0])
        elif w in by_label:
            raise UnknownElement(f"core {w!r} is the label of {len(by_label[w])} nodes in {source}; "
                                 f"name one of them: {', '.join(repr(x) for x in sorted(by_label[w]))}")
        else:
            sample = ", ".join(repr(x) for x in sorted(names)[:5])
            raise UnknownElement(f"core {w!r} is not a node of {source}; give a node label or id (e.g. {sample})")
    return out


def from_networkx(g: nx.Graph, core: Sequence[str] = (), name: str = "graph", source: str = "the graph") -> Network:
    """A GraphML-style graph (nodes with optional ``label``) as a :class:`Network`."""
    if g.is_directed():
        g = g.to_undirected(as_view=False)
    ids = node_names(g)
    h = nx.relabel_nodes(g, ids, copy=True)
    for gid, n in ids.items():
        h.nodes[n]["graphml_id"] = gid
    chosen = resolve_core(g, ids, core, source) if core else [ids[default_core(g)]]
    return from_graph(h, chosen, name=name, kind="graphml")


def read_graphml(path: str | Path, core: Sequence[str] = ()) -> Network:
    p = Path(path)
    try:
        g = nx.read_graphml(p)
    except FileNotFoundError:
        raise GraphMLError(f"GraphML file {str(p)!r} does not exist; give the path of a .graphml file") from None
    except OSError as exc:
        raise GraphMLError(f"cannot read GraphML file {str(p)!r}: {exc.strerror}") from exc
    except (ET.ParseError, nx.NetworkXError, KeyError, ValueError) as exc:
        raise GraphMLError(f"{str(p)!r} is not a GraphML graph networkx can read ({exc}); "
                           "check the file (xmllint --noout FILE)") from exc
    name = str(g.graph.get("label") or g.graph.get("Network") or p.stem)
    return from_networkx(g, core, name=name, source=repr(str(p)))
