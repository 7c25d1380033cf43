"""The simulated routers' CLI state machine: prompts, echo, type-ahead, enable, abbreviations."""

from __future__ import annotations

from tests.unit.cli.clikit import PASSWORD, USER, farm, first_with_neighbours, rie


def test_prompts_per_platform() -> None:
    inv = rie()
    f = farm(inv)
    expected = {"cisco": "{h}>", "juniper": f"{USER}@{{h}}> ", "huawei": "<{h}>"}
    for vendor, fmt in expected.items():
        name = first_with_neighbours(inv, vendor)
        shell = f.shell(name, USER)
        assert shell.greeting().endswith(fmt.format(h=name))


def test_type_ahead_is_echoed_only_after_the_prompt_that_precedes_it() -> None:
    inv = rie()
    f = farm(inv)
    name = first_with_neighbours(inv, "cisco", "S")
    shell = f.shell(name, USER)
    shell.greeting()
    out = shell.feed("terminal length 0\nterminal width 511\nshow ver")  # the last line is not finished
    prompt = f"{name}>"
    assert out == f"terminal length 0\r\n{prompt}terminal width 511\r\n{prompt}"
    assert shell.feed("sion") == ""  # still typing: nothing echoed yet
    out = shell.feed("\r\n")
    assert out.startswith("show version\r\nCisco IOS XE Software")
    assert out.endswith(prompt)


def test_crlf_is_one_line_even_split_across_packets() -> None:
    inv = rie()
    f = farm(inv)
    name = first_with_neighbours(inv, "huawei")
    shell = f.shell(name, USER)
    shell.greeting()
    assert shell.feed("\r") == f"\r\n<{name}>"
    assert shell.feed("\n") == ""  # the LF of that CRLF: no second prompt
    assert shell.feed("\n") == f"\r\n<{name}>"


def test_enable_asks_for_the_secret_and_never_echoes_it() -> None:
    inv = rie()
    f = farm(inv)
    name = first_with_neighbours(inv, "cisco", "S")
    shell = f.shell(name, USER)
    shell.greeting()
    assert "% Invalid input" in shell.feed("show running-config\n")  # user EXEC cannot
    assert shell.feed("enable\n") == "enable\r\nPassword: "
    out = shell.feed("wrong-secret\n")
    assert "wrong-secret" not in out and "% Access denied" in out and out.endswith(f"{name}>")
    shell.feed("en\n")
    out = shell.feed(PASSWORD + "\n")
    assert PASSWORD not in out and out.endswith(f"{name}#")
    assert "hostname " + name in shell.feed("sh run\n")


def test_abbreviations_and_unknown_commands() -> None:
    inv = rie()
    f = farm(inv)
    name = first_with_neighbours(inv, "juniper")
    shell = f.shell(name, USER)
    shell.greeting()
    assert f"Hostname: {name}" in shell.feed("sh ver\n")
    out = shell.feed("show bogus\n")
    assert "unknown command." in out
    huawei = first_with_neighbours(inv, "huawei")
    vrp = f.shell(huawei, USER)
    vrp.greeting()
    assert "Error: Unrecognized command" in vrp.feed("display bogus\n")
    assert "takes effect on the current user terminal" in vrp.feed("screen-length 0 temporary\n")


def test_exit_closes_the_session() -> None:
    inv = rie()
    f = farm(inv)
    for vendor, word in (("cisco", "exit"), ("juniper", "exit"), ("huawei", "quit")):
        shell = f.shell(first_with_neighbours(inv, vendor), USER)
        shell.greeting()
        shell.feed(word + "\n")
        assert shell.closed
        assert shell.feed("show version\n") == ""


def test_configuration_edits_show_with_a_new_change_time() -> None:
    inv = rie()
    f = farm(inv)
    name = first_with_neighbours(inv, "huawei")
    before = f.config(name).changed_at
    f.edit_config(name, ["ip route-static 0.0.0.0 0 127.0.0.1"], by="alice", at=before + 100)
    shell = f.shell(name, USER)
    shell.greeting()
    out = shell.feed("display current-configuration\n")
    assert "ip route-static 0.0.0.0 0 127.0.0.1\r\n#\r\nreturn" in out
    assert "by alice" in out
    assert f.config(name).changed_at == before + 100
