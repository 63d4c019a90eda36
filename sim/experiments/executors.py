"""Executors for batches: process pools and Dask clusters that run a batch's tasks, and their process hygiene.

Any ``concurrent.futures.Executor`` can run a batch; these are the ones this package builds. A worker runs its
NumPy on one thread (N workers on N cores, not N x N threads) and dies with the process that started it, so an
interrupted batch leaves no orphans. The batch (``runner``), the attribution and the dashboard's pool use them.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import struct
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

from threadpoolctl import threadpool_limits

from ..arguments import whole_number
from ..parameters import ParameterError


class ExecutorBroken(RuntimeError):
    """The executor stopped accepting work (a worker process died); finished runs are saved."""


def worker_count(executor) -> int:
    """How many runs an executor runs at once: what a batch sizes its queue and chunks by."""
    for attr in ("_max_workers",):
        workers = getattr(executor, attr, None)
        if isinstance(workers, int):
            return workers
    client = getattr(executor, "_client", None)
    if client is not None:
        with contextlib.suppress(Exception):
            return max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))
    return os.cpu_count() or 1


def describe_executor(executor) -> str:
    """An executor in words, for the manifest and the progress line."""
    if executor is None:
        return "serial"
    workers = worker_count(executor)
    return f"{type(executor).__name__}({workers} workers)"


# ------------------------------------------------------------------------------------------------ executors
_THREAD_LIMITS = None


def one_thread_per_worker() -> None:
    """Keep each worker's NumPy/BLAS to one thread: N workers on N cores, not N x N threads.

    Measured on 2 cores: two workers with two OpenBLAS threads each ran short runs 2.5x slower than alone
    (parallel efficiency 0.64-0.77); with one thread each, 0.97. Dask's nanny does the same for its workers.
    """
    global _THREAD_LIMITS
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"  # for libraries loaded later
    _THREAD_LIMITS = threadpool_limits(limits=1)  # for those already loaded; kept for the worker's life


PARENT_CHECK_SECONDS = 0.5


def exit_with_parent(main_pid: int) -> None:
    """Make a worker exit when the batch's main process dies, by any signal (SIGKILL included).

    Ctrl-C reaches every process of the terminal's group: workers ignore it and the main process stops the
    pool (no KeyboardInterrupt tracebacks from workers). On Linux the kernel sends SIGKILL when the worker's
    parent (the forkserver, which exits when the main process does) dies; everywhere, a daemon thread checks
    every PARENT_CHECK_SECONDS that the main process is still there and ends the worker otherwise.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    parent = os.getppid()

    def watch() -> None:
        """End this worker when the batch's main process or its parent is gone (checked every half second)."""
        while True:
            try:
                os.kill(main_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass  # a process we may not signal: it exists
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(PARENT_CHECK_SECONDS)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def worker_initialiser(main_pid: int) -> None:
    """What each process-pool worker does first: one thread, and no life after the batch's main process."""
    one_thread_per_worker()
    exit_with_parent(main_pid)


#: What a batch's forkserver imports once, so that every worker it forks starts with the model loaded.
BATCH_PRELOAD = ("sim.experiments.tasks", "pandas", "numpy")


def process_pool(workers: int | None = None, preload: Sequence[str] = BATCH_PRELOAD) -> cf.ProcessPoolExecutor:
    """A process pool that does not pay for Mesa's global "spawn" start method.

    Importing Mesa sets "spawn" for the whole process, and a spawned worker takes about a second to start and
    re-import everything. Here workers fork from a forkserver that has already imported ``preload`` (the
    model, by default), so each starts in milliseconds; each runs single-threaded and exits when the main
    process dies (:func:`worker_initialiser`). ``workers``: all cores by default.
    """
    workers = whole_number("workers", workers, 1, 1024) if workers is not None else os.cpu_count() or 1
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=worker_initialiser,
                                  initargs=(os.getpid(),))


SCHEDULER_SCHEMES = ("tcp", "tls")
CONNECT_SECONDS = 10


def scheduler_address(text: Any) -> tuple[str, str, int]:
    """Check a Dask scheduler address before connecting: (scheme, host, port), or ParameterError naming what
    is wrong. ``host:port`` means ``tcp://host:port``."""
    allowed = "an address like tcp://host:8786 (schemes: " + ", ".join(SCHEDULER_SCHEMES) + "; ports 1-65535)"
    if not isinstance(text, str) or not text.strip():
        raise ParameterError(f"scheduler: {text!r} is not allowed; expected {allowed}")
    address = text.strip() if "://" in text else "tcp://" + text.strip()
    parts = urlsplit(address)
    if parts.scheme not in SCHEDULER_SCHEMES:
        raise ParameterError(f"scheduler: {text!r}: the scheme {parts.scheme!r} is not allowed; expected {allowed}")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not parts.hostname or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ParameterError(f"scheduler: {text!r} has no host, or more than host:port; expected {allowed}")
    if port is None or not 1 <= port <= 65535:
        raise ParameterError(f"scheduler: {text!r}: the port is missing or not a number from 1 to 65535; "
                             f"expected {allowed}")
    return parts.scheme, parts.hostname, port


def probe_scheduler(host: str, port: int, timeout: float = CONNECT_SECONDS / 2) -> None:
    """Check, within ``timeout`` seconds, that a Dask scheduler answers at host:port (raw TCP).

    A Dask server sends its handshake as soon as a connection opens: one message framed as a uint64 total
    length, a uint64 frame count and a uint64 length per frame. Anything else (an HTTP server waits for a
    request; a silent listener says nothing) is refused with ConnectionError instead of hanging the client.
    """
    where = f"tcp://{host}:{port}"
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            head = _recv_exactly(sock, 8)
            (total,) = struct.unpack("<Q", head)
            if not 16 <= total <= 1 << 20:
                raise ConnectionError(f"{where} is not a Dask scheduler (it answered {head!r})")
            body = _recv_exactly(sock, total)
            (frames,) = struct.unpack("<Q", body[:8])
            if not 1 <= frames <= (total - 8) // 8:
                raise ConnectionError(f"{where} is not a Dask scheduler (unexpected handshake)")
            lengths = struct.unpack(f"<{frames}Q", body[8:8 + 8 * frames])
            if sum(lengths) + 8 + 8 * frames != total:
                raise ConnectionError(f"{where} is not a Dask scheduler (unexpected handshake)")
    except TimeoutError:
        raise ConnectionError(f"{where} did not answer as a Dask scheduler within {timeout:g} s (something else "
                              f"listens there, or nothing answers)") from None
    except socket.gaierror as e:
        raise ConnectionError(f"{where}: unknown host ({e.strerror})") from None
    except ConnectionError:
        raise
    except OSError as e:
        raise ConnectionError(f"{where}: cannot connect ({e.strerror or e})") from None


def _recv_exactly(sock, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the server closed the connection; it is not a Dask scheduler")
        data += chunk
    return data


@contextlib.contextmanager
def dask_executor(workers: int | None = None, scheduler: str | None = None) -> Iterator[cf.Executor]:
    """A ``concurrent.futures`` executor on Dask: a new local cluster, or the scheduler at ``scheduler``."""
    with dask_client(workers, scheduler) as client:
        yield client.get_executor(pure=False)


@contextlib.contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A Dask client of a new local cluster (``workers`` processes, one thread each), or of the scheduler at
    ``scheduler``; closed, with its cluster, on exit."""
    import dask
    from dask.distributed import Client, LocalCluster

    # Dask's default MALLOC_TRIM_THRESHOLD_ in its workers made the model 2.5x slower (measured on 2 cores).
    dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})
    if scheduler:
        scheme, host, port = scheduler_address(scheduler)
        if scheme == "tcp":
            probe_scheduler(host, port)
        try:
            client = Client(f"{scheme}://{host}:{port}" if ":" not in host else f"{scheme}://[{host}]:{port}",
                            timeout=f"{CONNECT_SECONDS}s")
        except (OSError, TimeoutError) as e:
            raise ConnectionError(f"{scheduler}: cannot connect to a Dask scheduler ({e})") from None
        cluster = None
    else:
        # The cluster's processes inherit an ignored SIGINT: Ctrl-C stops the batch in this process, which
        # closes the cluster, instead of printing a KeyboardInterrupt traceback from every worker.
        main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
        try:
            cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=40)
        finally:
            if main_thread:
                signal.signal(signal.SIGINT, previous)
        client = Client(cluster)
    try:
        yield client
    finally:
        with _quiet_shutdown():
            client.close()
            if cluster is not None:
                cluster.close()


@contextlib.contextmanager
def _quiet_shutdown() -> Iterator[None]:
    """Silence Dask's, Tornado's and asyncio's loggers while a cluster closes: after Ctrl-C the futures still in
    flight are cancelled and their event loop may log a traceback of the cancellation, which is expected and
    says nothing to the user (the batch has already saved every finished run and says so)."""
    loggers = [logging.getLogger(name) for name in ("distributed", "tornado", "asyncio", "concurrent.futures")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
