"""The matrix runner's progress line on stderr (`run_matrix(progress=True)`)."""
from __future__ import annotations

import sys
import time
from typing import Any, Sequence


class Progress:
    """A progress line on stderr with the time left; a plain line every few seconds when
    stderr is not a terminal."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled, self.done, self.failing = total, enabled, 0, 0
        self.start = self.last = time.perf_counter()
        self.tty = sys.stderr.isatty()

    def update(self, outcomes: Sequence[Any]) -> None:
        self.done += len(outcomes)
        self.failing += sum(1 for o in outcomes if o.failures)
        now = time.perf_counter()
        if not self.enabled or (not self.tty and now - self.last < 5 and self.done < self.total):
            return
        self.last = now
        elapsed = now - self.start
        left = elapsed / self.done * (self.total - self.done) if self.done else 0.0
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        text = (f"[{'=' * filled}{' ' * (width - filled)}] {self.done}/{self.total} cases, {elapsed:.0f} s, "
                f"about {left:.0f} s left, {self.failing} failing")
        sys.stderr.write(("\r" + text) if self.tty else text + "\n")
        if self.tty and self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def abandon(self) -> None:
        """Stopped early: end the progress line, so what is printed next starts a line."""
        if self.enabled and self.tty and 0 < self.done < self.total:
            sys.stderr.write("\n")
            sys.stderr.flush()
