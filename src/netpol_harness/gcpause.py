"""The cyclic garbage collector held off while a model is built or a dump decoded: what they
make lives long and forms no cycles, yet each of the collector's passes over the growing heap
walks it all again (a fifth of a model's time at 20,000 pods, as much as decoding a dump).

The collector's switch is the process's, so holds are counted: it comes back on when the
last hold ends (two threads reading two dumps do not turn it on under each other), and only
if it was on when the first began."""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

__all__ = ["collector_held"]

_lock = threading.Lock()
_holds = 0
_was_on = False


@contextmanager
def collector_held() -> Iterator[None]:
    global _holds, _was_on
    with _lock:
        if _holds == 0:
            _was_on = gc.isenabled()
            gc.disable()
        _holds += 1
    try:
        yield
    finally:
        with _lock:
            _holds -= 1
            if _holds == 0 and _was_on:
                gc.enable()
