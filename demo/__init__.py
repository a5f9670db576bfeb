"""Development tools kept out of the shipped package: generated demo data for development and the benchmarks."""
