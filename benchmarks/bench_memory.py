"""Memory benchmark: a learner's kernel after notebook 02 (issue 15: per-learner PSS <= 250 MB with the
single-user server, measured end to end by `make test-workshop`; this isolates the kernel, where the lab runs).

Run from the repository root:  python benchmarks/bench_memory.py [notebook ...]

Starts the `s3kms-lab` kernel (jupyter_client), runs every code cell of each notebook but the last (which
stops the lab), waits 2 s and prints the kernel's PSS (proportional set size, /proc/PID/smaps_rollup via
psutil) after the first cell and when steady. Budget: the kernel's steady PSS after notebook 02 <= 150 MiB,
which leaves ~85 MiB for the single-user server inside the learner's 250 MB.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
import psutil
from jupyter_client import KernelManager

REPO = Path(__file__).resolve().parents[1]
KERNEL_BUDGET_MIB = 150.0


def pss_mib(pid: int) -> float:
    proc = psutil.Process(pid)
    return sum(p.memory_full_info().pss for p in [proc, *proc.children(recursive=True)]) / 2**20


def measure(notebook: Path) -> tuple[float, float]:
    """(PSS after the first cell, steady PSS after all cells but the last), MiB."""
    cells = [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    manager = KernelManager(kernel_name="s3kms-lab")
    manager.start_kernel(cwd=str(notebook.parent))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        pid = manager.provisioner.process.pid
        first = None
        for source in cells[:-1]:
            reply = client.execute_interactive(source, timeout=300, output_hook=lambda _msg: None)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"{notebook.name}: {reply['content'].get('ename')}")
            first = pss_mib(pid) if first is None else first
        time.sleep(2)
        return first or 0.0, pss_mib(pid)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def main(argv: list[str]) -> int:
    names = argv or ["02_bucket_policy"]
    worst = 0.0
    for name in names:
        first, steady = measure(REPO / "notebooks" / f"{name}.ipynb")
        worst = max(worst, steady) if name == "02_bucket_policy" else worst
        print(f"{name}: kernel PSS after cell 1 {first:.1f} MiB, steady {steady:.1f} MiB")
    if worst:
        print(f"notebook 02 steady {worst:.1f} MiB vs budget {KERNEL_BUDGET_MIB:.0f} MiB: "
              f"{'within' if worst <= KERNEL_BUDGET_MIB else 'OVER'}")
    return 0 if worst <= KERNEL_BUDGET_MIB else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
