"""The suite's fixtures come from the netpol-harness pytest plugin (its `pytest11`
entry point), exactly as they do for a chart maintainer's suite."""
