"""``vigie backup``: bad input is exit 2 with the fix; the progress bar; the per-device summary."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from collectors.cli.backup import BackupOutcome
from collectors.cli.command import Progress, add_commands, main, summarise
from collectors.cli.errors import CliTimeout
from collectors.cli.session import DeviceResult
from tests.unit.cli.clikit import rie
from vigie.inventory import write_inventory


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "rie.json"
    write_inventory(rie(), path)
    return path


@pytest.mark.parametrize(("flags", "env", "words"), [
    (["--workers", "0"], {"PW": "x"}, "--workers 0 is out of range"),
    (["--port", "70000"], {"PW": "x"}, "--port 70000 is not a TCP port"),
    (["--timeout", "0"], {"PW": "x"}, "--timeout 0 must be positive"),
    (["--keep", "0"], {"PW": "x"}, "--keep 0"),
    ([], {}, "environment variable 'PW' is not set"),
    (["--devices", "NOPE*"], {"PW": "x"}, "matches no device"),
])
def test_bad_input_is_exit_2_with_the_fix(inventory: Path, flags: list[str], env: dict[str, str], words: str,
                                         monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("PW", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    code = main(["--inventory", str(inventory), "--password-env", "PW", *flags])
    assert code == 2
    assert words in capsys.readouterr().err


def test_a_missing_inventory_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PW", "x")
    assert main(["--inventory", str(tmp_path / "nope.json"), "--password-env", "PW"]) == 2
    assert "nope.json" in capsys.readouterr().err


def test_the_command_plugs_into_vigie() -> None:
    parser = argparse.ArgumentParser(prog="vigie")
    add_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["backup", "--inventory", "x.json", "--devices", "S0*", "--workers", "8"])
    assert args.command == "backup" and args.devices == "S0*" and args.workers == 8 and callable(args.func)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _results(tmp: Path) -> list[DeviceResult[BackupOutcome]]:
    ok = BackupOutcome("S00001-R1", True, tmp / "S00001-R1" / "20260301T020304Z.cfg", None)
    changed = BackupOutcome("S00002-R1", True, tmp / "20260301T020305Z.cfg", tmp / "20260228T000000Z.cfg", 3, 1)
    same = BackupOutcome("S00003-R1", False, tmp / "20260101T000000Z.cfg", None)
    dead = CliTimeout("no answer at 127.16.0.4:22 (no SSH banner or no prompt in time)", "S00004-R1")
    return [DeviceResult("S00001-R1", ok, None, 0.0, 0.5), DeviceResult("S00002-R1", changed, None, 0.0, 0.5),
            DeviceResult("S00003-R1", same, None, 0.0, 0.5), DeviceResult("S00004-R1", None, dead, 0.0, 20.0)]


def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    tty, pipe = _Tty(), io.StringIO()
    bars = [Progress(4, tty, every_s=0.0), Progress(4, pipe, every_s=0.0)]
    for res in _results(tmp_path):
        for bar in bars:
            bar.add(res)
    assert pipe.getvalue() == ""
    last = tty.getvalue().split("\r")[-1]
    assert last.startswith("backup [" + "#" * 30 + "] 4/4  ok 3  new 2  failed 1") and last.endswith("\n")


def test_summary_lists_new_versions_and_every_failure(tmp_path: Path) -> None:
    out = io.StringIO()
    summarise(_results(tmp_path), 21.0, 32, out)
    text = out.getvalue()
    assert text.startswith("vigie backup: 4 devices in 21.0 s (32 sessions at once): 3 ok (2 new versions, "
                           "1 unchanged), 1 failed")
    assert "new    S00001-R1      20260301T020304Z.cfg  first version" in text
    assert "+3 -1 lines" in text
    assert "FAILED S00004-R1      timeout" in text and "failures by kind: timeout 1" in text
