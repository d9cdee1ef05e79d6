"""What a change to a chart or its values does to who may reach whom: the flows it
opens and closes, each with the rule responsible before and after.

Both sides are judged on the same endpoints and probes: the witnesses of both sides'
policies are added to each, and the probes are those either side would ask about. A diff
is judged under one dataplane profile; to see a change under several, diff once per
profile (`diff_file` names each one's page).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from ..net import Cluster
from ..net.dataplanes import KUBERNETES, Dataplane, dataplane as profile
from ..textsafe import visible
from .data import Report, build_cluster, connectivity_report
from .page import escape, page
from .probe import Probe, cluster_probes
from .words import ports_text

ABSENT = "not in the manifests"


@dataclass(frozen=True)
class Change:
    src: str
    dst: str
    probes: tuple[Probe, ...]
    opened: bool  # allowed after and not before; False: closed
    before: str  # why it was allowed or denied before
    after: str
    absent: str = ""  # an endpoint only one side has: the change is that it came or went

    @property
    def ports(self) -> str:
        return ports_text(self.probes)


@dataclass
class Diff:
    title: str
    before_title: str
    after_title: str
    before: Report
    after: Report
    opened: list[Change] = field(default_factory=list)
    closed: list[Change] = field(default_factory=list)
    policies_added: list[str] = field(default_factory=list)
    policies_removed: list[str] = field(default_factory=list)
    policies_changed: list[str] = field(default_factory=list)
    dataplane: str = KUBERNETES.name  # the profile both sides are judged under

    @property
    def unchanged(self) -> bool:
        return not self.opened and not self.closed


def _verdicts(report: Report) -> dict[tuple[str, str, Probe], tuple[bool, str]]:
    out = {}
    for (src, dst), cell in report.cells.items():
        for part in cell.parts:
            for probe in part.probes:
                out[(src, dst, probe)] = (part.allowed, part.by)
    return out


def _why(verdicts: dict, key: tuple, endpoints: set[str]) -> tuple[bool, str, str]:
    """(allowed, why, the endpoint this side lacks) for one flow."""
    missing = [e for e in key[:2] if e not in endpoints]
    if key in verdicts:
        return (*verdicts[key], "")
    return False, (f"{', '.join(missing)} {ABSENT}" if missing else "not reported"), ", ".join(missing)


def diff_objects(
    before: Iterable[Mapping[str, Any] | None],
    after: Iterable[Mapping[str, Any] | None],
    *,
    title: str = "diff",
    before_title: str = "before",
    after_title: str = "after",
    namespace: str = "default",
    probes: Iterable[Probe | tuple[int, str] | str | int] | None = None,
    externals: Iterable[str] = (),
    workloads: Sequence[str] | None = None,
    ipblock_matches_pods: bool = True,
    dataplane: Dataplane | str = KUBERNETES.name,
) -> Diff:
    """Compare two renders flow by flow (every pair with a workload, on every probe), both
    judged as `dataplane` (a profile of `net.dataplanes`) enforces the policies.

    Each side gets the endpoints the other side's report adds, so both judge the same
    pods and addresses, on the probes either side would ask about."""
    chosen_profile = profile(dataplane)  # a wrong name fails before anything is built
    sides = [[o for o in objs if o] for objs in (before, after)]
    manifests = [Cluster.from_manifests(objs, namespace) for objs in sides]  # each side as rendered, nothing added
    policies = [cluster.policies for cluster in manifests]
    witness_policies = [*policies[0], *policies[1]]
    # A witness never takes the id of either side's own pods: an id means one pod on both sides.
    reserved = {p.id for cluster in manifests for p in cluster.pods}
    first = [build_cluster(objs, namespace=namespace, externals=externals, witness_policies=witness_policies,
                           reserved=reserved) for objs in sides]
    chosen = (sorted({Probe.of(p) for p in probes}) if probes is not None
              else sorted({*cluster_probes(first[0][0]), *cluster_probes(first[1][0])}))
    subjects = list(dict.fromkeys([*first[0][1], *first[1][1]]))
    reports = [connectivity_report(objs, chosen, title=t, namespace=namespace, externals=externals, workloads=workloads,
                                   witness_policies=witness_policies, extra_witnesses=first[1 - k][2], reserved=reserved,
                                   subjects=subjects, ipblock_matches_pods=ipblock_matches_pods,
                                   dataplane=chosen_profile)
               for k, (objs, t) in enumerate(zip(sides, (before_title, after_title)))]
    diff = Diff(title, before_title, after_title, reports[0], reports[1], dataplane=chosen_profile.name)
    _compare(diff)
    olds = {p.id: p for p in policies[0]}
    news = {p.id: p for p in policies[1]}
    diff.policies_added = [p for p in news if p not in olds]
    diff.policies_removed = [p for p in olds if p not in news]
    diff.policies_changed = [p for p in news if p in olds and news[p] != olds[p]]
    return diff


def _compare(diff: Diff) -> None:
    was, now = _verdicts(diff.before), _verdicts(diff.after)
    old_ends, new_ends = set(diff.before.peers), set(diff.after.peers)
    groups: dict[tuple[str, str, bool, str, str, str], list[Probe]] = {}
    for key in sorted(set(was) | set(now), key=lambda k: (k[0], k[1], k[2])):
        allowed_before, why_before, gone = _why(was, key, old_ends)
        allowed_after, why_after, new = _why(now, key, new_ends)
        if allowed_before != allowed_after:
            groups.setdefault((key[0], key[1], allowed_after, why_before, why_after, gone or new), []).append(key[2])
    for (src, dst, opened, why_before, why_after, absent), probes in groups.items():
        change = Change(src, dst, tuple(probes), opened, why_before, why_after, absent)
        (diff.opened if opened else diff.closed).append(change)


def diff_file(dataplane: str | None = None) -> str:
    """The page's file name: diff.html, or with one page per profile diff-<profile>.html (the
    options' punctuation made safe for a file name)."""
    return f"diff-{re.sub(r'[^A-Za-z0-9.-]+', '_', dataplane)}.html" if dataplane else "diff.html"


def render_diff_text(diff: Diff) -> str:
    lines = [f"# {diff.title}", f"before: {diff.before_title}", f"after:  {diff.after_title}",
             f"probes: {ports_text(diff.after.probes)}"]
    if diff.dataplane != KUBERNETES.name:  # the API's own reading goes unsaid, as it always has
        lines.append(f"dataplane: {diff.dataplane}")
    for word, ids in (("added", diff.policies_added), ("removed", diff.policies_removed), ("changed", diff.policies_changed)):
        if ids:
            lines.append(f"policies {word}: {', '.join(ids)}")
    if diff.unchanged:
        lines.append("no flow changes: every pair is allowed or denied as before")
        return "\n".join(visible(line) for line in lines)
    lines.append(f"{len(diff.opened)} opened, {len(diff.closed)} closed")
    for sign, title, changes in (("+", "opened", diff.opened), ("-", "closed", diff.closed)):
        both = [c for c in changes if not c.absent]
        if both:
            lines.append(f"{title}:")
        for c in both:
            lines += [f"  {sign} {c.src} -> {c.dst} on {c.ports}", f"      before: {c.before}", f"      after:  {c.after}"]
        # Flows of endpoints one side lacks: the endpoint came or went, the rules did not change.
        by_endpoint: dict[str, list[Change]] = {}
        for c in changes:
            if c.absent:
                by_endpoint.setdefault(c.absent, []).append(c)
        for endpoint, flows in by_endpoint.items():
            side = "before" if sign == "+" else "after"
            lines.append(f"{title} because {endpoint} is not in the {side} render ({len(flows)}):")
            lines += [f"  {sign} {c.src} -> {c.dst} on {c.ports} ({c.after if c.opened else c.before})" for c in flows]
    return "\n".join(visible(line) for line in lines)


def render_diff_html(diff: Diff) -> str:
    e = escape
    body = [f"<header><h1>{e(diff.title)}</h1>",
            f'<p class="meta">Before: {e(diff.before_title)}. After: {e(diff.after_title)}. '
            f"Probes: {e(ports_text(diff.after.probes))}.</p>"]
    if diff.dataplane != KUBERNETES.name:
        body.append(f'<p class="meta" id="dataplane">Judged as the dataplane {e(diff.dataplane)} enforces the policies.</p>')
    for word, ids in (("added", diff.policies_added), ("removed", diff.policies_removed), ("changed", diff.policies_changed)):
        if ids:
            body.append(f'<p class="meta">Policies {word}: {e(", ".join(ids))}.</p>')
    body.append("</header><main>")
    if diff.unchanged:
        body.append('<p id="unchanged">No flow changes: every pair is allowed or denied as before.</p>')
    for title, cls, changes in (("Opened", "opened", diff.opened), ("Closed", "closed", diff.closed)):
        body.append(f'<section id="{cls}"><h2>{title}: {len(changes)}</h2>')
        if changes:
            rows = "".join(f'<tr class="{cls}"><td>{"+" if c.opened else "-"}</td><td>{e(c.src)}</td><td>{e(c.dst)}</td>'
                           f"<td>{e(c.ports)}</td><td>{e(c.before)}</td><td>{e(c.after)}</td></tr>" for c in changes)
            body.append('<table class="flows"><tr><th></th><th>source</th><th>destination</th><th>ports</th>'
                        f"<th>before</th><th>after</th></tr>{rows}</table>")
        body.append("</section>")
    body.append("</main>")
    return page(diff.title, body)
