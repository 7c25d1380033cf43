"""A bounded on-disk spool of line batches: what a metrics sink could not send yet.

Layout of the spool directory (created mode 0700; an existing one open to group or others
is refused; one owner at a time: ``lock`` is held with ``flock`` while a :class:`Spool` is
open)::

    00000001099511627776.seg   segments: append-only, records written whole
    00000001099511627777.seg
    state.json                 what was consumed at the head (acknowledged or dropped)
    lock

A record is one batch: a 16-byte header (magic ``VSB1``, line count, payload length, CRC-32
of the counts and the payload, little-endian) and the payload (the lines joined by ``\\n``, UTF-8). When the
process dies mid-write the last record of a segment is torn: on open, every segment is
scanned, a record whose header, length or CRC does not check out ends the segment, which is
truncated there (``torn_records`` counts them); a torn record is never misparsed.

Records are read back oldest first (:meth:`Spool.peek`) and consumed by :meth:`Spool.ack`;
a segment is deleted once all of its records are consumed. ``state.json`` (replaced
atomically) remembers consumed records of segments still on disk, so after a restart a
new :class:`Spool` on the same directory finds exactly the pending batches. It is not
fsync'ed on every ack: after a power loss a few acknowledged batches may be sent again
(at-least-once), never lost.

Byte cap: when the pending bytes exceed ``max_bytes``, the OLDEST records are dropped (the
record being sent, pinned by :meth:`peek`, excepted) and their lines counted in
``dropped_lines``. The spool is not thread-safe: one owner (the sink, on its event loop).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import stat
import struct
import zlib
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vigie.sinks.errors import SpoolError

MAGIC = b"VSB1"
HEADER = struct.Struct("<4sIII")  # magic, lines, payload bytes, crc32(lines, payload bytes, payload)
_COUNTS = struct.Struct("<II")
FIRST_SEQ = 1 << 40  # room below for push_front()
SUFFIX = ".seg"
STATE = "state.json"
LOCK = "lock"
DEFAULT_SEGMENT_BYTES = 8 << 20


@dataclass(frozen=True, slots=True)
class SpoolRecord:
    """One pending batch on disk."""

    seq: int  # segment
    offset: int  # of the header in the segment
    size: int  # header + payload
    lines: int


@dataclass(slots=True)
class _Segment:
    seq: int
    path: Path
    pending: int = 0  # records not consumed yet
    start: int = 0  # every record before this offset is consumed
    skip: dict[int, int] | None = None  # consumed records beyond start: offset -> end
    read_fd: int | None = None


def _name(seq: int) -> str:
    return f"{seq:020d}{SUFFIX}"


def _crc(lines: int, payload: bytes | memoryview) -> int:
    return zlib.crc32(payload, zlib.crc32(_COUNTS.pack(lines, len(payload))))


def encode(lines: Sequence[str]) -> bytes:
    """One record: header + payload."""
    payload = "\n".join(lines).encode("utf-8")
    return HEADER.pack(MAGIC, len(lines), len(payload), _crc(len(lines), payload)) + payload


class Spool:
    """Pending line batches in ``directory``, at most about ``max_bytes`` of them."""

    def __init__(self, directory: str | os.PathLike[str], max_bytes: int,
                 segment_bytes: int = DEFAULT_SEGMENT_BYTES) -> None:
        if max_bytes <= 0:
            raise SpoolError(f"spool max_bytes must be positive, not {max_bytes}")
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.segment_bytes = max(4096, segment_bytes)
        self.dropped_lines = 0  # dropped to respect the byte cap, since open
        self.corrupt_lines = 0  # records that changed on disk under us (never sent)
        self.torn_records = 0  # torn tails found and truncated when opening
        self.pending_lines = 0
        self.pending_bytes = 0
        self._records: deque[SpoolRecord] = deque()
        self._segments: dict[int, _Segment] = {}
        self._pinned: SpoolRecord | None = None
        self._write_seq: int | None = None
        self._write_fd: int | None = None
        self._write_size = 0
        self._next_seq = FIRST_SEQ
        self._lock_fd: int | None = None
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            mode = stat.S_IMODE(self.directory.stat().st_mode)
            if mode & 0o077:
                raise SpoolError(f"spool directory {str(self.directory)!r} is open to group or others (mode "
                                 f"{mode:o}); give the sink a private directory or run 'chmod 700 {self.directory}'")
            self._lock_fd = os.open(self.directory / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise SpoolError(f"spool directory {str(self.directory)!r} is not usable ({exc.strerror}); "
                             f"choose a writable spool_dir") from exc
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(self._lock_fd)
            self._lock_fd = None
            raise SpoolError(f"spool directory {str(self.directory)!r} is in use by another sink; "
                             f"give each sink its own spool_dir") from exc
        self._load()

    # --- opening ----------------------------------------------------------------------------------

    def _load(self) -> None:
        state = self._read_state()
        seqs = sorted(int(p.name.removesuffix(SUFFIX)) for p in self.directory.glob(f"*{SUFFIX}")
                      if p.name.removesuffix(SUFFIX).isdigit())
        for seq in seqs:
            seg = _Segment(seq, self.directory / _name(seq))
            start, skip = state.get(seq, (0, {}))
            seg.start, seg.skip = start, (skip or None)
            data = seg.path.read_bytes()
            pos, good = 0, 0
            while pos < len(data):
                rec = self._check(data, pos, seq)
                if rec is None:
                    self.torn_records += 1
                    break
                if rec.offset >= start and rec.offset not in skip:
                    self._records.append(rec)
                    self.pending_lines += rec.lines
                    self.pending_bytes += rec.size
                    seg.pending += 1
                pos = good = rec.offset + rec.size
            if good < len(data):
                os.truncate(seg.path, good)
            self._next_seq = max(self._next_seq, seq + 1)
            if seg.pending:
                self._segments[seq] = seg
            else:
                seg.path.unlink(missing_ok=True)
        self._save_state()

    @staticmethod
    def _check(data: bytes, pos: int, seq: int) -> SpoolRecord | None:
        if pos + HEADER.size > len(data):
            return None
        magic, lines, length, crc = HEADER.unpack_from(data, pos)
        end = pos + HEADER.size + length
        if magic != MAGIC or end > len(data) or _crc(lines, memoryview(data)[pos + HEADER.size:end]) != crc:
            return None
        return SpoolRecord(seq, pos, HEADER.size + length, lines)

    def _read_state(self) -> dict[int, tuple[int, dict[int, int]]]:
        try:
            raw = json.loads((self.directory / STATE).read_text())
            return {int(k): (int(v["start"]), {int(a): int(b) for a, b in v.get("skip", [])})
                    for k, v in raw["segments"].items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError):
            # unreadable state: everything on disk is pending again (sent twice, never lost)
            return {}

    def _save_state(self) -> None:
        segments = {str(s.seq): {"start": s.start, "skip": sorted((s.skip or {}).items())}
                    for s in self._segments.values() if s.start or s.skip}
        tmp = self.directory / f"{STATE}.tmp"
        try:
            tmp.write_text(json.dumps({"segments": segments}))
            os.replace(tmp, self.directory / STATE)
        except OSError as exc:
            raise SpoolError(f"cannot write {str(self.directory / STATE)!r} ({exc.strerror})") from exc

    # --- writing ----------------------------------------------------------------------------------

    def append(self, lines: Sequence[str]) -> int:
        """Write one batch at the tail; returns the lines dropped to respect the byte cap."""
        if not lines:
            return 0
        self._append_record(encode(lines), len(lines))
        return self._enforce_cap()

    def _append_record(self, blob: bytes, lines: int) -> None:
        if self._write_fd is None or self._write_size >= self.segment_bytes:
            self._roll()
        assert self._write_fd is not None and self._write_seq is not None
        offset = self._write_size
        try:
            view = memoryview(blob)
            while view:
                view = view[os.write(self._write_fd, view):]
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(self._write_fd, offset)  # no torn record left behind
            self._close_writer()
            raise SpoolError(f"cannot write to spool {str(self.directory)!r} ({exc.strerror})") from exc
        self._write_size += len(blob)
        rec = SpoolRecord(self._write_seq, offset, len(blob), lines)
        self._records.append(rec)
        self._segments[self._write_seq].pending += 1
        self.pending_lines += lines
        self.pending_bytes += rec.size

    def _roll(self) -> None:
        self._close_writer()
        seq = self._next_seq
        self._next_seq += 1
        path = self.directory / _name(seq)
        try:
            self._write_fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as exc:
            raise SpoolError(f"cannot create spool segment {str(path)!r} ({exc.strerror})") from exc
        self._write_seq, self._write_size = seq, 0
        self._segments[seq] = _Segment(seq, path)

    def _close_writer(self) -> None:
        if self._write_fd is not None:
            os.close(self._write_fd)
        seq = self._write_seq
        self._write_fd, self._write_seq, self._write_size = None, None, 0
        if seq is not None and seq in self._segments and not self._segments[seq].pending:
            self._delete(self._segments[seq])

    def push_front(self, lines: Sequence[str]) -> None:
        """Write one batch *before* every pending one (the batch that was in flight at close:
        it is older than what was spooled meanwhile). Written in its own segment, fsync'ed."""
        if not lines:
            return
        seq = min([*self._segments, self._next_seq]) - 1
        path = self.directory / _name(seq)
        blob = encode(lines)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, blob)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise SpoolError(f"cannot write to spool {str(self.directory)!r} ({exc.strerror})") from exc
        seg = _Segment(seq, path, pending=1)
        self._segments[seq] = seg
        rec = SpoolRecord(seq, 0, len(blob), len(lines))
        self._records.appendleft(rec)
        self.pending_lines += rec.lines
        self.pending_bytes += rec.size
        self._enforce_cap()

    def _enforce_cap(self) -> int:
        dropped = 0
        while self.pending_bytes > self.max_bytes and self._records:
            if self._records[0] is not self._pinned:
                rec = self._records.popleft()
            elif len(self._records) > 1:
                rec = self._records[1]
                del self._records[1]
            else:
                break
            dropped += rec.lines
            self._consume(rec)
        if dropped:
            self.dropped_lines += dropped
            self._save_state()
        return dropped

    # --- reading ----------------------------------------------------------------------------------

    def peek(self) -> tuple[SpoolRecord, list[str]] | None:
        """The oldest pending batch and its lines (pinned: the cap will not drop it), or None."""
        while self._records:
            rec = self._records[0]
            seg = self._segments[rec.seq]
            try:
                if seg.read_fd is None:
                    seg.read_fd = os.open(seg.path, os.O_RDONLY)
                data = os.pread(seg.read_fd, rec.size, rec.offset)
            except OSError as exc:
                raise SpoolError(f"cannot read spool segment {str(seg.path)!r} ({exc.strerror})") from exc
            checked = self._check(data, 0, rec.seq)
            if checked is None or checked.size != rec.size:  # changed under us: never send garbage
                self._records.popleft()
                self.corrupt_lines += rec.lines
                self._consume(rec)
                self._save_state()
                continue
            self._pinned = rec
            text = data[HEADER.size:].decode("utf-8")
            return rec, text.split("\n")
        return None

    def ack(self, rec: SpoolRecord) -> None:
        """``rec`` was sent (or deliberately dropped): consume it for good."""
        if self._pinned is rec:
            self._pinned = None
        if self._records and self._records[0] is rec:
            self._records.popleft()
        else:
            try:
                self._records.remove(rec)
            except ValueError:
                return  # already consumed
        self._consume(rec)
        self._save_state()

    def _consume(self, rec: SpoolRecord) -> None:
        self.pending_lines -= rec.lines
        self.pending_bytes -= rec.size
        seg = self._segments[rec.seq]
        seg.pending -= 1
        if seg.pending == 0 and rec.seq != self._write_seq:
            self._delete(seg)
            return
        end = rec.offset + rec.size
        if rec.offset == seg.start:
            seg.start = end
            while seg.skip and seg.start in seg.skip:
                seg.start = seg.skip.pop(seg.start)
        else:
            if seg.skip is None:
                seg.skip = {}
            seg.skip[rec.offset] = end

    def _delete(self, seg: _Segment) -> None:
        if seg.read_fd is not None:
            os.close(seg.read_fd)
            seg.read_fd = None
        if seg.seq == self._write_seq:
            if self._write_fd is not None:
                os.close(self._write_fd)
            self._write_fd, self._write_seq, self._write_size = None, None, 0
        seg.path.unlink(missing_ok=True)
        self._segments.pop(seg.seq, None)

    # --- the rest ---------------------------------------------------------------------------------

    @property
    def pending_batches(self) -> int:
        return len(self._records)

    def segment_files(self) -> list[Path]:
        return sorted(self.directory.glob(f"*{SUFFIX}"))

    def sync(self) -> None:
        """fsync the segment being written and the directory (at close, not per batch)."""
        try:
            if self._write_fd is not None:
                os.fsync(self._write_fd)
            dir_fd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            raise SpoolError(f"cannot sync spool {str(self.directory)!r} ({exc.strerror})") from exc

    def close(self) -> None:
        """Sync, save the state, release the directory. Idempotent."""
        if self._lock_fd is None:
            return
        try:
            self.sync()
            self._save_state()
        finally:
            self._close_writer()
            for seg in self._segments.values():
                if seg.read_fd is not None:
                    os.close(seg.read_fd)
                    seg.read_fd = None
            os.close(self._lock_fd)
            self._lock_fd = None
            self._pinned = None

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
