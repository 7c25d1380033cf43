"""What the collectors observe: typed results, never exceptions.

A device poll always yields a :class:`DevicePoll`: the values read, the timing, and when
it failed the cause (:class:`PollError`) with a human sentence. These records are what the
counter logic (rates), the state engine and the stores consume.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class PollError(StrEnum):
    """Why a device poll failed (or was partial)."""

    TIMEOUT = "timeout"  # no answer after every retry
    AUTH_FAILURE = "auth_failure"  # v3 wrong digest / decryption error
    UNKNOWN_USER = "unknown_user"  # v3 user not configured on the agent
    UNKNOWN_ENGINE = "unknown_engine"  # v3 discovery failed or the engine changed under us
    NOT_IN_TIME_WINDOW = "not_in_time_window"  # v3 clock out of window even after resync
    DECODE_ERROR = "decode_error"  # the reply could not be decoded
    AGENT_ERROR = "agent_error"  # the agent answered with an error status (tooBig at 1 row, genErr...)
    NO_DATA = "no_data"  # the agent answered but has none of the objects asked for
    SEND_ERROR = "send_error"  # the operating system refused to send
    CONFIG = "config"  # missing or unusable credentials for this device
    SKIPPED = "skipped"  # the previous poll of the device was still running


@dataclass(frozen=True, slots=True)
class InterfaceSample:
    """One interface's raw values from one poll (None: not returned by the agent)."""

    if_index: int
    name: str | None = None
    admin_status: int | None = None
    oper_status: int | None = None
    in_octets: int | None = None
    out_octets: int | None = None
    counter_bits: int = 64  # 64: ifHC* counters; 32: ifIn/OutOctets fallback
    in_errors: int | None = None
    out_errors: int | None = None
    in_discards: int | None = None
    out_discards: int | None = None
    speed_mbps: int | None = None  # ifHighSpeed (or ifSpeed / 1e6 in the fallback)


@dataclass(frozen=True, slots=True)
class DevicePoll:
    """The outcome of polling one device once."""

    device: str
    address: str
    started: float  # wall-clock time (s) the poll started
    duration_s: float  # until the last answer (or the last timeout)
    error: PollError | None = None
    detail: str = ""  # why it failed, for operators
    sys_uptime: int | None = None  # TimeTicks (hundredths of a second), as the agent said
    uptime_at: float | None = None  # wall-clock time sysUpTime was answered
    response_ms: float | None = None  # round trip of the first answered request
    interfaces: tuple[InterfaceSample, ...] = ()
    pdus: int = 0  # requests sent (retries included)
    retries: int = 0
    partial: bool = False  # some values are missing (a walk failed midway)
    # columns added by configuration: name -> {row index: value}, as the agent sent them
    extra: Mapping[str, Mapping[tuple[int, ...], object]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def reachable(self) -> bool:
        """The agent answered something (even an error): the device is up."""
        return self.error not in (PollError.TIMEOUT, PollError.SEND_ERROR, PollError.CONFIG, PollError.SKIPPED)
