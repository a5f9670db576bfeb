"""The benchmarks of `make bench`: the service against a bare Flask baseline, at any size.

`python -m bench --help` lists the options; PERFORMANCE.md holds the latest table and says how
to reproduce it.
"""
