"""`python -m netpol_harness.cli`: the `netpol` command."""
from . import console_main

if __name__ == "__main__":
    console_main()
