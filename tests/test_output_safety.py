"""``-o`` and ``--force`` never touch what econsim did not write (issue 38).

``econsim run my.yaml -o . --force`` in a project folder used to end in an error — and
my.yaml and notes/ were gone (the user's files were moved into the half-written folder that
the error then removed). ``--force`` may replace what econsim wrote before, never anything
else; a name or link that cannot be written is refused before any work.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from econsim import run
from econsim.errors import OutputError
from econsim.report import check_target, write
from tests.conftest import ROOT, econsim_here, small

HEALTHY = ROOT / "scenarios" / "coffee-healthy.yaml"


def project(root: Path) -> Path:
    """A user's project folder: their scenario, notes and a sub-folder of their own."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "my.yaml").write_text(HEALTHY.read_text(encoding="utf-8"), encoding="utf-8")
    (root / "notes").mkdir()
    (root / "notes" / "ideas.md").write_text("keep me\n", encoding="utf-8")
    (root / "budget.xlsx").write_bytes(b"\x00finance's own workbook")
    return root


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def refused(done: object, named: str) -> str:
    assert done.returncode == 2, done.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in done.stderr  # type: ignore[attr-defined]
    message = " ".join(done.stderr.split())  # type: ignore[attr-defined]  # rich wraps lines
    assert message.startswith("-o: ") and named in message, message
    return message


@pytest.mark.parametrize(
    ("cwd", "args", "named"),
    [
        ("proj", ("run", "my.yaml", "-o", ".", "--force"), "the current folder"),
        ("proj/notes", ("run", "../my.yaml", "-o", "..", "--force"), "a folder above"),
        ("proj", ("compare", "my.yaml", "my.yaml", "-o", ".", "--force"), "the current folder"),
        (".", ("run", "proj/my.yaml", "-o", "proj", "--force"), "which this command reads"),
        (
            ".",
            ("monitor", "log.csv", "--design", "proj/my.yaml", "-o", "proj", "--force"),
            "which this command reads",
        ),
        (
            "proj",
            ("sweep", "my.yaml", "--param", "seed=1:2:2", "-o", ".", "--force"),
            "the current folder",
        ),
    ],
)
def test_force_never_replaces_the_users_own_folder(
    tmp_path: Path, cwd: str, args: tuple[str, ...], named: str
) -> None:
    proj = project(tmp_path / "proj")
    (tmp_path / "log.csv").write_text("user_id,date,event\n", encoding="utf-8")
    before = tree(tmp_path)
    done = econsim_here(*args, cwd=tmp_path / cwd)
    message = refused(done, named)
    assert "--force" in message
    assert tree(tmp_path) == before, "every file of the folder survives"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv", "proj"]  # nothing left
    assert proj.is_dir()


def test_force_refuses_a_folder_holding_files_econsim_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "runs" / "x"
    out.mkdir(parents=True)
    (out / "summary.json").write_text("{}", encoding="utf-8")  # an earlier run's …
    (out / "keep.txt").write_text("mine", encoding="utf-8")  # … and a note of the user's
    with pytest.raises(OutputError, match=r"did not write \(keep.txt\)"):
        check_target(out, force=True)
    (out / "keep.txt").unlink()
    assert check_target(out, force=True) == out  # only econsim's own: replaced


def test_the_home_and_root_folders_are_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    with pytest.raises(OutputError, match="the home folder"):
        check_target(home, force=True)
    with pytest.raises(OutputError, match=r"root folder|current one"):
        check_target(Path("/"), force=True)
    assert home.is_dir()


def test_a_file_output_is_never_the_file_being_read(tmp_path: Path) -> None:
    mine = tmp_path / "my.yaml"
    mine.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="the file this command reads"):
        check_target(mine, force=True, folder=False, inputs=[mine])
    assert mine.read_text(encoding="utf-8") == "x"


@pytest.fixture(scope="module")
def tiny_run():  # type: ignore[no-untyped-def]
    return run(small(HEALTHY, 300, "horizon_days=20"), replications=1, workers=1)


def test_a_link_to_a_folder_is_written_through_and_stays_a_link(tiny_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    real = tmp_path / "runs" / "2027-01"
    real.mkdir(parents=True)
    link = tmp_path / "latest"
    link.symlink_to(real, target_is_directory=True)
    write(tiny_run, link, force=True)
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert (real / "summary.json").is_file() and (real / "report.html").is_file()
    write(tiny_run, link, force=True)  # again: the folder it names is replaced, not the link
    assert link.is_symlink() and (real / "daily.csv").is_file()


@pytest.mark.parametrize("kind", ["dangling", "loop"])
def test_a_link_that_leads_nowhere_is_refused_before_any_work(tmp_path: Path, kind: str) -> None:
    link = tmp_path / "out"
    if kind == "dangling":
        link.symlink_to(tmp_path / "gone")
    else:
        link.symlink_to(tmp_path / "out2")
        (tmp_path / "out2").symlink_to(link)
    done = econsim_here("run", HEALTHY, "-o", link, "--force", "--replications", "1")
    refused(done, "leads nowhere")
    assert link.is_symlink() and not list(tmp_path.glob(".*partial*"))


def test_a_name_too_long_is_refused_before_any_work(tmp_path: Path) -> None:
    done = econsim_here("run", HEALTHY, "-o", tmp_path / ("x" * 300))
    message = refused(done, "300 bytes long")
    assert "x" * 100 not in message  # the name is cut for the message


def test_an_existing_folder_under_a_place_that_takes_no_new_file_is_refused_at_once() -> None:
    """--force swaps a fresh folder in beside the old one: its parent must take new files.
    /proc/self takes none (root writes anywhere else)."""
    target = Path("/proc/self/fd")
    assert target.is_dir()
    with pytest.raises(OutputError, match="cannot write in /proc"):
        check_target(target, force=True)


def test_a_sweep_with_force_clears_only_its_own_folder(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    out.mkdir()
    (out / "index.html").write_text("my own page", encoding="utf-8")  # not the sweep's index
    done = econsim_here(
        "sweep", HEALTHY, "--param", "seed=1:2:2", "-o", out, "--force", "--replications", "1",
        "--set", "population.users=200", "--set", "horizon_days=10",
    )  # fmt: skip
    assert done.returncode == 2 and "did not write (index.html)" in " ".join(done.stderr.split())
    assert (out / "index.html").read_text(encoding="utf-8") == "my own page"


def test_a_killed_swap_keeps_the_users_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even through the Python API (no foreign-file check there for a replace_folder of one's
    own), a failure while the folder is swapped in puts back every file it carried."""
    from econsim import atomic

    target = tmp_path / "out"
    target.mkdir()
    for name in ("notes.md", "plan.md"):
        (target / name).write_text(name, encoding="utf-8")
    real_replace = Path.replace
    carried: list[str] = []

    def failing(self: Path, other: Path) -> Path:  # the second carry fails
        if ".partial-" in str(other) and self.parent == target:
            if carried:
                raise OSError(5, "disk gone")
            carried.append(self.name)
        return real_replace(self, other)

    monkeypatch.setattr(Path, "replace", failing)
    with pytest.raises(OSError, match="disk gone"), atomic.replace_folder(target, ("a.txt",)) as f:
        (f / "a.txt").write_text("new", encoding="utf-8")
    monkeypatch.undo()
    assert sorted(p.name for p in target.iterdir()) == ["notes.md", "plan.md"]
    assert (target / "notes.md").read_text(encoding="utf-8") == "notes.md"
    assert not list(tmp_path.glob(".out.partial-*"))
