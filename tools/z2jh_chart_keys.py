"""Write the key paths of the Zero-to-JupyterHub chart's documented values (its jupyterhub/values.yaml).

    python tools/z2jh_chart_keys.py PATH/TO/jupyterhub/values.yaml > workshop/z2jh-chart-keys.txt

One dotted key path a line (``singleuser.memory.limit``). A mapping the chart leaves empty (``{}``) is free-form
(its keys are the user's, e.g. ``hub.config`` or ``singleuser.extraEnv``) and is written as ``path.*``.
The list lets tests/workshop/test_z2jh_config.py check workshop/config.yaml without vendoring the chart.
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml


def key_paths(values: dict, prefix: str = "") -> list[str]:
    """Dotted key paths of a values mapping; empty mappings end in ``.*`` (free-form)."""
    paths: list[str] = []
    for key, value in values.items():
        path = f"{prefix}{key}"
        paths.append(path)
        if isinstance(value, dict):
            paths.extend(key_paths(value, path + ".") if value else [path + ".*"])
    return paths


def main(argv: list[str]) -> int:
    values = yaml.safe_load(Path(argv[1]).read_text(encoding="utf-8"))
    print("\n".join(key_paths(values)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
