"""Shared fixtures and the Hypothesis profiles (``ci`` in CI, ``thorough`` for nightly runs)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from econsim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))

settings.register_profile(
    "ci",
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "thorough",
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def small(path: Path | str, users: int = 2000, *extra: str) -> Scenario:
    """A bundled scenario shrunk to a test-sized population."""
    overrides = [f"population.users={users}", *extra]
    scenario = load_scenario(path, overrides)
    acq = scenario.population.acquisition_per_day * users / load_scenario(path).population.users
    return scenario.model_copy(
        update={"population": scenario.population.model_copy(update={"acquisition_per_day": acq})}
    )


@contextlib.contextmanager
def rewriting(write: Callable[[], None]) -> Iterator[None]:
    """Call ``write`` over and over in a background thread while the block runs."""
    done = threading.Event()

    def loop() -> None:
        while not done.is_set():
            write()

    writer = threading.Thread(target=loop)
    writer.start()
    try:
        yield
    finally:
        done.set()
        writer.join()


def econsim_cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m econsim ARGS`` in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "econsim", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, "COLUMNS": "80", "NO_COLOR": "1"},
        timeout=600,
    )


@dataclass(frozen=True)
class Done:
    """What a command did: its exit code and what it printed."""

    returncode: int
    stdout: str
    stderr: str

    def says(self, text: str) -> bool:
        """Whether ``text`` is in the error output as a reader sees it: the usage-error
        panel's frame and its word wrapping at 80 columns set aside."""
        read = " ".join(text.split())
        return read in " ".join(self.stderr.translate(FRAME).split())


FRAME = str.maketrans(dict.fromkeys("│╭╮╰╯─", " "))


def econsim_here(*args: str | Path, cwd: Path | None = None, columns: int = 80) -> Done:
    """``econsim ARGS`` in this process, through the entry point a user's shell calls
    (``econsim.cli.main``: exit codes, messages, the crash report), its output captured.

    What most tests check is the command's own code, not a fresh interpreter's start-up: a
    subprocess costs a second or two each (Python, numpy, numba's kernels loaded again).
    Tests of signals, kills and process state use :func:`econsim_cli`.
    """
    from econsim import cli_options
    from econsim.cli import main

    out, err = io.StringIO(), io.StringIO()
    consoles = (cli_options.out, cli_options.err)
    widths = [c._width for c in consoles]  # rich read COLUMNS once, when it made them
    argv, here, environ = sys.argv, Path.cwd(), dict(os.environ)
    try:
        os.environ.update(COLUMNS=str(columns), NO_COLOR="1")  # typer's usage-error panel
        for c in consoles:
            c._width = columns
        sys.argv = ["econsim", *map(str, args)]
        os.chdir(cwd or ROOT)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    finally:
        sys.argv = argv
        os.chdir(here)
        os.environ.clear()
        os.environ.update(environ)
        for c, w in zip(consoles, widths, strict=True):
            c._width = w
    return Done(code, out.getvalue(), err.getvalue())


@pytest.fixture
def run_cli() -> Callable[..., Done]:
    """Run ``econsim ARGS`` as a user would (in this process: :func:`econsim_here`)."""
    return econsim_here


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests first: two workers then share the short ones at the end, instead of
    one waiting on a long test started last (the suite's wall time is its longest tail).
    First of all the tests that bring their own engine (``own_engine``): they start while
    this checkout's kernels compile."""
    items.sort(
        key=lambda item: (
            item.get_closest_marker("own_engine") is None,
            item.get_closest_marker("slow") is None,
        )
    )


#: Set while this checkout's kernels compile for the workers: the file that says it is done.
COMPILING = "ECONSIM_TESTS_COMPILING"


def pytest_configure(config: pytest.Config) -> None:
    """Compile the engine's kernels once, beside the workers: in a fresh clone numba's
    cache is empty, and every worker process would compile them for itself (~30 s of CPU
    each, on cores the suite needs). A process of their own compiles them while the workers
    start on the tests that bring their own engine (the README's commands in a clone of
    their own); any other test waits for it (:func:`pytest_runtest_setup`) and then loads
    the kernels from the cache. In one process (``-n 0``) nothing is compiled ahead: a test
    that needs a kernel compiles it."""
    if hasattr(config, "workerinput"):  # an xdist worker: the controller compiles them
        done = os.environ.pop(COMPILING, None)  # the worker's to wait on, not its tests'
        if done is not None:
            config.stash[_COMPILED] = Path(done)
        return
    if not config.getoption("numprocesses", default=None):
        return  # no workers to share them with
    from econsim.engine.paths import compiled_before

    if compiled_before():
        return
    done = Path(tempfile.mkdtemp(prefix="econsim-tests-")) / "compiled"
    code = f"from tests.conftest import compile_kernels; compile_kernels({str(done)!r})"
    config.stash[_COMPILE] = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    os.environ[COMPILING] = str(done)  # the workers, started after this, inherit it


_COMPILE = pytest.StashKey[subprocess.Popen[bytes]]()
_COMPILED = pytest.StashKey[Path | None]()


def compile_kernels(done: str) -> None:
    """Every kernel into numba's cache, then ``done`` written (also when compiling failed:
    the tests then say what is wrong, each compiling for itself)."""
    try:
        import econsim
        from tests.test_everything import EVERYTHING

        # the design with every mechanic calls every kernel; 50 members make it quick
        design = {**EVERYTHING, "population": {**EVERYTHING["population"], "users": 50}}
        econsim.simulate(econsim.scenario_from_dict(design), replications=1, workers=1)
    finally:
        Path(done).write_text("done", encoding="utf-8")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test that runs this checkout's engine waits until its kernels are compiled."""
    done = item.config.stash.get(_COMPILED, None)
    if done is None or item.get_closest_marker("own_engine"):
        return
    deadline = time.monotonic() + 900
    while not done.exists():
        if time.monotonic() > deadline:
            pytest.fail("the engine's kernels did not compile within 15 minutes")
        time.sleep(0.2)
    item.config.stash[_COMPILED] = None  # compiled: the next tests need not look


def pytest_unconfigure(config: pytest.Config) -> None:
    compiling = config.stash.get(_COMPILE, None)
    if compiling is not None:
        compiling.wait()
