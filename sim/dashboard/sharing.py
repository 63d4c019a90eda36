"""The shared workers, shared fairly between the comparisons of several browser sessions.

Every comparison (and every "Explain why") runs in a *lane* of its own: an executor that holds its runs in its
own queue. The shared process pool is given only as many runs as it has workers, and a freed worker goes to the
lane that has had the least of the workers' time so far (least attained service), the older lane first on a
tie. So a short comparison started beside a long one gets the workers as soon as one of the long one's runs
finishes, and answers about as fast as alone; the long one waits no longer than the short one's work, and one
user's long comparison can never hold every worker while another waits (a plain pool serves whoever asked
first: a default comparison waited 76 s instead of 6 s beside a long one).
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable

_ORDER = itertools.count()


class Lane(cf.Executor):
    """One comparison's share of the workers: an executor whose runs wait in its own queue (``FairShare``)."""

    def __init__(self, share: FairShare, label: str):
        self.share = share
        self.label = label
        self.order = next(_ORDER)
        self.queue: deque[tuple[cf.Future, Callable, tuple, dict]] = deque()
        self.attained = 0.0  # seconds of worker time its finished runs took
        self.started: dict[cf.Future, float] = {}  # its runs on a worker now, and since when
        self._max_workers = share.slots  # a batch sizes its chunks and queue by this (executors.worker_count)

    def submit(self, fn, /, *args, **kwargs) -> cf.Future:
        return self.share.submit(self, fn, args, kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures:
            self.share.cancel_waiting(self)
        self.share.close(self)

    def served(self, now: float) -> float:
        """Worker time this lane has had: its finished runs and its runs on a worker so far."""
        return self.attained + sum(now - since for since in self.started.values())


class FairShare:
    """Hands the runs of many lanes to one pool, ``slots`` at a time, to the least-served lane first."""

    def __init__(self, pool_of: Callable[[], cf.Executor], slots: int):
        self.pool_of = pool_of
        self.slots = max(1, int(slots))
        self.lanes: list[Lane] = []
        self.running = 0
        self._lock = threading.RLock()

    def lane(self, label: str = "") -> Lane:
        with self._lock:
            lane = Lane(self, label)
            self.lanes.append(lane)
            return lane

    def close(self, lane: Lane) -> None:
        """A lane that has nothing waiting or running leaves the share (its history with it)."""
        with self._lock:
            if lane in self.lanes and not lane.queue and not lane.started:
                self.lanes.remove(lane)

    def busy_lanes(self) -> int:
        """How many comparisons are waiting for or using the workers now."""
        with self._lock:
            return sum(1 for lane in self.lanes if lane.queue or lane.started)

    def submit(self, lane: Lane, fn: Callable, args: tuple, kwargs: dict) -> cf.Future:
        outer: cf.Future = cf.Future()
        with self._lock:
            if lane not in self.lanes:
                self.lanes.append(lane)
            lane.queue.append((outer, fn, args, kwargs))
        self._dispatch()
        return outer

    def cancel_waiting(self, lane: Lane) -> None:
        with self._lock:
            while lane.queue:
                lane.queue.popleft()[0].cancel()

    def _next(self) -> tuple[Lane, cf.Future, Callable, tuple, dict] | None:
        """The next run to start: from the waiting lane with the least worker time, the older on a tie."""
        now = time.perf_counter()
        waiting = [lane for lane in self.lanes if lane.queue]
        while waiting:
            lane = min(waiting, key=lambda one: (one.served(now), one.order))
            outer, fn, args, kwargs = lane.queue.popleft()
            if outer.set_running_or_notify_cancel():  # False: cancelled while it waited
                return lane, outer, fn, args, kwargs
            waiting = [lane for lane in self.lanes if lane.queue]
        return None

    def _dispatch(self) -> None:
        """Start waiting runs while a worker is free."""
        while True:
            with self._lock:
                if self.running >= self.slots:
                    return
                chosen = self._next()
                if chosen is None:
                    return
                lane, outer, fn, args, kwargs = chosen
                self.running += 1
                try:
                    inner = self.pool_of().submit(fn, *args, **kwargs)
                except BaseException as error:  # a broken or closed pool: the run fails, the lane hears why
                    self.running -= 1
                    outer.set_exception(error)
                    continue
                lane.started[outer] = time.perf_counter()
            inner.add_done_callback(lambda done, lane=lane, outer=outer: self._finished(lane, outer, done))

    def _finished(self, lane: Lane, outer: cf.Future, inner: cf.Future) -> None:
        """A run ended: count its worker time to its lane, pass its outcome on, and start the next run."""
        with self._lock:
            self.running -= 1
            lane.attained += time.perf_counter() - lane.started.pop(outer, time.perf_counter())
        if inner.cancelled():
            outer.cancel() or outer.set_exception(cf.CancelledError())
        elif inner.exception() is not None:
            outer.set_exception(inner.exception())
        else:
            outer.set_result(inner.result())
        self._dispatch()
