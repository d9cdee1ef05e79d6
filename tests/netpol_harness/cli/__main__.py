"""`python -m netpol_harness.cli`: the `netpol` command."""
from . import console_main

console_main()
