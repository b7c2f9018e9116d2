"""Executors: the numbers never depend on where the work runs; dead workers are retried."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest

import econsim
from econsim.engine.executors import DaskExecutor, LocalExecutor, _finished
from econsim.errors import SimulationError
from tests.conftest import ROOT

COFFEE = ROOT / "scenarios" / "coffee-healthy.yaml"
SMALL = ("population.users=300", "population.acquisition_per_day=0.3", "horizon_days=60")


def die_once(marker: str) -> int:
    """Kill the worker process the first time it runs, succeed afterwards."""
    path = Path(marker)
    if not path.exists():
        path.write_text("died", encoding="utf-8")
        os._exit(1)
    return len(marker)


def always_die(_: int) -> int:
    os._exit(1)


def test_local_executor_reruns_the_tasks_of_a_dead_worker(tmp_path: Path) -> None:
    tasks = [str(tmp_path / f"m{i}") for i in range(3)]
    (tmp_path / "m1").write_text("already", encoding="utf-8")
    (tmp_path / "m2").write_text("already", encoding="utf-8")
    out = dict(LocalExecutor(workers=2).map(die_once, tasks))
    assert out == {i: len(t) for i, t in enumerate(tasks)}


def test_a_task_that_always_kills_its_worker_stops_with_a_clear_error() -> None:
    with pytest.raises(SimulationError, match="worker process died 3 times"):
        list(LocalExecutor(workers=2, retries=2).map(always_die, [1, 2]))


def test_parallel_replications_equal_serial() -> None:
    s = econsim.load_scenario(COFFEE, SMALL)
    serial = econsim.simulate(s, seed=3, replications=3)
    parallel = econsim.simulate(s, seed=3, replications=3, executor=LocalExecutor(2))
    for name, arr in serial.arrays.items():
        np.testing.assert_array_equal(arr, parallel.arrays[name], err_msg=name)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # from dask's own dependencies
def test_dask_local_cluster_gives_identical_numbers() -> None:
    import distributed  # the dev extra installs it

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        dask = DaskExecutor(client)
        params = [
            "design.catalog.cup_upgrade.points_price=100,400",
            "design.budget.ratio=0.02,0.04",
        ]
        local = econsim.sweep(COFFEE, params, overrides=SMALL, replications=3, workers=1)
        remote = econsim.sweep(COFFEE, params, overrides=SMALL, replications=3, executor=dask)
        s = econsim.load_scenario(COFFEE, SMALL)
        reps = econsim.simulate(s, seed=9, replications=2, executor=dask)
        # an optimisation's trials run on the cluster too, and ask the same designs
        box = ["design.catalog.cup_upgrade.points_price=100:400"]
        here = econsim.optimize(COFFEE, box, trials=4, overrides=SMALL, replications=2, workers=1)
        there = econsim.optimize(COFFEE, box, trials=4, overrides=SMALL, replications=2,
                                 executor=dask)  # fmt: skip
    assert [(t.values, t.objectives) for t in here.trials] == [
        (t.values, t.objectives) for t in there.trials
    ]
    assert local.rows == remote.rows or _same_rows(local.rows, remote.rows)
    serial = econsim.simulate(s, seed=9, replications=2)
    for name, arr in serial.arrays.items():
        np.testing.assert_array_equal(arr, reps.arrays[name], err_msg=name)


def _same_rows(a: tuple[dict[str, object], ...], b: tuple[dict[str, object], ...]) -> bool:
    """Rows equal, NaN equal to NaN."""
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        for key in x:
            same_nan = isinstance(x[key], float) and np.isnan(x[key]) and np.isnan(y[key])
            assert x[key] == y[key] or same_nan, key
    return True


def test_unreachable_scheduler_is_a_clear_error() -> None:
    s = econsim.load_scenario(COFFEE, SMALL)
    with pytest.raises(SimulationError, match="could not reach the Dask scheduler"):
        econsim.simulate(
            s, replications=2, executor=DaskExecutor("tcp://127.0.0.1:9", timeout="1s")
        )


def worker_pid(_: int) -> int:
    return os.getpid()


def test_local_workers_are_kept_across_calls_in_one_session() -> None:
    """A notebook or an optimisation calls many times: the processes start once."""
    first = {pid for _, pid in LocalExecutor(2).map(worker_pid, list(range(8)))}
    second = {pid for _, pid in LocalExecutor(2).map(worker_pid, list(range(8)))}
    assert os.getpid() not in first
    assert second <= first


@pytest.fixture
def ctrl_c_raises() -> Iterator[None]:
    """SIGINT as a terminal's foreground process has it: a suite started in the background
    (``pytest &``, a CI runner) inherits it ignored, and an ignored Ctrl-C stays ignored."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def _done(value: int) -> Future[int]:
    fut: Future[int] = Future()
    fut.set_result(value)
    return fut


@pytest.mark.usefixtures("ctrl_c_raises")
def test_a_ctrl_c_while_the_last_results_are_handled_is_not_lost() -> None:
    """A sweep's Ctrl-C arrived while it wrote its latest point; the wait that would have
    seen it had ended, and the sweep ran on to its end with exit 0."""
    futures = {_done(1): 0}
    with pytest.raises(KeyboardInterrupt):
        for done in _finished(futures):
            for fut in done:
                futures.pop(fut)
            signal.raise_signal(signal.SIGINT)  # the user presses Ctrl-C now


@pytest.mark.usefixtures("ctrl_c_raises")
def test_a_ctrl_c_before_the_pool_broke_is_raised_when_the_wait_is_left() -> None:
    """A worker that died broke the pool after the Ctrl-C was noted: leaving the wait (to
    run the tasks again in a fresh pool) raises it instead of forgetting it."""
    futures = {_done(1): 0, Future(): 1}
    batches = _finished(futures)
    next(batches)
    signal.raise_signal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        batches.close()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
