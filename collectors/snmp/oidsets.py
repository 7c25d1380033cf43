"""What the poller reads, as data: OID sets per vendor, extendable by configuration.

An :class:`OidSet` names the interface columns the poller walks (by field of
:class:`~vigie.observations.InterfaceSample`), the Counter32 fallback for agents without
ifXTable, and extra columns a configuration adds (stored as they come, by name).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from vigie.errors import ConfigError
from vigie.snmp.types import OID, parse_oid

SYS_UPTIME: OID = (1, 3, 6, 1, 2, 1, 1, 3)  # + .0
IF = (1, 3, 6, 1, 2, 1, 2, 2, 1)
IFX = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1)


@dataclass(frozen=True, slots=True)
class OidSet:
    name: str
    # InterfaceSample field -> column OID, walked every poll
    columns: Mapping[str, OID]
    # replacements when the agent has no ifXTable (Counter32 octets, ifSpeed in bit/s)
    fallback: Mapping[str, OID]
    # the ifName column: walked on the first poll and after a restart only; ifDescr for
    # agents without ifXTable
    names: OID = IFX + (1,)
    names_fallback: OID = IF + (2,)
    extra: Mapping[str, OID] = field(default_factory=dict)


DEFAULT = OidSet(
    name="if-mib",
    columns={
        "in_octets": IFX + (6,),  # ifHCInOctets
        "out_octets": IFX + (10,),  # ifHCOutOctets
        "speed_mbps": IFX + (15,),  # ifHighSpeed
        "admin_status": IF + (7,),
        "oper_status": IF + (8,),
        "in_discards": IF + (13,),
        "in_errors": IF + (14,),
        "out_discards": IF + (19,),
        "out_errors": IF + (20,),
    },
    fallback={
        "in_octets": IF + (10,),  # ifInOctets (Counter32)
        "out_octets": IF + (16,),  # ifOutOctets
        "speed_bps": IF + (5,),  # ifSpeed, bit/s
    },
)

# Vendor differences are data. The RIE's vendors implement IF-MIB fully; a vendor whose
# agent needs another set goes here (e.g. an older platform without ifHighSpeed).
VENDOR_SETS: dict[str, OidSet] = {}


def oidset_for(vendor: str, extra: Mapping[str, str] | None = None) -> OidSet:
    """The set for ``vendor``, plus ``extra`` columns {name: "1.3.6..."} from configuration."""
    base = VENDOR_SETS.get(vendor, DEFAULT)
    if not extra:
        return base
    parsed: dict[str, OID] = {}
    for name, text in extra.items():
        try:
            parsed[name] = parse_oid(text)
        except ValueError as exc:
            raise ConfigError(f"extra column {name!r}: {text!r} is not an OID; write it like "
                              "\"1.3.6.1.2.1.31.1.1.1.18\"") from exc
    return replace(base, extra={**base.extra, **parsed})
