"""A large dump's text read on every core: cut at item boundaries (lines kubectl starts
with `- ` at column 0) into parts of near equal counts of items (an item costs about the
same whatever its kind: most of a pod's bytes are cut, a policy's are read), the parts
dealt to the processes in turn (the kinds of a dump sit apart), read by `dumps`, the
results joined in order. What each part gives is what reading the whole text gives for
those lines, so the join equals the one-process read: each block the reader cuts and each
item it reads ends before the next column-0 `- ` line, except a pruned key's block at
column 0 (its list items sit at column 0 too), and a cut inside such a block is never made.

Processes are forked (the text is shared, not copied through a pipe); where fork is not
available, on one core, or for a small text, everything is read in this process.
"""
from __future__ import annotations

import bisect
import marshal
import multiprocessing
import os
import pickle
import re
from typing import Any, Callable

__all__ = ["SPLIT_BYTES", "Beside", "can_fork", "cuts", "in_parts"]

SPLIT_BYTES = 4 << 20  # below this, forking costs more than it saves
_MOST_PROCESSES = 4
_SHARES = 16  # parts a process reads, spread over the text: what costs more is shared out
# A column-0 line: a list item, or else a key, a document marker, a comment, a tab ...
_COLUMN_0 = re.compile(r"\n(?:- |[^ \-\n]|-[^ ])")


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _processes() -> int:
    return min(_cores(), _MOST_PROCESSES)


def _forks() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def cuts(text: str, unsafe: re.Pattern) -> list[int]:
    """Offsets that cut `text` into parts (first 0, last its length), at column-0 `- ` lines
    near equal shares of them; a cut whose last column-0 line above it (not a list item, not
    blank) matches `unsafe` (a pruned key: its block may run on past the cut) is not made."""
    parts = _processes() * _SHARES
    if not can_fork(text):
        return [0, len(text)]
    items, above = [], []  # column-0 list items; other column-0 lines, not blank
    for match in _COLUMN_0.finditer(text):
        if match.group() == "\n- ":
            items.append(match.start() + 1)
        elif match.group()[1:].strip():
            above.append(match.start() + 1)
    offsets = [0]
    for k in range(1, parts):
        at = items[len(items) * k // parts] if items else 0
        if at <= offsets[-1]:
            continue
        line = _last_line_above(text, above, at)
        if line is not None and unsafe.fullmatch(line):
            continue
        offsets.append(at)
    return offsets + [len(text)]


def _last_line_above(text: str, above: list[int], at: int) -> str | None:
    """The last column-0 line before `at` that is not a list item nor blank; None: there is none."""
    k = bisect.bisect_left(above, at)
    if k:
        start = above[k - 1]
    elif text[:2] != "- " and text[:1] not in (" ", "\n", ""):
        start = 0
    else:
        return None
    end = text.find("\n", start)
    return text[start:end if end >= 0 else len(text)].rstrip("\t ")


def in_parts(text: str, offsets: list[int], read: Callable[[str, int], Any]) -> list[Any]:
    """`read(part, k)` of each part, in order: every n-th here, the others in n - 1 forked
    processes. An exception a part raises is raised here, as reading it here would have;
    the parts of a process that ends without an answer are read here. `read` answers plain
    data (maps, lists, strings, numbers, None): a forked process sends it back by marshal,
    which would turn a bytearray or an array into bytes."""
    if len(offsets) <= 2:
        return [read(text, 0)]
    processes = min(_processes(), len(offsets) - 1)

    def share(first: int) -> list[Any]:
        return [read(text[offsets[k]:offsets[k + 1]], k) for k in range(first, len(offsets) - 1, processes)]

    running: list[Beside] = []
    try:  # started inside: a process that cannot start leaves the ones before it to be reaped below
        running += [Beside(lambda first=first: share(first)) for first in range(1, processes)]
        results: list[Any] = [None] * (len(offsets) - 1)
        results[0::processes] = share(0)
        for first, process in enumerate(running, 1):
            ok, value = process.result()
            if ok is None:
                value = share(first)
            elif not ok:
                raise value
            results[first::processes] = value
        return results
    finally:
        for process in running:
            process.stop()


class Beside:
    """`work()` in a forked process, which shares this one's memory as it was at the fork."""

    def __init__(self, work: Callable[[], Any]) -> None:
        context = multiprocessing.get_context("fork")
        self.process: Any = None
        self.receive: Any = None
        try:
            self.receive, send = context.Pipe(duplex=False)
        except OSError:  # out of file descriptors: no answer, the work is done here
            return
        self.process = context.Process(target=_child, args=(send, work), daemon=True)
        try:
            self.process.start()
        except (OSError, AssertionError):  # out of processes, or a daemon's worker: no answer, done here
            self.process = None
        send.close()

    def result(self) -> tuple[bool | None, Any]:
        """(True, what it gave), (False, what it raised) or (None, None): no answer."""
        if self.receive is None:
            return None, None
        try:
            return _unpacked(self.receive.recv_bytes())
        except Exception:  # noqa: BLE001 - ended, or an answer that does not unpickle: do it here
            return None, None
        finally:
            self.stop()

    def stop(self) -> None:
        if self.receive is not None:
            self.receive.close()
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join()


def _child(send: Any, work: Callable[[], Any]) -> None:
    try:
        outcome: tuple[bool, Any] = (True, work())
    except BaseException as err:  # noqa: BLE001 - the parent raises it, as doing the work there would
        outcome = (False, err)
    send.send_bytes(_packed(outcome))
    send.close()


def _packed(outcome: tuple[bool, Any]) -> bytes:
    """`outcome` as bytes: marshalled when it is plain data (maps, lists, strings, numbers:
    what a reader gives), which takes half the time pickle takes both ways; else pickled."""
    try:
        return b"m" + marshal.dumps(outcome)
    except ValueError:  # an exception, an object of a class, or nested past marshal's depth
        return b"p" + pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)


def _unpacked(data: bytes) -> Any:
    body = memoryview(data)[1:]
    return marshal.loads(body) if data[:1] == b"m" else pickle.loads(body)


def can_fork(text: str) -> bool:
    """Whether work on `text` is worth a forked process: large, more than one core, fork there."""
    return len(text) >= SPLIT_BYTES and _cores() > 1 and _forks()
