"""The benchmark suite (`make bench`, `bench/run.py`): its settings, ceiling views and runner."""
