"""A controlled resolver for helm: names resolve to what the test wrote, nothing else.

`getHostByName` asks the operating system's resolver at render time. To test it
with the real binary, helm runs in a private mount namespace (`unshare -m`,
root only) where three files are bind-mounted over the machine's:
  /etc/hosts          the test's names (IPv4 and IPv6)
  /etc/resolv.conf    a nameserver on loopback port 53 where nothing listens,
                      so a name missing from the hosts file fails at once
                      instead of leaking to real DNS
  /etc/nsswitch.conf  "hosts: files dns", so the hosts file is read first
The machine's own files are never touched: the mounts vanish with the process.

Helm versions differ (see netpol_harness.helm.binary.helm_version):
  3.10.x    resolves every name; an unresolvable name is a template error
            ("invalid argument to Intn"); with several addresses it picks one at
            random, so tests give each name a single address.
  >= 3.11.1 resolves only with --enable-dns and returns "" otherwise;
            render(..., enable_dns=True) adds the flag when the binary has it.
"""
from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

RESOLV_CONF = "# written by the test resolver: nothing answers here\nnameserver 127.0.0.1\noptions timeout:1 attempts:1\n"
NSSWITCH_CONF = "hosts: files dns\n"

# $0 is the directory with the three files, "$@" the command to run.
_MOUNT_SCRIPT = (
    'mount --bind "$0/hosts" /etc/hosts'
    ' && mount --bind "$0/resolv.conf" /etc/resolv.conf'
    ' && { [ ! -e /etc/nsswitch.conf ] || mount --bind "$0/nsswitch.conf" /etc/nsswitch.conf; }'
    ' && exec "$@"'
)


def hosts_text(names: Mapping[str, str | list[str]]) -> str:
    """/etc/hosts content: one line per address ("203.0.113.10 api.example.com")."""
    lines = ["127.0.0.1 localhost", "::1 localhost ip6-localhost"]
    for name, addresses in sorted(names.items()):
        for address in [addresses] if isinstance(addresses, str) else addresses:
            lines.append(f"{address} {name}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Resolver:
    """The files of one controlled resolver; `wrap` runs a command under them."""
    directory: Path
    hosts: str

    @property
    def cache_key(self) -> str:
        """Part of a render cache key: the same chart renders differently per hosts file."""
        return hashlib.sha256((self.hosts + RESOLV_CONF + NSSWITCH_CONF).encode()).hexdigest()[:16]

    def wrap(self, argv: list[str]) -> list[str]:
        return ["unshare", "-m", "sh", "-c", _MOUNT_SCRIPT, str(self.directory), *argv]

    __call__ = wrap


def make_resolver(names: Mapping[str, str | list[str]], directory: Path | None = None) -> Resolver:
    """Write the resolver's files and return it (use it as a render `wrapper`)."""
    directory = Path(directory or tempfile.mkdtemp(prefix="resolver-"))
    directory.mkdir(parents=True, exist_ok=True)
    text = hosts_text(names)
    (directory / "hosts").write_text(text)
    (directory / "resolv.conf").write_text(RESOLV_CONF)
    (directory / "nsswitch.conf").write_text(NSSWITCH_CONF)
    return Resolver(directory, text)


@functools.lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """Why the controlled resolver cannot run here, or None when it can.

    Tried for real: the mounts are made and the hosts file read back.
    """
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return "unshare/mount are not installed"
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        return "a private mount namespace with bind mounts needs root (unshare -m)"
    with tempfile.TemporaryDirectory(prefix="resolver-check-") as tmp:
        resolver = make_resolver({"resolver-check.test": "192.0.2.1"}, Path(tmp))
        try:
            proc = subprocess.run(resolver.wrap(["cat", "/etc/hosts"]), capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired) as err:
            return f"unshare -m failed: {err}"
        if proc.returncode != 0 or "resolver-check.test" not in proc.stdout:
            return f"unshare -m with bind mounts is not permitted here: {proc.stderr.strip() or proc.returncode}"
    return None
