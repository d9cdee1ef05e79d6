"""NOTES.txt tells the operator which policies were installed, what each allows, where
every address came from, and that looked-up addresses are an install-time snapshot."""
from __future__ import annotations

import yaml

from netpol_harness.helm.template import render
from jes_cases import CHART, EXAMPLES


def notes_for(values: dict) -> str:
    result = render(CHART, values=values, release="jes", namespace="keptn-exec", notes=True)
    assert result.ok, result.stderr
    assert result.notes is not None
    return result.notes


def test_notes_without_policies_say_how_to_enable_them():
    notes = notes_for({})
    assert "none (set networkPolicy.ingress.enabled and networkPolicy.egress.enabled" in notes


def test_notes_list_each_policy_and_where_explicit_addresses_came_from():
    notes = notes_for(yaml.safe_load((EXAMPLES / "gitops-explicit-cidrs.yaml").read_text()))
    assert "NetworkPolicy jes-job-executor-service-ingress (Ingress)" in notes
    assert "nothing: all ingress is denied" in notes
    assert "NetworkPolicy jes-job-executor-service-egress (Egress)" in notes
    assert "dns: to pods {k8s-app=kube-dns} in namespaces {kubernetes.io/metadata.name=kube-system} on 53/UDP, 53/TCP" in notes
    assert "kubernetes-api: to 192.0.2.10/32 | 192.0.2.11/32 | 192.0.2.12/32 on 6443/TCP" in notes
    assert "(from networkPolicy.egress.k8sMasterCIDR)" in notes
    assert "keptn-remote-control-plane: to 203.0.113.20/32 on 443/TCP [from networkPolicy.egress.remoteControlPlane.cidrs]" in notes
    assert "oauth-provider: to 203.0.113.30/32 on 443/TCP [from networkPolicy.egress.oauth.cidrs]" in notes


def test_notes_call_resolved_addresses_a_snapshot():
    notes = notes_for({
        "remoteControlPlane": {"api": {"hostname": "203.0.113.5:8443"}},
        "networkPolicy": {"egress": {"enabled": True, "k8sMasterCIDR": "192.0.2.10/32"}},
    })
    assert "keptn-remote-control-plane: to 203.0.113.5/32 on 8443/TCP" in notes
    assert "203.0.113.5 (IP address as given)" in notes
    assert "snapshot taken at install time" in notes


def test_notes_say_that_port_zero_means_every_port():
    notes = notes_for({"networkPolicy": {"egress": {"enabled": True, "k8sMasterCIDR": "192.0.2.10/32", "k8sMasterPort": 0}}})
    assert "kubernetes-api: to 192.0.2.10/32 on every port" in notes
