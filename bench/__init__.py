"""Benchmarks: `python -m bench.nlu` (make bench-nlu)."""
