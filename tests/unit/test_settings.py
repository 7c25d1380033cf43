"""Settings: flag > environment > file > default, every problem reported at once with its origin."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigie.settings import SettingsError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "vigie.toml"
    path.write_text(text)
    return path


def test_precedence_flag_over_environment_over_file_over_default(tmp_path: Path) -> None:
    config = write(tmp_path, '[monitor]\ninventory = "rie.json"\n[poll]\ninterval_s = 30\nconcurrency = 200\n'
                             '[engine]\nfailures_to_down = 4\n')
    env = {"VIGIE_POLL_INTERVAL_S": "20", "VIGIE_ENGINE_FAILURES_TO_DOWN": "5", "HOME": "/root"}
    s = load_settings(config, env, {"poll.interval_s": 10, "poll.port": None})
    assert s.poll.interval_s == 10.0 and s.origins["poll.interval_s"] == "command line"
    assert s.engine.failures_to_down == 5 and s.origins["engine.failures_to_down"].startswith("environment")
    assert s.poll.concurrency == 200 and s.origins["poll.concurrency"].startswith("file")
    assert s.poll.port == 0 and s.engine.successes_to_up == 1  # defaults
    assert ("poll.port", 0, "default") in s.describe()


def test_every_problem_at_once_with_where_and_fix(tmp_path: Path) -> None:
    config = write(tmp_path, '[poll]\ninterval_s = -1\nconcurency = 5\n[influx]\nenabled = true\n'
                             'url = "127.0.0.1:8428"\ntoken = "s3cret-value"\n[nope]\nx = 1\n')
    with pytest.raises(SettingsError) as info:
        load_settings(config, {"VIGIE_ENGINE_SUCCESSES_TO_UP": "many"}, {})
    text = str(info.value)
    problems = info.value.problems
    assert any("poll.interval_s" in p and "must be > 0" in p and "vigie.toml" in p for p in problems)
    assert any("unknown setting 'poll.concurency'" in p and "concurrency" in p for p in problems)
    assert any("VIGIE_ENGINE_SUCCESSES_TO_UP" in p and "expected int" in p for p in problems)
    assert any("influx.url" in p and "http://" in p for p in problems)
    assert any("influx.token" in p and "env:NAME" in p for p in problems)
    assert any("unknown section [nope]" in p for p in problems)
    assert any("monitor.inventory is not set" in p for p in problems)
    assert "s3cret-value" not in text  # a secret is never echoed


def test_broken_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="no such file"):
        load_settings(tmp_path / "missing.toml", {}, {})
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(write(tmp_path, "[poll\n"), {}, {})


def test_types_are_checked_not_guessed(tmp_path: Path) -> None:
    config = write(tmp_path, '[monitor]\ninventory = "r.json"\n[poll]\nconcurrency = 2.5\n[influx]\nenabled = "yes"\n')
    with pytest.raises(SettingsError) as info:
        load_settings(config, {}, {})
    assert any("[poll] concurrency" in p and "expected int" in p for p in info.value.problems)
    ok = load_settings(None, {"VIGIE_INFLUX_ENABLED": "true", "VIGIE_MONITOR_INVENTORY": "r.json"}, {})
    assert ok.influx.enabled is True
