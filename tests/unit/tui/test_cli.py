"""``vigie tui``'s command: the parser it adds, and its refusals (each naming the fix)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from tui.cli import add_commands


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="vigie")
    add_commands(parser.add_subparsers(dest="command"))
    return parser.parse_args(["tui", *argv])


def test_parser_defaults() -> None:
    args = parse("--inventory", "rie.json")
    assert args.store == Path("vigie.db") and args.view == "overview" and args.who is None


def test_parser_names_match_the_app() -> None:
    from textual.app import App

    from tui import cli
    from tui.app import THEMES, VIEW_NAMES

    assert cli.VIEW_NAMES == VIEW_NAMES
    assert set(THEMES) <= set(cli.THEME_NAMES)
    assert set(cli.THEME_NAMES) - set(THEMES) <= set(App().available_themes)


def test_refuses_without_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    args = parse("--inventory", "rie.json")
    assert args.func(args) == 2  # pytest's stdin is not a terminal
    assert "needs a terminal" in capsys.readouterr().err


def test_refuses_a_missing_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    from simulators.rie import generate_rie
    from vigie.inventory import write_inventory

    inv = tmp_path / "rie.json"
    write_inventory(generate_rie(5, seed=1), inv)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    args = parse("--inventory", str(inv), "--store", str(tmp_path / "nope.db"))
    assert args.func(args) == 2
    assert "does not exist" in capsys.readouterr().err
    args = parse("--inventory", str(tmp_path / "missing.json"))
    assert args.func(args) == 2
    assert "no such file" in capsys.readouterr().err
