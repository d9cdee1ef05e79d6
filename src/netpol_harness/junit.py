"""The JUnit XML envelope `netpol check --junit` and `--format junit` share: CI systems read
the suite's name and counts from it, and each writer gives its own testcases."""
from __future__ import annotations

from .textsafe import xml_escape

__all__ = ["junit_suite"]


def junit_suite(name: str, cases: list[str], **counts: int) -> str:
    """A document of one testsuite holding `cases` (testcase elements, already escaped);
    `counts` (failures, errors, skipped ...) as attributes, in the order given."""
    attributes = "".join(f' {key}="{value}"' for key, value in counts.items())
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<testsuite name="{xml_escape(name)}" tests="{len(cases)}"'
            f'{attributes}>\n' + "\n".join(cases) + "\n</testsuite>\n")
