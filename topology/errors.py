"""Errors of the resilience analyses, under Vigie's one root (:mod:`vigie.errors`)::

    VigieError
    └── ResilienceError             the resilience analyses cannot run on this input
        ├── NetworkInvalid          a graph or inventory that cannot be analysed (no core, a name clash)
        ├── UnknownElement          a node, link or group name that is not in the network
        ├── GraphMLError            a GraphML file that cannot be read
        └── AvailabilityError       an availability table (TOML/JSON) that cannot be used

Each is also a ``ConfigError`` (bad input: the CLI exits with code 2), and every message names
the bad value and the fix.
"""

from __future__ import annotations

from vigie.errors import ConfigError


class ResilienceError(ConfigError):
    """The resilience analyses cannot run on this input; the message says which value and how to fix it."""


class NetworkInvalid(ResilienceError):
    """A graph or inventory that cannot be analysed."""


class UnknownElement(ResilienceError, KeyError):
    """A node, link or group name that is not in the network."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class GraphMLError(ResilienceError):
    """A GraphML file that cannot be read."""


class AvailabilityError(ResilienceError):
    """An availability table that cannot be used."""
