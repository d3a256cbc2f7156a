"""Planning an experiment on one machine: how many trainings at once, and the threads of each.

The plan depends only on the number of trainings, the jobs and the cores, never on what
already ran. A torch run's numbers do not depend on its threads; Keras's and MXNet's do, so
a resumed run keeps the threads it started with (the runner reads them from its folder).

>>> jobs = default_jobs(5, cores=2)
>>> plan = thread_plan(5, jobs, cores=2)
>>> jobs, plan, describe(plan)
(3, [1, 1, 1, 1, 1], 'with 1 thread(s) each')
"""

from __future__ import annotations

import os


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_jobs(trainings: int, cores: int) -> int:
    """How many of ``trainings`` to run at once on ``cores`` when ``--jobs`` is not given.

    One per core, or up to half as many again when that makes the last round fill every
    core: the chapter's 5 runs on 2 cores train 3 at a time, then 2, each on one thread,
    instead of 2, 2, then 1 on both cores: three one-thread trainings sharing two cores lose
    little to time-slicing, two threads on one training scale poorly, and there is one round of
    process starts fewer (the measurements: benchmarks/README.md, 15.).

    >>> default_jobs(5, cores=2), default_jobs(15, cores=2), default_jobs(3, cores=2)
    (3, 3, 3)
    >>> default_jobs(4, cores=2), default_jobs(7, cores=2), default_jobs(1, cores=2)
    (2, 2, 1)
    >>> default_jobs(15, cores=8), default_jobs(20, cores=8)
    (8, 10)
    """
    if trainings <= cores:
        return trainings
    for jobs in range(cores, cores + cores // 2 + 1):
        if trainings % jobs == 0 or trainings % jobs >= cores:
            return jobs
    return cores


def thread_plan(trainings: int, jobs: int, cores: int) -> list[int]:
    """Threads for each of ``trainings`` run ``jobs`` at a time on ``cores``, in order.

    Each gets a fair share, ``cores // jobs``; but the last ``trainings % jobs``, which
    run once the others are done, share all the cores: otherwise the chapter's five runs
    on two cores end with one run on one core while the other idles (a third of the time).

    >>> thread_plan(5, jobs=2, cores=2)
    [1, 1, 1, 1, 2]
    >>> thread_plan(15, jobs=4, cores=8)
    [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]
    >>> thread_plan(6, jobs=4, cores=8)
    [2, 2, 2, 2, 4, 4]
    >>> thread_plan(3, jobs=1, cores=2)
    [2, 2, 2]
    """
    share = max(1, cores // jobs)
    tail = trainings % jobs
    return [share] * (trainings - tail) + [max(share, cores // max(tail, 1))] * tail


def describe(plan: list[int]) -> str:
    """The plan in words, for the line the runner prints when it starts.

    >>> describe([1, 1, 1, 1, 2])
    'with 1 thread(s) each, the last 1 with 2 when the others are done'
    """
    if plan[-1] == plan[0]:
        return f"with {plan[0]} thread(s) each"
    tail = plan.count(plan[-1])
    return f"with {plan[0]} thread(s) each, the last {tail} with {plan[-1]} when the others are done"
