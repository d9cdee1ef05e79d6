"""The harness is a library first: no module outside the pytest plugin imports pytest,
`from netpol_harness import NAME` gives a type checker NAME's real type, and the names
`netpol_harness` exports are exactly the ones it lists."""
from __future__ import annotations

import pkgutil
import subprocess
import sys
import textwrap

import pytest

import netpol_harness

PLUGIN = "netpol_harness.pytest_plugin"


def library_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(netpol_harness.__path__, "netpol_harness.")
                  if not (m.name == PLUGIN or m.name.startswith(PLUGIN + ".")))


def test_no_module_of_the_library_imports_pytest():
    modules = library_modules()
    assert len(modules) > 50, "the walk found too few modules to mean anything"
    code = textwrap.dedent(f"""
        import importlib, sys
        for name in {modules!r}:
            importlib.import_module(name)
        print(sorted(m for m in sys.modules if m == "pytest" or m.startswith(("_pytest", "pytest."))))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_plugin_is_what_imports_pytest():
    code = "import sys, netpol_harness.pytest_plugin.plugin; print('pytest' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "True", out.stderr


def test_every_exported_name_resolves_to_its_defining_module():
    assert netpol_harness.__all__ == sorted(netpol_harness._EXPORTS)
    for name in netpol_harness.__all__:
        value = getattr(netpol_harness, name)
        module = f"netpol_harness.{netpol_harness._EXPORTS[name]}"
        assert value is getattr(sys.modules[module], name)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'nothing_here'"):
        netpol_harness.nothing_here  # noqa: B018


USER_TEST = '''
from netpol_harness import {names}

{reveals}
'''


def test_a_users_type_checker_sees_the_real_types_of_every_public_name(tmp_path):
    pytest.importorskip("mypy", reason="mypy is installed by `make setup` (the dev extra)")
    names = netpol_harness.__all__
    (tmp_path / "test_user.py").write_text(USER_TEST.format(
        names=", ".join(names), reveals="\n".join(f"reveal_type({n})" for n in names)))
    out = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--follow-imports=silent",
                          "--cache-dir", str(tmp_path / ".mypy_cache"), str(tmp_path / "test_user.py")],
                         capture_output=True, text=True, cwd=tmp_path, timeout=300)
    revealed = [line for line in out.stdout.splitlines() if "Revealed type" in line]
    assert len(revealed) == len(names), out.stdout + out.stderr
    assert [line for line in revealed if '"Any"' in line] == []
    # A few exact signatures, as a user's editor shows them.
    by_name = dict(zip(names, revealed))
    assert by_name["render"].endswith('-> netpol_harness.helm.template.RenderResult"')
    assert by_name["validate_all"].endswith('-> list[str]"')
    assert by_name["NetworkAssertions"].endswith('-> netpol_harness.assertions.network.NetworkAssertions"')
