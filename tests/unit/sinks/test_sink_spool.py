"""The on-disk spool: round trip, restart, torn tails, byte cap, pinning, order, locking."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from vigie.sinks.errors import SpoolError
from vigie.sinks.spool import HEADER, Spool, encode

ROOT = Path(__file__).resolve().parents[3]
BIG = 1 << 30


def batch(i: int, n: int = 5) -> list[str]:
    """Fixed-width lines, so every record of n lines has the same size."""
    return [f"m,b={i:04d} v={j:04d}i 1700000000000" for j in range(n)]


REC = len(encode(batch(0)))  # bytes of one 5-line record


def drain(spool: Spool) -> list[list[str]]:
    out: list[list[str]] = []
    for _ in range(10_000):
        got = spool.peek()
        if got is None:
            return out
        rec, lines = got
        assert rec.lines == len(lines)
        out.append(lines)
        spool.ack(rec)
    raise AssertionError("spool never drained")


def test_round_trip_in_order_and_segments_deleted_when_acknowledged(tmp_path: Path) -> None:
    odd = ["m,t=a\\ b\\,c v=1.5 1", "unicode,t=é€ v=\"x\\\"y\" 2"]
    with Spool(tmp_path / "sp", BIG, segment_bytes=4096) as spool:
        for i in range(40):
            spool.append(batch(i))
        spool.append(odd)
        assert spool.pending_batches == 41 and spool.pending_lines == 202
        assert len(spool.segment_files()) > 1  # rolled over
        assert drain(spool) == [batch(i) for i in range(40)] + [odd]
        assert spool.pending_lines == spool.pending_bytes == 0
    assert list((tmp_path / "sp").glob("*.seg")) == []


def test_directory_is_private(tmp_path: Path) -> None:
    Spool(tmp_path / "a" / "sp", BIG).close()
    assert stat.S_IMODE((tmp_path / "a" / "sp").stat().st_mode) == 0o700
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    with pytest.raises(SpoolError, match="chmod 700"):
        Spool(shared, BIG)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755  # refused, never changed behind the user's back


def test_restart_finds_pending_batches(tmp_path: Path) -> None:
    with Spool(tmp_path, BIG, segment_bytes=4096) as spool:
        for i in range(30):
            spool.append(batch(i))
        for _ in range(12):  # acknowledged ones must not come back
            got = spool.peek()
            assert got is not None
            spool.ack(got[0])
    with Spool(tmp_path, BIG) as again:
        assert again.pending_batches == 18 and again.pending_lines == 90
        again.append(batch(99))
        assert drain(again) == [batch(i) for i in range(12, 30)] + [batch(99)]
    with Spool(tmp_path, BIG) as empty:
        assert empty.pending_batches == 0


def test_restart_after_a_killed_process(tmp_path: Path) -> None:
    """A writer that dies without close() (os._exit): acknowledged batches stay consumed."""
    code = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from vigie.sinks.spool import Spool
        s = Spool({str(tmp_path)!r}, 1 << 30)
        for i in range(6):
            s.append([f"line {{i}}"])
        rec, _ = s.peek()
        s.ack(rec)
        os._exit(0)
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    with Spool(tmp_path, BIG) as spool:
        assert drain(spool) == [[f"line {i}"] for i in range(1, 6)]


@pytest.mark.parametrize("damage", ["cut_payload", "cut_header", "zero_fill", "garbage", "bad_length"])
def test_torn_tail_is_detected_and_skipped_never_misparsed(tmp_path: Path, damage: str) -> None:
    with Spool(tmp_path, BIG) as spool:
        for i in range(3):
            spool.append(batch(i))
    (seg,) = tmp_path.glob("*.seg")
    data = seg.read_bytes()
    assert len(data) == 3 * REC
    if damage == "cut_payload":
        data = data[:-7]
    elif damage == "cut_header":
        data = data[:2 * REC + 9]
    elif damage == "zero_fill":  # a crash can leave a zero-filled extent of the right size
        data = data[:2 * REC] + bytes(REC)
    elif damage == "garbage":
        data = data[:2 * REC] + b"VSB1" + os.urandom(REC)
    else:  # a header that claims more than the file holds
        data = data[:2 * REC] + HEADER.pack(b"VSB1", 5, 1 << 20, 0) + data[2 * REC + HEADER.size:]
    seg.write_bytes(data)
    with Spool(tmp_path, BIG) as spool:
        assert spool.torn_records == 1
        assert spool.pending_batches == 2
        assert seg.stat().st_size == 2 * REC  # cut back to the last good record
        spool.append(batch(7))  # new writes after the torn point read back fine
        assert drain(spool) == [batch(0), batch(1), batch(7)]


def test_corrupted_record_in_the_middle_ends_the_segment(tmp_path: Path) -> None:
    with Spool(tmp_path, BIG) as spool:
        for i in range(3):
            spool.append(batch(i))
    (seg,) = tmp_path.glob("*.seg")
    data = bytearray(seg.read_bytes())
    data[REC + HEADER.size + 3] ^= 0x01  # one bit of batch 1's payload
    seg.write_bytes(bytes(data))
    with Spool(tmp_path, BIG) as spool:
        assert spool.torn_records == 1
        assert drain(spool) == [batch(0)]  # never a record with a wrong byte


def test_cap_drops_the_oldest_with_an_exact_count(tmp_path: Path) -> None:
    with Spool(tmp_path, 3 * REC, segment_bytes=2 * REC) as spool:
        dropped = [spool.append(batch(i)) for i in range(10)]
        assert dropped == [0, 0, 0] + [5] * 7
        assert spool.dropped_lines == 35
        assert spool.pending_bytes == 3 * REC
        assert drain(spool) == [batch(7), batch(8), batch(9)]


def test_cap_never_drops_the_batch_being_sent(tmp_path: Path) -> None:
    with Spool(tmp_path, 3 * REC) as spool:
        for i in range(3):
            spool.append(batch(i))
        got = spool.peek()
        assert got is not None and got[1] == batch(0)
        assert spool.append(batch(3)) == 5  # batch 1 goes, not the pinned batch 0
        spool.ack(got[0])
        assert drain(spool) == [batch(2), batch(3)]


def test_holes_left_by_the_cap_survive_a_restart(tmp_path: Path) -> None:
    with Spool(tmp_path, 3 * REC) as spool:
        for i in range(3):
            spool.append(batch(i))
        assert spool.peek() is not None  # batch 0 pinned, then not acknowledged (process stops)
        spool.append(batch(3))  # drops batch 1: a hole after the head in the same segment
        spool.append(batch(4))  # drops batch 2
    with Spool(tmp_path, 3 * REC) as spool:
        assert spool.dropped_lines == 0
        assert drain(spool) == [batch(0), batch(3), batch(4)]


def test_record_larger_than_the_cap_is_dropped(tmp_path: Path) -> None:
    with Spool(tmp_path, REC - 1) as spool:
        assert spool.append(batch(0)) == 5
        assert spool.pending_batches == 0


def test_push_front_goes_before_everything_and_survives_restart(tmp_path: Path) -> None:
    with Spool(tmp_path, BIG) as spool:
        spool.append(batch(1))
        spool.append(batch(2))
        spool.push_front(batch(0))
    with Spool(tmp_path, BIG) as spool:
        spool.push_front(["older still"])
        assert drain(spool) == [["older still"], batch(0), batch(1), batch(2)]


def test_one_owner_at_a_time(tmp_path: Path) -> None:
    with Spool(tmp_path, BIG), pytest.raises(SpoolError, match="in use by another sink"):
        Spool(tmp_path, BIG)
    Spool(tmp_path, BIG).close()  # released by close()


def test_unusable_directory_is_a_spool_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(SpoolError, match="not usable"):
        Spool(tmp_path / "file" / "sp", BIG)
    with pytest.raises(SpoolError, match="positive"):
        Spool(tmp_path / "sp", 0)


def test_unreadable_state_means_resend_not_loss(tmp_path: Path) -> None:
    with Spool(tmp_path, BIG) as spool:
        for i in range(3):
            spool.append(batch(i))
        got = spool.peek()
        assert got is not None
        spool.ack(got[0])
    (tmp_path / "state.json").write_text("{not json")
    with Spool(tmp_path, BIG) as spool:
        assert drain(spool) == [batch(0), batch(1), batch(2)]
