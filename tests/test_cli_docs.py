"""Every command and every visible option of ``clobconn`` is documented in docs/cli.md, so the page
cannot drift from the code: a new option without its line there fails here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from clobconn.cli import cli

CLI_DOC = (Path(__file__).parents[1] / "docs" / "cli.md").read_text()


def commands(group: click.Group, path: str = "clobconn") -> Iterator[tuple[str, click.Command]]:
    yield path, group
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from commands(command, f"{path} {name}")
        else:
            yield f"{path} {name}", command


COMMANDS = dict(commands(cli))
OPTIONS = [
    (path, option)
    for path, command in COMMANDS.items()
    for param in command.params
    if isinstance(param, click.Option) and not param.hidden
    for option in param.opts if option.startswith("--")
]


def test_the_tree_is_walked() -> None:
    assert {"clobconn book", "clobconn sandbox serve", "clobconn check"} <= set(COMMANDS)
    assert ("clobconn book", "--depth") in OPTIONS


def section(path: str) -> str:
    """The text of ``path``'s section: from its ``## `path ...` heading to the next ``## ``; for the
    top-level group, the introduction before the first section."""
    if path == "clobconn":
        return CLI_DOC.split("\n## ", 1)[0]
    found = re.search(rf"^## `{re.escape(path)}(?:`| )(.*?)(?=^## |\Z)", CLI_DOC, re.MULTILINE | re.DOTALL)
    assert found, f"docs/cli.md has no section for {path}"
    return found.group(0)


@pytest.mark.parametrize("path", [p for p, c in COMMANDS.items() if not isinstance(c, click.Group)])
def test_every_command_has_its_section(path: str) -> None:
    assert section(path)


@pytest.mark.parametrize(("path", "option"), OPTIONS)
def test_every_option_is_documented_in_its_commands_section(path: str, option: str) -> None:
    assert re.search(rf"{re.escape(option)}\b", section(path)), f"docs/cli.md does not explain {path} {option}"
