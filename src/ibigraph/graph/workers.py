"""Work spread over processes that each hold their own state (e.g. a store open read-only).

Processes, not threads: validation calls into pyoxigraph and rdflib, whose objects must be
dropped on the thread that made them, and it is CPU-bound Python as much as engine work.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

__all__ = ["in_processes"]

T = TypeVar("T")
R = TypeVar("R")


def in_processes(
    start: Callable[..., None],
    args: tuple[Any, ...],
    run: Callable[[T], R],
    tasks: Iterator[T],
    jobs: int,
) -> Generator[R]:
    """`run(task)` for every task in `jobs` spawned processes, each set up by `start(*args)`
    (module-level functions: they are pickled). Results come as tasks finish, with at most
    2 x jobs tasks in flight (bounded memory); closing the iterator early cancels the rest."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=start, initargs=args) as pool:
        pending: set[Future[R]] = set()
        try:
            for task in tasks:
                pending.add(pool.submit(run, task))
                while len(pending) >= 2 * jobs:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    yield from (f.result() for f in finished)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (f.result() for f in finished)
        finally:
            pool.shutdown(cancel_futures=True)
