"""Secrets by reference: ``env:NAME`` or ``file:PATH#KEY``; never inline, never logged.

A secrets file is TOML (``key = "value"``, tables allowed: ``file:/etc/vigie/secrets.toml#rie.auth``)
that only its owner may read (mode 0600 or stricter): Vigie refuses a file that its group
or others can read, and says how to fix it.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path

from vigie.errors import SecretError


class Secret(str):
    """A string whose repr never shows the value (so it never reaches a log by accident)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('***')"


def _from_file(path: str, key: str) -> str:
    p = Path(path)
    try:
        mode = p.stat().st_mode
    except FileNotFoundError:
        raise SecretError(f"secrets file {path!r} does not exist; create it (mode 0600) or fix the reference") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretError(f"secrets file {path!r} is readable by group or others (mode {stat.S_IMODE(mode):o}); "
                          f"run 'chmod 600 {path}'")
    try:
        data: object = tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise SecretError(f"secrets file {path!r} is not valid TOML: {exc}") from exc
    for part in key.split("."):
        if not isinstance(data, Mapping) or part not in data:
            raise SecretError(f"secrets file {path!r} has no key {key!r}; add {key.split('.')[-1]} = \"...\"")
        data = data[part]
    if not isinstance(data, str):
        raise SecretError(f"secret {key!r} in {path!r} must be a string")
    return data


def resolve(ref: str, environ: Mapping[str, str] | None = None, default: str | None = None) -> Secret:
    """The secret behind ``ref``; ``default`` when an ``env:`` variable is unset (if given)."""
    env = os.environ if environ is None else environ
    scheme, _, rest = ref.partition(":")
    if scheme == "env":
        value = env.get(rest)
        if value is None:
            if default is not None:
                return Secret(default)
            raise SecretError(f"environment variable {rest!r} is not set (secret reference {ref!r}); "
                              f"export {rest}=... before starting")
        return Secret(value)
    if scheme == "file":
        path, sep, key = rest.partition("#")
        if not sep or not key:
            raise SecretError(f"secret reference {ref!r} needs a key: 'file:/path/secrets.toml#key'")
        return Secret(_from_file(path, key))
    raise SecretError(f"secret reference {ref!r} is not understood; use 'env:NAME' or 'file:PATH#KEY'")
