"""The job-executor-service value matrix: every feature flag and preset, combined
pairwise, plus every values example that renders without a cluster or DNS."""
from __future__ import annotations

from pathlib import Path

from netpol_harness.environments import needs_of as example_needs
from netpol_harness.matrix import pairwise, to_values
from netpol_harness.project import root as repo_root

CHART = repo_root() / "charts" / "job-executor-service"
EXAMPLES = repo_root() / "values-examples" / "job-executor-service"

# Each factor is one value path; IP literals stand in for host names so the matrix
# renders without DNS (resolution has its own tests under a controlled resolver).
FACTORS: dict[str, list] = {
    "networkPolicy.ingress.enabled": [True, False],
    "networkPolicy.egress.enabled": [True, False],
    "networkPolicy.egress.dns.preset": ["kubernetes", "openshift", "nodelocal", "custom"],
    "networkPolicy.egress.k8sMasterCIDR": ["192.0.2.10/32", ["192.0.2.10/32", "2001:db8::10/128"], "10.96.0.0/12"],
    "networkPolicy.egress.k8sMasterPort": [0, 6443, [6443, 443]],
    "networkPolicy.egress.controlPlaneGateway.enabled": [True, False],
    "networkPolicy.egress.controlPlaneGateway.namespaceLabels": [{}, {"kubernetes.io/metadata.name": "keptn"}],
    "remoteControlPlane.api.hostname": ["", "203.0.113.5", "[2001:db8::5]:8443"],
    "remoteControlPlane.api.authMode": ["token", "oauth"],
    "networkPolicy.egress.remoteControlPlane.cidrs": [[], ["198.51.100.0/28"]],
    "networkPolicy.egress.extraRules": [
        [],
        [{"name": "metrics", "ports": [{"port": 9090, "endPort": 9091}], "to": [{"pods": {"app": "prometheus"}, "namespaces": {"names": ["monitoring"]}}]}],
    ],
    "networkPolicy.ingress.extraRules": [
        [],
        [{"name": "probe", "ports": [8080], "from": [{"namespaces": {"kubernetes.io/metadata.name": "monitoring"}}]}],
    ],
}

# Values each case needs that are not factors.
BASE = {
    "networkPolicy.egress.dns.peers": [{"namespaces": {"names": ["dns"]}, "pods": {"app": "dns"}}],
    "networkPolicy.egress.dns.ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
    "remoteControlPlane.api.oauth.clientDiscovery": "https://198.51.100.77:8443/realms/keptn/.well-known/openid-configuration",
}


def matrix_cases() -> list[tuple[str, dict]]:
    cases = []
    for i, flat in enumerate(pairwise(FACTORS)):
        cases.append((f"pairwise-{i:02d}", to_values({**BASE, **flat})))
    return cases


def offline_examples() -> list[Path]:
    return sorted(p for p in EXAMPLES.glob("*.yaml") if not example_needs(p))


def all_examples() -> list[Path]:
    return sorted(EXAMPLES.glob("*.yaml"))
