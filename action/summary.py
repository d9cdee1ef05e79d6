"""The Markdown the action hands over (job summary, `markdown` output, pull-request comment).

    <!-- netpol-action chart=CHART -->      a marker, so a workflow finds and updates its own comment
    ## netpol: `CHART`
    | step | result |                      one row per validate case, check, and the diff
    notes                                   what was not done, and why
    <details> per step with output          the command's own words, open when it failed
    the diff's Markdown                     `netpol report --format markdown`, as it wrote it

Anything from the chart or a command (paths, output) is escaped or fenced, so it cannot
close a table, a <details> or a code block early.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MAX_OUTPUT_LINES = 60  # of each step's output; the whole is in the job log
MARKER = "<!-- netpol-action chart={} -->"
CUT = "\n\n*... cut here to fit; the whole report is in the job summary and the report artifact.*\n"


@dataclass
class Outcome:
    title: str
    code: int
    output: str
    result: str = ""  # said instead of "passed" when the step passed

    def console(self) -> str:
        """For the job log: the title, the result, the output whole."""
        head = f"== netpol {self.title}: {'ok' if self.code == 0 else f'FAILED (exit {self.code})'}"
        return head + ("\n" + self.output.rstrip() if self.output.strip() else "")


def html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cell(text: str) -> str:
    """One line, safe in a table cell: no HTML, no cell break, no code span to leave open."""
    return re.sub(r"([\\`*_|\[\]])", r"\\\1", html_text(" ".join(text.split())))


def code_span(text: str) -> str:
    """Inline code that holds any text: the fence is one backtick longer than its longest run."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}" if text.startswith("`") or text.endswith("`") else f"{fence}{text}{fence}"


def fenced(text: str) -> str:
    """A code block that no line of `text` can close, MAX_OUTPUT_LINES at most."""
    lines = text.rstrip().splitlines()
    if len(lines) > MAX_OUTPUT_LINES:
        lines = lines[:MAX_OUTPUT_LINES] + [f"... {len(lines) - MAX_OUTPUT_LINES} more lines in the job log"]
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n" + "\n".join(lines) + f"\n{fence}"


def result_text(outcome: Outcome) -> str:
    return (outcome.result or "passed") if outcome.code == 0 else f"**failed** (exit {outcome.code})"


def details(outcome: Outcome) -> str:
    state = " open" if outcome.code else ""
    return (f"<details{state}><summary>{html_text(outcome.title)}: output</summary>\n\n"
            f"{fenced(outcome.output)}\n\n</details>")


def compose(chart: str, outcomes: list[Outcome], diff_markdown: str, notes: list[str], failures: list[str]) -> str:
    """The whole body; `failures`: what failed beside the commands (a wrong input, fail-on-open)."""
    verdict = "failed" if failures or any(o.code for o in outcomes) else "passed"
    parts = [MARKER.format(html_text(chart).replace("--", "-&#45;")),
             f"## netpol: {code_span(chart)} {verdict}", "", "| step | result |", "|---|---|"]
    parts += [f"| {cell(o.title)} | {result_text(o)} |" for o in outcomes]
    parts += [f"| {cell(failure)} | **failed** |" for failure in failures]
    parts += [""] + [f"- {cell(note)}" for note in notes] + ([""] if notes else [])
    parts += [details(o) + "\n" for o in outcomes if o.output.strip()]
    if diff_markdown.strip():
        parts.append(diff_markdown.strip())
    return "\n".join(parts).rstrip() + "\n"


def limited(text: str, limit: int) -> str:
    """`text` when it fits in `limit` characters; else cut at a line, any open code block or
    <details> closed, and a line saying where the rest is."""
    if len(text) <= limit:
        return text
    head = text[:max(0, limit - len(CUT) - 200)].rsplit("\n", 1)[0]
    fences = re.findall(r"^(`{3,})", head, re.M)
    tail = "\n" + fences[-1] if len(fences) % 2 else ""
    tail += "\n</details>" * (head.count("<details") - head.count("</details>"))
    return head + tail + CUT
