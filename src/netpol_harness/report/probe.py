"""A probe: one port and protocol a report asks every pair about."""
from __future__ import annotations

from dataclasses import dataclass

from ..net import PROTOCOLS


@dataclass(frozen=True, order=True)
class Probe:
    port: int
    protocol: str = "TCP"

    @classmethod
    def parse(cls, text: str | int, default_protocol: str = "TCP") -> "Probe":
        """"53", "53/UDP" or 53."""
        port_text, _, proto = str(text).partition("/")
        protocol = (proto or default_protocol).upper()
        port = int(port_text)
        if not 1 <= port <= 65535:
            raise ValueError(f"port must be 1..65535, not {port}")
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}")
        return cls(port, protocol)

    @classmethod
    def of(cls, p: "Probe | tuple[int, str] | str | int") -> "Probe":
        if isinstance(p, Probe):
            return p
        if isinstance(p, tuple):
            return cls.parse(p[0], p[1])
        return cls.parse(p)

    def __str__(self) -> str:
        return f"{self.port}/{self.protocol}"
