"""Benchmarks: a synthetic data generator and timings of the counting report."""
