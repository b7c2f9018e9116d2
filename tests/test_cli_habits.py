"""The command line as people use it: completion, help, progress in logs, Ctrl-C, folders."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_docs import DOCS, blocks, commands

COFFEE = ROOT / "scenarios" / "coffee-healthy.yaml"


def test_shell_completion_is_offered(run_cli) -> None:  # type: ignore[no-untyped-def]
    done = run_cli("--help")
    assert "--install-completion" in done.stdout and "--show-completion" in done.stdout
    # typer detects the shell from the process tree (the flag takes no value), so ask from
    # bash as a user would: run from a job with no shell above it, detection finds none
    shown = subprocess.run(
        # "; exit $?" keeps bash from exec'ing python: bash stays its parent
        ["bash", "-c", f"'{sys.executable}' -m econsim --show-completion; exit $?"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert shown.returncode == 0 and "complete -o default" in shown.stdout, shown.stderr


def test_help_has_no_type_tags(run_cli) -> None:  # type: ignore[no-untyped-def]
    for command in ("run", "sweep", "compare", "fit", "test", "calibrate"):
        text = run_cli(command, "--help").stdout
        tags = re.findall(r"<(?:list\[str\]|bool|str|int range|int|float|path)>", text)
        # an argument keeps its one kind (<path>): options read PATH, N, X or TEXT
        assert set(tags) <= {"<path>"}, (command, tags)
        assert "--set" not in text or "TEXT" in text


def test_init_list_works_alone_and_init_without_a_path_says_what_it_needs(run_cli) -> None:  # type: ignore[no-untyped-def]
    listed = run_cli("init", "--list")
    assert listed.returncode == 0 and "starter" in listed.stdout.split()
    bare = run_cli("init")
    assert bare.returncode == 2 and "init needs a PATH" in bare.stderr


def test_progress_is_printed_as_lines_when_the_output_is_not_a_terminal(
    run_cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    done = run_cli("run", COFFEE, "-o", tmp_path / "r", "--set", "population.users=300",
                   "--set", "population.acquisition_per_day=0", "--replications", "2",
                   "--workers", "1", "--no-charts")  # fmt: skip
    lines = [x for x in done.stderr.splitlines() if x.startswith("simulating: ")]
    assert [x.split()[1] for x in lines] == [f"{p}%" for p in range(10, 101, 10)], done.stderr


def _ctrl_c_as_in_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow  # a sweep interrupted
def test_ctrl_c_in_a_sweep_keeps_the_points_and_says_how_to_resume(tmp_path: Path) -> None:
    """Waits on the sweep's own progress line (an event, not a clock: issue 38 saw this test
    fail on a loaded machine), with far more points than can finish in the meantime."""
    out = tmp_path / "sweep"
    args = [sys.executable, "-m", "econsim", "sweep", str(COFFEE), "--param",
            "design.catalog.mug.points_price=2000:4000:401", "--set", "population.users=300",
            "--set", "horizon_days=60", "--replications", "1", "--workers", "2", "-o",
            str(out)]  # fmt: skip
    env = {**os.environ, "COLUMNS": "80"}
    # as from a terminal: a suite started in the background (``pytest &``, a CI runner)
    # passes SIGINT on ignored, and an ignored Ctrl-C rightly stays ignored (the sweep ran
    # to its end, exit 0)
    with subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=env, start_new_session=True,
                          preexec_fn=_ctrl_c_as_in_a_terminal) as proc:  # fmt: skip
        assert proc.stderr is not None
        seen = []
        for line in proc.stderr:  # blocks until the sweep reports its first finished point
            seen.append(line)
            if line.startswith("points: "):
                break
        else:
            proc.wait()
            pytest.fail(f"the sweep ended before its first point: {''.join(seen)[:2000]}")
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's process group
        _, err = proc.communicate(timeout=120)
    err = "".join(seen) + err
    assert proc.returncode == 130, err
    assert "finish the sweep with the same command and --resume" in err
    assert "Traceback" not in err
    assert len(list((out / "points").iterdir())) < 401  # interrupted, and the points kept


def _outputs(text: str) -> list[tuple[str, str]]:
    """(command, -o target) of every documented econsim command in ``text``."""
    found = []
    for line in text.splitlines():
        line = line.strip().removeprefix("$ ")
        if " econsim " not in f" {line}" or " -o " not in line:
            continue
        words = shlex.split(line[line.index("econsim") :])
        if "-o" in words:
            found.append((words[1], words[words.index("-o") + 1]))
    return found


def test_documented_commands_write_to_ignored_folders_and_never_to_one_taken(
    tmp_path: Path,
) -> None:
    ignored = (ROOT / ".gitignore").read_text().split()
    readme_first = blocks(ROOT / "README.md", "bash")[0]
    runnable = [readme_first] + [
        "\n".join("econsim " + shlex.join(args) for args in commands(path)) for path in DOCS
    ]
    targets: dict[str, str] = {}
    for text in runnable:
        for command, target in _outputs(text):
            top = target.split("/")[0]
            ignores = {top, f"{top}/", f"/{top}", f"/{top}/"}  # anchored at the top or not
            assert ignores & set(ignored), f"{target} is not in .gitignore"
            if command in ("segment",) or "--force" in text:
                continue  # segment always writes into its folder
            assert target not in targets, f"{target} is written twice ({targets[target]})"
            targets[target] = command
