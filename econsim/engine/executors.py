"""Where replications and sweep points run: local processes, or a Dask cluster.

An executor maps a picklable top-level function over tasks and yields ``(index, result)``
as each task finishes. Results never depend on the executor: every task carries its own
seed, so local, parallel and Dask runs give the same numbers.
"""

from __future__ import annotations

import atexit
import os
import signal
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any, Protocol, TypeVar

from econsim.errors import SimulationError

T = TypeVar("T")
R = TypeVar("R")

#: How many times a task is run again after the process running it died.
RETRIES = 2
#: How often a worker checks that its parent is still alive.
WATCH_SECONDS = 0.5


class Executor(Protocol):
    """Runs ``fn`` on every task; yields ``(task index, result)`` in completion order."""

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[tuple[int, R]]: ...


def _watch_parent(parent: int) -> None:
    """In a worker: exit as soon as the process that started it is gone.

    A killed parent (``kill -9``, a closed terminal) cannot tell its pool to stop; without
    this its workers finish their simulations — minutes at scale — for nobody.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    # Ctrl-C reaches the terminal's whole process group: the parent handles it (keeps what
    # is done, says how to resume) and stops its pool; a worker that died of it first broke
    # the pool and turned the interrupt into a "worker died" error (issue 38)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    threading.Thread(target=watch, name="econsim-parent-watch", daemon=True).start()


def _pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes that exit with their parent."""
    # spawn, not fork: a forked child would inherit locks held by the parent's threads
    return ProcessPoolExecutor(
        workers,
        mp_context=get_context("spawn"),
        initializer=_watch_parent,
        initargs=(os.getpid(),),
    )


def default_workers() -> int:
    """Every core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class LocalExecutor:
    """Processes on this machine (``workers=1``: in this process, no pool).

    A worker that dies (killed, out of memory) breaks the pool; the unfinished tasks are
    run again in a fresh pool, each at most ``retries`` more times.
    """

    workers: int = 1
    retries: int = RETRIES

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[tuple[int, R]]:
        if self.workers <= 1 or len(tasks) <= 1:
            for i, task in enumerate(tasks):
                yield i, fn(task)
            return
        pending = dict(enumerate(tasks))
        tries = dict.fromkeys(pending, 0)
        while pending:
            yield from self._pool_round(fn, pending, tries)

    def _pool_round(
        self, fn: Callable[[T], R], pending: dict[int, T], tries: dict[int, int]
    ) -> Iterator[tuple[int, R]]:
        pool = shared_pool(self.workers)
        futures: dict[Future[R], int] = {}
        batches = _finished(futures)
        try:
            futures.update({pool.submit(fn, t): i for i, t in pending.items()})
            for done in batches:
                for fut in done:
                    i = futures.pop(fut)
                    result = fut.result()
                    del pending[i]
                    yield i, result
        except BrokenProcessPool:
            discard_pool(pool)
            for i in pending:
                tries[i] += 1
                if tries[i] > self.retries:
                    raise SimulationError(
                        f"a worker process died {tries[i]} times while running task {i}; "
                        "is the machine out of memory? Try fewer --workers"
                    ) from None
        finally:
            for fut in futures:  # left early (an error, a closed iterator): free the workers
                fut.cancel()
            batches.close()  # here, not when collected: a Ctrl-C it noted is raised from it


#: How often a wait on the pool looks up from it (for a Ctrl-C: :func:`_finished`).
POLL_SECONDS = 0.1


def _finished(futures: dict[Future[R], int]) -> Generator[set[Future[R]], None, None]:
    """The futures as they finish, in batches, until none is left (the caller pops them).

    Ctrl-C while waiting becomes a KeyboardInterrupt between waits, not inside one: raised
    inside ``concurrent.futures.wait`` it can leave the futures' locks held, and the
    process then hung at exit, joining a pool thread that waited for them (issue 38).
    """
    with _interrupts_noted() as interrupted:
        while futures:
            done, _ = wait(futures, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            if interrupted.is_set():
                interrupted.clear()  # acted on here
                raise KeyboardInterrupt
            if done:
                yield done


@contextmanager
def _interrupts_noted() -> Iterator[threading.Event]:
    """Inside the block, SIGINT sets the event instead of raising (main thread only; an
    ignored SIGINT stays ignored); one noted and not cleared is delivered as the block ends."""
    interrupted = threading.Event()
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if main else signal.SIG_IGN
    if previous in (signal.SIG_IGN, None):
        yield interrupted
        return
    signal.signal(signal.SIGINT, lambda signum, frame: interrupted.set())
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)
        # noted and not acted on — the block ended another way (a worker broke the pool and
        # its tasks went to a fresh one; the last batch was being handled): deliver it now,
        # or the Ctrl-C was lost and the sweep ran to its end
        if interrupted.is_set():
            signal.raise_signal(signal.SIGINT)


#: Worker pools kept for the whole Python session, by workers: a notebook,
#: a sweep after a run, or an optimisation's batches start processes (and load the compiled
#: kernels in them) once, not once a call.
_POOLS: dict[int, ProcessPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def shared_pool(workers: int) -> ProcessPoolExecutor:
    """This session's pool of ``workers`` local processes (started on first use)."""
    key = workers
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            pool = _POOLS[key] = _pool(workers)
        return pool


def discard_pool(pool: ProcessPoolExecutor) -> None:
    """Forget a broken pool (its next use starts a fresh one)."""
    with _POOLS_LOCK:
        for key, kept in list(_POOLS.items()):
            if kept is pool:
                del _POOLS[key]
    pool.shutdown(wait=False, cancel_futures=True)


@atexit.register
def shutdown_pools() -> None:
    """Stop every kept worker process (at exit, or to free their memory now)."""
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class _KeptPool:
    """Local processes kept alive across ``map`` calls (see :func:`kept_alive`)."""

    pool: ProcessPoolExecutor
    workers: int

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[tuple[int, R]]:
        futures: dict[Future[R], int] = {self.pool.submit(fn, t): i for i, t in enumerate(tasks)}
        batches = _finished(futures)
        try:
            for done in batches:
                for fut in done:
                    yield futures.pop(fut), fut.result()
        except BrokenProcessPool:
            discard_pool(self.pool)
            raise SimulationError(
                "a worker process died; is the machine out of memory? Try fewer --workers"
            ) from None
        finally:
            batches.close()  # a Ctrl-C it noted is raised here (see LocalExecutor)


@contextmanager
def kept_alive(executor: Executor) -> Iterator[Executor]:
    """``executor`` with its local worker processes started once for many ``map`` calls.

    Local executors now share this session's pools (:func:`shared_pool`), so this only
    starts the pool up front; Dask workers and a single local worker stay as they are.
    """
    if isinstance(executor, LocalExecutor) and executor.workers > 1:
        yield _KeptPool(shared_pool(executor.workers), executor.workers)
        return
    yield executor


@dataclass(frozen=True)
class DaskExecutor:
    """Tasks on a Dask distributed cluster (``pip install 'econsim[dask]'``).

    ``scheduler`` is an address such as ``tcp://10.0.0.5:8786`` or a ``distributed.Client``.
    Dask reruns the tasks of a worker that dies, up to ``retries`` times for a task that fails.
    """

    scheduler: Any
    retries: int = RETRIES
    timeout: str = "20s"  # to connect to the scheduler

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[tuple[int, R]]:
        distributed = _import_distributed()
        own = isinstance(self.scheduler, str)
        client = _connect(distributed, self.scheduler, self.timeout) if own else self.scheduler
        try:
            futures = [client.submit(fn, t, pure=False, retries=self.retries) for t in tasks]
            index = {f.key: i for i, f in enumerate(futures)}
            for fut in distributed.as_completed(futures):
                yield index[fut.key], fut.result()
        finally:
            if own:
                client.close()


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise SimulationError(
            "--scheduler needs Dask: pip install 'econsim[dask]' (dask[distributed])"
        ) from None
    return distributed


def _connect(distributed: Any, address: str, timeout: str) -> Any:
    try:
        return distributed.Client(address, timeout=timeout)
    except ValueError as exc:  # not an address at all
        raise SimulationError(
            f"--scheduler {address!r} is not a Dask scheduler address ({exc}); give "
            "tcp://HOST:PORT as `dask scheduler` prints it"
        ) from None
    except (OSError, TimeoutError) as exc:
        raise SimulationError(
            f"could not reach the Dask scheduler at {address} ({exc}); start one with "
            "`dask scheduler` and `dask worker ADDRESS`, or drop --scheduler to run locally"
        ) from None


def executor_for(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """Where work runs, decided in this one place for the CLI and the Python API.

    A Dask ``scheduler`` address, else ``workers`` local processes (``None``: every core).
    """
    if scheduler:
        return DaskExecutor(scheduler)
    return LocalExecutor(workers or default_workers())
