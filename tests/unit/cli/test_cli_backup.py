"""Backups: normalisation, a new version only on change, diffs, time order, retention."""

from __future__ import annotations

import calendar
import time
from pathlib import Path

import pytest

from collectors.cli.backup import BackupStore, normalise
from collectors.cli.platforms import PLATFORMS

IOS = PLATFORMS["cisco"]
T0 = calendar.timegm((2026, 3, 1, 2, 3, 4, 0, 0, 0))

CONFIG = """Building configuration...\r
\r
Current configuration : 1234 bytes\r
!\r
! Last configuration change at 02:03:04 UTC Sun Mar 1 2026 by admin\r
! NVRAM config last updated at 02:03:05 UTC Sun Mar 1 2026 by admin\r
!\r
hostname S00001-R1   \r
!\r
interface GigabitEthernet0/0/0\r
 description UPLINK PAR-C01 Gi0/1/0\r
!\r
ntp clock-period 17180012\r
end\r
"""


def test_normalise_drops_what_changes_by_itself() -> None:
    text = normalise(IOS, CONFIG)
    assert text == ("!\n!\nhostname S00001-R1\n!\ninterface GigabitEthernet0/0/0\n description UPLINK PAR-C01 Gi0/1/0"
                    "\n!\nend\n")
    junos = normalise(PLATFORMS["juniper"], "## Last commit: 2026-03-01 02:03:04 UTC by admin\nversion 22.4;\n")
    assert junos == "version 22.4;\n"
    vrp = normalise(PLATFORMS["huawei"], "!Software Version V8\n!Last configuration was updated at 2026-03-01 "
                                         "02:03:04+00:00 by admin\n#\nsysname X\nreturn\n")
    assert vrp == "!Software Version V8\n#\nsysname X\nreturn\n"


def test_first_backup_then_unchanged_then_changed(tmp_path: Path) -> None:
    store = BackupStore(tmp_path)
    first = store.save("S00001-R1", IOS, CONFIG, T0)
    assert first.changed and first.first and first.path.name == "20260301T020304Z.cfg"
    assert not store.diff_path(first.path).exists()
    # the same configuration, its volatile lines changed: no new version
    again = store.save("S00001-R1", IOS, CONFIG.replace("17180012", "17180999").replace("1234", "1240"), T0 + 60)
    assert not again.changed and again.path == first.path
    assert store.versions("S00001-R1") == [first.path]
    changed = store.save("S00001-R1", IOS, CONFIG.replace("UPLINK PAR-C01", "UPLINK PAR-C02"), T0 + 120)
    assert changed.changed and changed.previous == first.path
    assert (changed.added, changed.removed) == (1, 1)
    diff = store.diff_path(changed.path).read_text()
    assert "- description UPLINK PAR-C01 Gi0/1/0" in diff and "+ description UPLINK PAR-C02 Gi0/1/0" in diff
    assert diff.startswith("--- S00001-R1/20260301T020304Z.cfg\n+++ S00001-R1/20260301T020504Z.cfg\n")
    assert store.diff("S00001-R1") == diff
    assert store.devices() == ["S00001-R1"]
    assert not list(tmp_path.rglob("*.tmp"))


def test_versions_keep_time_order_within_one_second_and_backwards_clocks(tmp_path: Path) -> None:
    store = BackupStore(tmp_path)
    names = [store.save("R", IOS, f"hostname R\nversion {i}\nend\n", T0 - i * 0.1).path.name for i in range(4)]
    assert names == sorted(names) and len(set(names)) == 4
    assert names[-1] == time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(T0 + 3)) + ".cfg"


def test_retention_keeps_the_newest_versions_and_their_diffs(tmp_path: Path) -> None:
    store = BackupStore(tmp_path, keep=3)
    outcomes = [store.save("R", IOS, f"hostname R\nlogging host 127.0.0.{i}\nend\n", T0 + 60 * i) for i in range(6)]
    kept = store.versions("R")
    assert kept == [o.path for o in outcomes[-3:]]
    assert sum(o.pruned for o in outcomes) == 3
    diffs = sorted(p.name for p in (tmp_path / "R").glob("*.diff"))
    assert diffs == [p.with_suffix(".diff").name for p in kept]


def test_device_names_that_are_not_folder_names_are_refused(tmp_path: Path) -> None:
    store = BackupStore(tmp_path)
    for bad in ("../etc", "a/b", "", ".hidden"):
        with pytest.raises(ValueError, match="cannot be a folder name"):
            store.save(bad, IOS, "hostname x\nend\n", T0)
    with pytest.raises(ValueError, match="keep"):
        BackupStore(tmp_path, keep=0)


def test_diff_of_a_device_with_one_version_is_empty(tmp_path: Path) -> None:
    store = BackupStore(tmp_path)
    assert store.diff("R") == ""
    store.save("R", IOS, "hostname R\nend\n", T0)
    assert store.diff("R") == ""
    assert store.latest("nobody") is None
