"""The load benchmark (issue 7): `python -m bench.run` or `make bench`. Method and results in BENCHMARKS.md."""
