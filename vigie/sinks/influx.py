"""The full-resolution metrics sink: line protocol to InfluxDB (or VictoriaMetrics) through
``influxdb-client``'s async write API, with a memory buffer, an on-disk spool and retries.

Producers call :meth:`InfluxSink.write` (synchronous, never awaits, never blocks on the
network: it appends to a bounded in-memory buffer). A background task sends batches of
``batch_lines`` (a partial batch after ``flush_interval_s``), oldest first: the batch that
failed, then the spool, then memory. When memory holds more than ``memory_lines``, its
oldest lines go to the spool (on disk, one batch per record), and only when the spool is
over ``spool_max_bytes`` is anything dropped, oldest first, and counted.

Failures: connection refused, timeout, 5xx, 401/403/404, 429 → the same batch is retried
with exponential backoff and jitter (``backoff_first_s`` → ``backoff_max_s``); writes keep
being accepted meanwhile. 400, 413, 422 (the server refuses the data) → the batch is dropped
and counted under ``rejected_<status>``: retrying would fail forever.

:meth:`InfluxSink.close` flushes what it can within its timeout; whatever is left (the batch
in flight first, then memory) goes to the spool and is sent by the next sink started on the
same ``spool_dir``. Delivery is at-least-once: a batch whose request was cut by the close
timeout may have been received and will be sent again.

The sink is not thread-safe: call it from its event loop's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vigie.secrets import resolve
from vigie.sinks.errors import SinkClosed, SinkError, SinkRejected, SpoolError, convert_error
from vigie.sinks.settings import Backoff, InfluxSettings
from vigie.sinks.spool import Spool, SpoolRecord

__all__ = ["CLOSE_TIMEOUT_S", "InfluxSettings", "InfluxSink", "SinkStats", "Writer"]

log = logging.getLogger("vigie.sinks.influx")

Writer = Callable[[Sequence[str]], Awaitable[None]]
"""Sends one batch; raises :class:`SinkUnavailable` (retry) or :class:`SinkRejected` (drop)."""

CLOSE_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class SinkStats:
    """Counters since the sink was created. With ``lines_recovered`` (found in the spool at
    start): accepted + recovered = written + buffered + spooled + dropped."""

    lines_accepted: int
    lines_written: int
    lines_buffered: int  # in memory, the batch in flight included
    lines_spooled: int  # on disk, waiting
    lines_dropped: int
    dropped_reasons: Mapping[str, int]  # reason -> lines
    lines_recovered: int  # pending in the spool when the sink was created (a previous run's)
    batches_written: int
    batches_failed: int  # write attempts that failed (retried or rejected)
    retries: int  # attempts that repeated a failed batch
    last_error: str | None
    connected: bool  # the last attempt reached the server
    last_success_at: float | None  # wall clock
    spool_torn_records: int  # torn records found (and cut) when the spool was opened


class InfluxSink:
    """Batches line-protocol lines to ``settings.url``; see the module docstring.

    ``writer`` replaces the influxdb-client write (tests inject a fake); ``rng`` seeds the
    backoff jitter (or ``backoff`` replaces it); ``clock`` is monotonic seconds, ``wall`` the
    wall clock for stats; ``environ`` is where ``env:`` token references are looked up.
    """

    def __init__(self, settings: InfluxSettings, *, writer: Writer | None = None, rng: random.Random | None = None,
                 backoff: Backoff | None = None, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time, environ: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self._writer = writer
        self._environ = environ
        self._clock = clock
        self._wall = wall
        self._backoff = backoff or Backoff(settings.backoff_first_s, settings.backoff_max_s, rng)
        self._spool = Spool(settings.spool_dir, settings.spool_max_bytes) if settings.spool_dir else None
        self._recovered = self._spool.pending_lines if self._spool else 0
        self._mem: deque[str] = deque()
        self._mem_since = 0.0  # clock when the oldest line in memory arrived (about)
        self._inflight: list[str] | None = None  # a batch taken from memory, not written yet
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._idle = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._client: Any = None
        self._write_api: Any = None
        self._token: str | None = None
        self._closed = False
        self._draining = False
        self._deadline = 0.0
        self._retrying = False
        self._flush_requests = 0
        self._accepted = self._written = self._batches_written = self._batches_failed = self._retries = 0
        self._dropped: dict[str, int] = {}
        self._last_error: str | None = None
        self._connected = False
        self._last_success_at: float | None = None

    def __repr__(self) -> str:
        return (f"InfluxSink(url={self.settings.url!r}, bucket={self.settings.bucket!r}, "
                f"spool_dir={self.settings.spool_dir!r})")

    # --- producer side (synchronous) ---------------------------------------------------------------

    def write(self, lines: Sequence[str]) -> None:
        """Accept lines (never awaits, never touches the network). Raises :class:`SinkClosed`
        after :meth:`close`."""
        if self._closed:
            raise SinkClosed(f"metrics sink to {self.settings.url} is closed; {len(lines)} line(s) not accepted")
        n = len(lines)
        if not n:
            return
        mem = self._mem
        if not mem:
            self._mem_since = self._clock()
            self._wake.set()
        self._accepted += n
        mem.extend(lines)
        size = len(mem)
        if size > self.settings.memory_lines:
            self._overflow()
        elif size >= self.settings.batch_lines:
            self._wake.set()

    def _overflow(self) -> None:
        """Memory over its bound: the oldest lines go to the spool, a batch at a time (dropped
        and counted when there is no spool or it cannot be written)."""
        s, mem, spool = self.settings, self._mem, self._spool
        if spool is None:
            excess = len(mem) - s.memory_lines
            for _ in range(excess):
                mem.popleft()
            self._drop(excess, "memory_full")
            return
        while len(mem) > s.memory_lines:
            chunk = [mem.popleft() for _ in range(min(s.batch_lines, len(mem)))]
            try:
                spool.append(chunk)
            except SpoolError as exc:
                self._drop(len(chunk), "spool_error")
                self._last_error = str(exc)
        self._wake.set()

    def _drop(self, n: int, reason: str) -> None:
        self._dropped[reason] = self._dropped.get(reason, 0) + n

    def stats(self) -> SinkStats:
        reasons = dict(self._dropped)
        spool = self._spool
        if spool is not None:
            for reason, n in (("spool_full", spool.dropped_lines), ("spool_corrupt", spool.corrupt_lines)):
                if n:
                    reasons[reason] = reasons.get(reason, 0) + n
        return SinkStats(
            lines_accepted=self._accepted,
            lines_written=self._written,
            lines_buffered=len(self._mem) + len(self._inflight or ()),
            lines_spooled=spool.pending_lines if spool is not None else 0,
            lines_dropped=sum(reasons.values()),
            dropped_reasons=reasons,
            lines_recovered=self._recovered,
            batches_written=self._batches_written,
            batches_failed=self._batches_failed,
            retries=self._retries,
            last_error=self._last_error,
            connected=self._connected,
            last_success_at=self._last_success_at,
            spool_torn_records=spool.torn_records if spool is not None else 0,
        )

    # --- life cycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the background sender (resolving the token and opening the client first)."""
        if self._closed:
            raise SinkClosed("a closed sink cannot be started again; create a new one")
        if self._task is not None:
            return
        if self._writer is None:
            from influxdb_client.client.influxdb_client_async import InfluxDBClientAsync

            s = self.settings
            self._token = resolve(s.token_ref, self._environ) if s.token_ref else None
            self._client = InfluxDBClientAsync(url=s.url, token=self._token or "", org=s.org,
                                               timeout=max(1, int(s.timeout_s * 1000)))
            self._write_api = self._client.write_api()
            self._writer = self._influx_write
        self._task = asyncio.create_task(self._run(), name=f"vigie-influx-sink {self.settings.url}")

    async def flush(self, timeout: float) -> bool:
        """Send everything now (memory and spool); True when nothing is left within ``timeout``."""
        if self._task is None or self._task.done():
            return not self._pending()
        self._flush_requests += 1
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    while self._pending():
                        self._idle.clear()
                        self._wake.set()
                        await self._idle.wait()
        finally:
            self._flush_requests -= 1
        return not self._pending()

    async def close(self, timeout: float = CLOSE_TIMEOUT_S) -> None:
        """Flush what can be sent within ``timeout`` s; spool the rest (lost only without a
        spool: counted as ``closed``). Idempotent; :meth:`stats` stays readable after."""
        if self._closed:
            return
        self._closed = True
        task = self._task
        if task is not None and not task.done():
            self._draining = True
            self._deadline = self._clock() + timeout
            self._stop.set()
            self._wake.set()
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._spill_all()
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.close()
            self._client = self._write_api = None

    def _spill_all(self) -> None:
        inflight, self._inflight = self._inflight, None
        lines = list(self._mem)
        self._mem.clear()
        left = len(inflight or ()) + len(lines)
        spool = self._spool
        if spool is None:
            if left:
                self._drop(left, "closed")
                log.warning("metrics sink to %s closed with %d unsent line(s) and no spool_dir: dropped",
                            self.settings.url, left)
            return
        try:
            if inflight:
                spool.push_front(inflight)  # older than anything spooled while it was in flight
                left -= len(inflight)
            batch = self.settings.batch_lines
            for i in range(0, len(lines), batch):
                chunk = lines[i:i + batch]
                spool.append(chunk)
                left -= len(chunk)
        except SpoolError as exc:
            self._last_error = str(exc)
            self._drop(left, "spool_error")
            log.error("metrics sink: %d unsent line(s) lost at close: %s", left, exc)
        finally:
            spool.close()

    async def __aenter__(self) -> InfluxSink:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- sender ------------------------------------------------------------------------------------

    def _pending(self) -> bool:
        return bool(self._mem or self._inflight or (self._spool is not None and self._spool.pending_batches))

    def _next_batch(self) -> tuple[list[str], SpoolRecord | None] | None:
        """The batch to send now, oldest first: the failed one, the spool, then memory (full
        batch, or partial when due)."""
        if self._inflight is not None:
            return self._inflight, None
        if self._spool is not None and self._spool.pending_batches:
            got = self._spool.peek()
            if got is not None:
                rec, lines = got
                return lines, rec
        mem = self._mem
        if not mem:
            return None
        s = self.settings
        now = self._clock()
        if len(mem) < s.batch_lines and not self._draining and not self._flush_requests \
                and now - self._mem_since < s.flush_interval_s:
            return None
        n = min(s.batch_lines, len(mem))
        self._inflight = [mem.popleft() for _ in range(n)]
        self._mem_since = now
        return self._inflight, None

    async def _run(self) -> None:
        try:
            while await self._step():
                pass
        finally:
            self._idle.set()  # nobody waits on flush() forever

    async def _step(self) -> bool:
        """Send one batch or wait for one; False when the sender is done (closing)."""
        try:
            item = self._next_batch()
            if item is None:
                self._idle.set()
                if self._draining:
                    return False
                await self._wait_for_work()
                return True
            if await self._send(*item):
                return True
        except SpoolError as exc:
            self._last_error = str(exc)
            log.error("metrics sink: %s", exc)
        except Exception as exc:  # a bug must not stop the sender: say it, back off, go on
            self._last_error = f"internal error: {type(exc).__name__}: {exc}"
            log.exception("metrics sink: internal error")
        return await self._pause()

    async def _wait_for_work(self) -> None:
        self._wake.clear()
        timeout = None
        if self._mem:
            timeout = max(0.0, self._mem_since + self.settings.flush_interval_s - self._clock())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    async def _pause(self) -> bool:
        """Wait the next backoff delay; False when closing and the delay would pass the deadline."""
        delay = self._backoff.next()
        if self._draining:
            if self._clock() + delay >= self._deadline:
                return False
            await asyncio.sleep(delay)
            return True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), delay)
        return True

    async def _send(self, lines: list[str], rec: SpoolRecord | None) -> bool:
        """One attempt; True when the batch is settled (written or rejected), False to retry."""
        assert self._writer is not None
        n = len(lines)
        if self._retrying:
            self._retries += 1
        try:
            async with asyncio.timeout(self.settings.timeout_s + 1.0):  # belt over the client's own timeout
                await self._writer(lines)
        except Exception as exc:  # (CancelledError is a BaseException: it goes through)
            err = convert_error(exc, self.settings.url, self.settings.timeout_s, self._token)
            if not isinstance(exc, SinkError | TimeoutError):
                log.debug("metrics sink: the writer raised %s", type(exc).__name__, exc_info=True)
            self._batches_failed += 1
            self._last_error = str(err)
            if isinstance(err, SinkRejected):
                self._connected = True
                self._drop(n, f"rejected_{err.status}")
                log.warning("metrics sink: %s (%d line(s))", err, n)
                self._settle(rec)
                return True
            if self._connected or not self._retrying:
                log.warning("metrics sink: %s; buffering and retrying with backoff", err)
            self._connected = False
            self._retrying = True
            return False
        if self._retrying:
            log.info("metrics sink: %s is taking writes again", self.settings.url)
        self._written += n
        self._batches_written += 1
        self._connected = True
        self._last_success_at = self._wall()
        self._backoff.reset()
        self._settle(rec)
        return True

    def _settle(self, rec: SpoolRecord | None) -> None:
        self._retrying = False
        if rec is not None:
            assert self._spool is not None
            self._spool.ack(rec)
        else:
            self._inflight = None

    async def _influx_write(self, lines: Sequence[str]) -> None:
        """The real writer: influxdb-client's async write API, millisecond precision. The batch
        goes as one string: the client serialises a list item by item (measured: 5× the CPU)."""
        from influxdb_client.domain.write_precision import WritePrecision

        assert self._write_api is not None
        try:
            await self._write_api.write(bucket=self.settings.bucket, org=self.settings.org, record="\n".join(lines),
                                        write_precision=WritePrecision.MS)
        except Exception as exc:
            raise convert_error(exc, self.settings.url, self.settings.timeout_s, self._token) from exc
