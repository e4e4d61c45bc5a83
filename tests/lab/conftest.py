"""Slow tests (``@pytest.mark.slow``) are collected first, so under pytest-xdist they start at once and
overlap the rest of the suite instead of finishing last."""
from __future__ import annotations


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: the rest keep their order
