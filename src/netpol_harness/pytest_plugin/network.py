"""The `net_from` and `dataplane` fixtures: `build_network` (netpol_harness.assertions.network)
for a test, judged under the test's dataplane profile.

`--netpol-dataplane NAME[,NAME...]` (or `all`; ini `netpol_dataplane`) runs every test that
uses `dataplane` (directly, or through `net_from`) once per profile; a test marked
`@pytest.mark.dataplanes("cilium", "calico")` runs under those. Without either, the
fixture is the API's own reading (`kubernetes`) and nothing is parametrized.
"""
from __future__ import annotations

import functools
from typing import Callable

import pytest

from ..assertions.network import NetworkAssertions, build_network
from ..net.dataplanes import KUBERNETES, Dataplane, UnknownDataplane, dataplanes

DATAPLANE_INI = "netpol_dataplane"


def configured_dataplanes(config: pytest.Config) -> list[Dataplane]:
    """The profiles the option names, else the ini setting; [] when neither does."""
    words = (config.getoption("--netpol-dataplane") or "").split(",") or []
    words = [w.strip() for w in words if w.strip()] or [w for line in config.getini(DATAPLANE_INI)
                                                          for w in line.split(",") if w.strip()]
    if not words:
        return []
    try:
        return dataplanes(words)
    except UnknownDataplane as exc:
        raise pytest.UsageError(f"--netpol-dataplane: {exc}") from None


def dataplanes_for(metafunc: pytest.Metafunc) -> list[Dataplane]:
    """A test's profiles: its `dataplanes` marker's, else the configured ones."""
    marker = metafunc.definition.get_closest_marker("dataplanes")
    if marker is not None:
        try:
            return dataplanes(list(marker.args))
        except UnknownDataplane as exc:
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: dataplanes marker: {exc}") from None
    return configured_dataplanes(metafunc.config)


@pytest.fixture
def dataplane(request: pytest.FixtureRequest) -> Dataplane:
    """The dataplane profile the test runs under (see the module's doc)."""
    return getattr(request, "param", KUBERNETES)


@pytest.fixture
def net_from(dataplane: Dataplane) -> Callable[..., NetworkAssertions]:
    """Function-scoped factory, `build_network` as a fixture, under the test's profile and
    with kube-dns in kube-system, as `netpol check` has it (`kube_dns=False` leaves it out):
    `net = net_from(result, externals=["1.1.1.1"])` -> NetworkAssertions."""
    return functools.partial(build_network, dataplane=dataplane, kube_dns=True)
