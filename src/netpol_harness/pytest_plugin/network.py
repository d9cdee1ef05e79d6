"""The `net_from` fixture: `build_network` (netpol_harness.assertions.network) for a test."""
from __future__ import annotations

from typing import Callable

import pytest

from ..assertions.network import NetworkAssertions, build_network


@pytest.fixture
def net_from() -> Callable[..., NetworkAssertions]:
    """Function-scoped factory, `build_network` as a fixture:
    `net = net_from(result, externals=["1.1.1.1"], setup=add_kube_dns)` -> NetworkAssertions."""
    return build_network
