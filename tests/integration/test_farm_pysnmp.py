"""pysnmp 7 (asyncio hlapi, its own BER codec and USM) reads the farm: GET over v2c and v3
authPriv (SHA-256/AES-128), GETBULK and GETNEXT walks of one column."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    bulk_walk_cmd,
    get_cmd,
    usmAesCfb128Protocol,
    usmHMAC192SHA256AuthProtocol,
    walk_cmd,
)
from pysnmp.proto.rfc1902 import Counter64, OctetString

from tests.integration.farmkit import AUTH_KEY, COMMUNITY, PRIV_KEY, FarmHandle, first_device
from vigie.model import Device, Role

pytestmark = pytest.mark.integration

SYS_NAME = "1.3.6.1.2.1.1.5.0"
HC_IN_OCTETS = "1.3.6.1.2.1.31.1.1.1.6"
MAX_ROWS = 500  # walks stop here at the latest


@pytest.fixture
async def engine() -> AsyncIterator[SnmpEngine]:
    eng = SnmpEngine()
    yield eng
    eng.close_dispatcher()


def _credentials(kind: str) -> Any:
    if kind == "v2c":
        return CommunityData(COMMUNITY, mpModel=1)
    return UsmUserData("vigie", AUTH_KEY, PRIV_KEY, authProtocol=usmHMAC192SHA256AuthProtocol,
                       privProtocol=usmAesCfb128Protocol)


async def _target(farm: FarmHandle, dev: Device) -> UdpTransportTarget:
    return await UdpTransportTarget.create((dev.mgmt_address, farm.port), timeout=2, retries=1)


@pytest.mark.parametrize("kind", ["v2c", "v3"])
async def test_get_sysname(farm: FarmHandle, engine: SnmpEngine, kind: str) -> None:
    for role in (Role.CE, Role.COLLECT):
        dev = first_device(farm.inventory, role)
        err, status, _index, varbinds = await get_cmd(
            engine, _credentials(kind), await _target(farm, dev), ContextData(),
            ObjectType(ObjectIdentity(SYS_NAME)), lookupMib=False)
        assert err is None and not status, (err, status)
        [(oid, value)] = [tuple(vb) for vb in varbinds]
        assert str(oid) == SYS_NAME
        assert isinstance(value, OctetString) and bytes(value) == dev.name.encode()


@pytest.mark.parametrize("kind", ["v2c", "v3"])
@pytest.mark.parametrize("walker", ["bulk_walk_cmd", "walk_cmd"])
async def test_walk_hc_in_octets(farm: FarmHandle, engine: SnmpEngine, kind: str, walker: str) -> None:
    dev = first_device(farm.inventory, Role.COLLECT)
    column = ObjectType(ObjectIdentity(HC_IN_OCTETS))
    target = await _target(farm, dev)
    if walker == "bulk_walk_cmd":
        walk = bulk_walk_cmd(engine, _credentials(kind), target, ContextData(), 0, 25, column,
                             lookupMib=False, lexicographicMode=False)
    else:
        walk = walk_cmd(engine, _credentials(kind), target, ContextData(), column,
                        lookupMib=False, lexicographicMode=False)
    rows: list[tuple[int, int]] = []
    async for err, status, _index, varbinds in walk:
        assert err is None and not status, (err, status)
        for vb in varbinds:
            oid, value = tuple(vb)
            assert isinstance(value, Counter64)
            rows.append((int(tuple(oid)[-1]), int(value)))
        if len(rows) > MAX_ROWS:
            break
    assert [i for i, _ in rows] == sorted(i.index for i in dev.interfaces)
