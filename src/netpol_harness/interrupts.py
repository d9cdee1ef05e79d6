"""Stopping at once: SIGINT (Ctrl-C) and SIGTERM end a `netpol` command within a moment,
with no process and no temporary directory left behind.

`handling()` (every command runs under it, `netpol_harness.cli.main`): the first SIGINT
or SIGTERM kills the processes this one started meanwhile (a worker with its process
group: the worker and the helm it runs) and raises `Interrupted` in the main thread;
later ones are ignored while that unwinds. The command then prints one line and exits
128 + the signal's number (130, 143).

`process_pool()`: worker processes that each lead a process group of their own, so the
terminal's Ctrl-C reaches only the main process, which stops them; their temporary
directories live in one scratch directory, removed when the pool ends however it ends.
On any exception in the `with` body (an interrupt, a KeyboardInterrupt in a notebook)
the workers are killed, group and all, rather than waited for.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import multiprocessing.forkserver
import os
import shutil
import signal
import tempfile
import threading
from pathlib import Path
from typing import Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_PROGRAM = {"ends_after": False}  # whether this process ends when `handling()` does (the netpol program)


def as_program() -> None:
    """This process is a program that ends when its command does: once interrupted, it
    ignores SIGINT and SIGTERM to its end (a third Ctrl-C must not break its clean-up)."""
    _PROGRAM["ends_after"] = True


class Interrupted(BaseException):
    """A SIGINT or SIGTERM arrived: unwind, clean up, exit `exit_code`. A BaseException,
    as KeyboardInterrupt is: `except Exception` must not swallow it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


@contextlib.contextmanager
def handling() -> Iterator[None]:
    """SIGINT and SIGTERM raise `Interrupted` (once) inside the block; see the module
    docstring. Outside the main thread, where Python cannot take signals, it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = set(_children())
    raised = False

    def handler(signum: int, frame: object) -> None:
        nonlocal raised
        if raised:
            return
        raised = True
        stop_processes(pid for pid in _children() if pid not in before)
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in SIGNALS}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, signal.SIG_IGN if raised and _PROGRAM["ends_after"] else h)


def _children() -> list[int]:
    """This process's child processes (Linux: from /proc; elsewhere none)."""
    me, found = os.getpid(), []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            stat = Path("/proc", entry, "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == me:  # the field after the state: the parent
            found.append(int(entry))
    return found


def stop_processes(pids) -> None:
    """SIGKILL each process, and its process group when it leads one (a pool worker and
    the helm it runs)."""
    for pid in pids:
        try:
            if os.getpgid(pid) == pid:
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


# --------------------------------------------------------------------------- pools


def _worker_start(scratch: str, environment: dict[str, str]) -> None:
    """In each worker: a process group of its own (the terminal's signals reach only the
    main process), the signals as the main process left them blocked now at their
    defaults, temporary files under the pool's scratch directory, and the main process's
    environment as it is now (a forkserver's children inherit the forkserver's, taken when
    it started: settings changed since, NETPOL_* among them, would not reach them)."""
    os.environ.clear()
    os.environ.update(environment)
    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
    tempfile.tempdir = scratch


@contextlib.contextmanager
def held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends: wrap what forks workers, so a worker
    never runs the main process's handler before it has a process group of its own."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _start_forkserver() -> None:
    """Start the forkserver where its socket's path fits: a unix socket path holds at most
    107 bytes, and a deep TMPDIR (pytest's, a CI runner's) would not leave room for it."""
    if len(tempfile.gettempdir()) <= 60 or not os.access("/tmp", os.W_OK):
        return
    before = tempfile.tempdir
    tempfile.tempdir = "/tmp"
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        tempfile.tempdir = before


@contextlib.contextmanager
def process_pool(workers: int, start_method: str) -> Iterator[concurrent.futures.ProcessPoolExecutor]:
    """A process pool as the module docstring tells; submit under `held()`."""
    if start_method == "forkserver":
        _start_forkserver()
    scratch = tempfile.mkdtemp(prefix="netpol-workers-")
    pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(start_method),
                                                  initializer=_worker_start, initargs=(scratch, dict(os.environ)))
    try:
        yield pool
    except BaseException:
        stop_processes(list(getattr(pool, "_processes", None) or {}))
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
