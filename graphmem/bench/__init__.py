"""Benchmarks behind ``graphmem bench``: ingest speed, LoCoMo recall quality, scale."""
