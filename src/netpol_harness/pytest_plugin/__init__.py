"""The pytest plugin (`plugin`, the `pytest11` entry point) and its fixtures: a thin layer
over the library (rendering, network assertions, the in-memory API server). The only
part of netpol_harness that imports pytest."""
