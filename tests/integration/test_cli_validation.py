"""Bad input at the command line: exit code 2 and a message naming the place and the fix,
before anything is bound (``vigie inventory check``, ``vigie simulate``)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.integration.farmkit import REPO, FarmHandle, farm_env, first_device, free_udp_port
from vigie.model import Role

pytestmark = pytest.mark.integration

CLI_TIMEOUT_S = 30


def vigie(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vigie.cli", *args], capture_output=True, text=True,
                          timeout=CLI_TIMEOUT_S, env=env if env is not None else farm_env(), cwd=str(REPO),
                          stdin=subprocess.DEVNULL)


def test_inventory_check_names_every_problem(farm: FarmHandle, tmp_path: Path) -> None:
    doc = orjson.loads(farm.inventory_path.read_bytes())
    dev = doc["devices"][3]
    dev["snmp_profile"] = "rie-v9"
    link = doc["links"][5]
    device_a = link["a"].split(":")[0]
    link["a"] = f"{device_a}:Gi9/9/9"
    broken = tmp_path / "broken.json"
    broken.write_bytes(orjson.dumps(doc))
    r = vigie("inventory", "check", str(broken))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "2 problem(s)" in r.stderr, r.stderr
    assert f"devices[3]({dev['name']}).snmp_profile" in r.stderr and "'rie-v9'" in r.stderr, r.stderr
    assert f"links[5]({link['id']}).a" in r.stderr and "'Gi9/9/9'" in r.stderr, r.stderr
    assert vigie("inventory", "check", str(farm.inventory_path)).returncode == 0


def test_inventory_check_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "truncated.json"
    bad.write_text('{"format": "vigie-inventory", "version": 1,\n "name": ')
    r = vigie("inventory", "check", str(bad))
    assert r.returncode == 2
    assert "line 2 column" in r.stderr, r.stderr


def test_simulate_rejects_invalid_scenario_before_binding(farm: FarmHandle, tmp_path: Path) -> None:
    ce = first_device(farm.inventory, Role.CE)
    wrong_name = ce.name[:-1] + "9"
    assert wrong_name not in farm.inventory.devices
    scenario = tmp_path / "bad.toml"
    scenario.write_text(f'''
[[fault]]
at = "2s"
kind = "device_dwn"
device = "{ce.name}"

[[fault]]
at = "1s"
kind = "device_down"
device = "{wrong_name}"
duration = "4x"
''')
    gt = tmp_path / "gt.jsonl"
    port = free_udp_port()
    # Hold the port: a farm that bound before validating would fail on the port instead.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.bind(("0.0.0.0", port))
        r = vigie("simulate", "--inventory", str(farm.inventory_path), "--port", str(port), "--scenario",
                  str(scenario), "--ground-truth", str(gt), "--duration", "5")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "ready" not in r.stdout
    assert "cannot listen" not in r.stderr, r.stderr
    assert "fault[0].kind: unknown kind 'device_dwn'; did you mean 'device_down'?" in r.stderr, r.stderr
    assert f"fault[1].device: device '{wrong_name}' not in inventory; did you mean '{ce.name}'?" in r.stderr
    assert "fault[1].duration: '4x' is not a duration; write" in r.stderr, r.stderr
    assert not gt.exists()


def test_simulate_on_a_port_in_use(farm: FarmHandle, tmp_path: Path) -> None:
    gt = tmp_path / "gt.jsonl"
    r = vigie("simulate", "--inventory", str(farm.inventory_path), "--port", str(farm.port),
              "--ground-truth", str(gt), "--duration", "5")
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"cannot listen on UDP port {farm.port}: Address already in use" in r.stderr, r.stderr
    assert "--port" in r.stderr  # the fix
    assert "Traceback" not in r.stderr
    assert farm.alive()


def test_simulate_without_v3_passphrases(farm: FarmHandle) -> None:
    env = farm_env()
    del env["VIGIE_SNMP_AUTH_KEY"]
    r = vigie("simulate", "--inventory", str(farm.inventory_path), "--port", str(free_udp_port()),
              "--duration", "5", env=env)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "VIGIE_SNMP_AUTH_KEY" in r.stderr and "export" in r.stderr, r.stderr
