"""CI runs exactly the README's quick-start test command, so a green CI means a newcomer's
run of that command is green too."""

from __future__ import annotations

import re
import subprocess

from tests.helpers import REPO


def readme_quick_start() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```sh\n(.*?)```", section, re.S)
    return [line.split("   #", 1)[0].strip() for line in block.splitlines()]


def test_ci_runs_the_readme_test_command_word_for_word():
    printed = subprocess.run(
        [str(REPO / ".ci/run"), "--print"], capture_output=True, text=True, check=True
    ).stdout
    [test_command] = [line for line in readme_quick_start() if line.endswith("pytest")]
    assert printed == test_command + "\n"
    # Installed as a user would, not editable: proves the wheel carries templates and assets.
    assert 'pip install ".[test]" && pytest' in test_command and " -e " not in test_command


def test_ci_runs_nothing_else_that_installs_or_tests():
    script = (REPO / ".ci/run").read_text(encoding="utf-8")
    code = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    runs = re.compile(r"^\s*(\S*python3? -m )?(pip|pytest)\b")
    assert [line for line in code if runs.match(line)] == []
    assert "pip install" not in script
