"""Integration tier: ``vigie simulate`` runs as a real subprocess on 127.0.0.0/8 and real
peers read it (net-snmp's command-line tools, pysnmp, raw sockets).

One farm serves the whole session (60 generated sites, mixed v2c/v3 profiles, plus one
recorded device); tests that need other flags or a scenario start their own, short-lived.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulators.rie import generate_rie
from tests.integration.farmkit import (
    RECORDED_ADDRESS,
    RECORDED_FILE,
    FarmHandle,
    free_udp_port,
    netsnmp_home,
    start_farm,
    stop_farm,
)
from vigie.inventory import write_inventory

SITES, SEED = 60, 11


@pytest.fixture(scope="session", autouse=True)
def _netsnmp_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    netsnmp_home(tmp_path_factory.mktemp("netsnmp"))


@pytest.fixture(scope="session")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FarmHandle]:
    """The shared farm: the inventory's own port (no --port), v3 user from the profile."""
    directory = tmp_path_factory.mktemp("farm")
    port = free_udp_port()
    inv = generate_rie(sites=SITES, seed=SEED, port=port, snmp="mixed")
    path = directory / "rie.json"
    write_inventory(inv, path)
    handle = start_farm(inv, path, directory, port, ["--snmprec", f"{RECORDED_ADDRESS}={RECORDED_FILE}"])
    yield handle
    code = stop_farm(handle)
    assert code == 0, f"farm exited with {code}; stderr:\n{handle.stderr()}"
    assert "Traceback" not in handle.stderr(), handle.stderr()
