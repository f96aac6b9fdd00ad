"""Benchmarks: `make bench` (calls.py, in process) and `make bench-load` (load.py, over HTTP)."""
