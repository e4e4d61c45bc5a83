"""Many learners on one real JupyterHub (issue 15 part 2): every learner's server is started through the Hub's
REST API, notebooks 02 and 05 run in every learner's kernel at the same time, all cells pass, no learner sees
another learner's objects or trail, and the per-learner cost is measured (PSS, time to first cell, CPU seconds).

Run with `make test-workshop` (needs configurable-http-proxy from npm). WORKSHOP_LEARNERS (default 10) sets how
many learners start at once; the measurement is written to WORKSHOP_MEASURE_OUT (default: the test's tmp folder)
and printed. JupyterHub REST API: https://jupyterhub.readthedocs.io/en/stable/reference/rest-api.html
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from hub import Hub, Kernel, cpu_seconds, learner_tree, pss_bytes

LEARNERS = int(os.environ.get("WORKSHOP_LEARNERS", "10"))
NOTEBOOKS = ("02_bucket_policy", "05_uploading_cli_and_boto3")
# Issue 15's numbers are targets: per-learner PSS with a lab running, steady after notebook 02, 250 MB; one
# learner's time from "start server" to first cell executed, 10 s on a quiet node. The test prints and writes both
# (WORKSHOP_MEASURE_OUT). What it asserts is what the kit relies on: a learner fits the memory guarantee that
# workshop/config.yaml and jupyterhub_config.py give (workshop/capacity.py), and a start time that catches a
# regression on the shared 2-core course machines (load 7-20 from other work; one learner measured 12-27 s there).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import capacity  # noqa: E402  (workshop/capacity.py)

MAX_PSS_MIB = float(os.environ.get("WORKSHOP_MAX_PSS_MIB", capacity.guarantee_mib()))
MAX_SOLO_FIRST_CELL_S = float(os.environ.get("WORKSHOP_MAX_SOLO_S", "45"))

pytestmark = pytest.mark.skipif(shutil.which("configurable-http-proxy") is None,
                                reason="configurable-http-proxy (npm) is not installed")

# Run in a learner's kernel after notebook 02: a bucket only this learner makes, then (after every learner has
# made theirs) what this learner's lab can see: its buckets and every bucket name its trail mentions.
MARK = 'lab.client("s3").create_bucket(Bucket="whoami-{name}", CreateBucketConfiguration={{"LocationConstraint": lab.region}})'
LOOK = '''import json as _json
print(_json.dumps({"buckets": [b["Name"] for b in lab.client("s3").list_buckets()["Buckets"]],
                   "trail": _json.dumps(lab.trail.filter(), default=str)}))'''


def code_cells(course: Path, notebook: str) -> list[str]:
    nb = nbformat.read(course / f"{notebook}.ipynb", as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """The course as a learner gets it (`s3kms-lab notebooks`), copied into each home below."""
    folder = tmp_path_factory.mktemp("course") / "notebooks"
    subprocess.run([str(Path(sys.executable).parent / "s3kms-lab"), "notebooks", str(folder)], check=True,
                   stdout=subprocess.DEVNULL)
    return folder


def make_hub(root: Path, names: list[str], course: Path) -> Hub:
    for name in names:
        shutil.copytree(course, root / "home" / name / "course")
    return Hub(root, names).start()


class Learner(threading.Thread):
    """One learner: start the server, run notebook 02, mark, wait for everyone, look, measure, run notebook 05."""

    def __init__(self, hub: Hub, name: str, cells: dict[str, list[str]], barrier: threading.Barrier | None):
        super().__init__(name=name)
        self.hub, self.learner, self.cells, self.barrier = hub, name, cells, barrier
        self.failures: list[str] = []
        self.result: dict = {"learner": name}

    def run_cells(self, kernel: Kernel, notebook: str, cells: range, after_first=None) -> None:
        for index in cells:
            reply = kernel.execute(self.cells[notebook][index])
            if reply["status"] != "ok":
                raise AssertionError(f"{notebook} cell {index}: {reply['ename']}: {reply['evalue']}")
            if index == 0 and after_first:
                after_first()

    def run_notebook(self, notebook: str) -> None:
        kernel = Kernel(self.hub, self.learner, f"course/{notebook}.ipynb")
        self.run_cells(kernel, notebook, range(len(self.cells[notebook])))
        kernel.shutdown()

    def run(self) -> None:
        try:
            started = time.monotonic()
            self.hub.start_server(self.learner)
            self.hub.wait_ready(self.learner)
            self.result["server_ready_s"] = time.monotonic() - started
            first = lambda: self.result.__setitem__("first_cell_s", time.monotonic() - started)  # noqa: E731
            # Notebook 02 up to its last cell (which stops the lab): measure and look while the lab runs.
            notebook, last = NOTEBOOKS[0], len(self.cells[NOTEBOOKS[0]]) - 1
            kernel = Kernel(self.hub, self.learner, f"course/{notebook}.ipynb")
            self.run_cells(kernel, notebook, range(last), after_first=first)
            self.result["nb02_s"] = time.monotonic() - started - self.result["server_ready_s"]
            if self.barrier is None:
                self.run_cells(kernel, notebook, range(last, last + 1))
                kernel.shutdown()
                return
            mark = kernel.execute(MARK.format(name=self.learner))
            self.barrier.wait(timeout=900)           # every learner has run 02 and made their bucket
            time.sleep(3)                            # steady: no cell running anywhere
            tree = learner_tree(self.hub.server_process(self.learner))
            self.result["pss_mib"] = pss_bytes(tree) / 2**20
            self.result["processes"] = len(tree)     # server + kernel (the lab runs in the kernel)
            look = kernel.execute(LOOK)
            self.result["seen"] = json.loads(look["stdout"]) if look["status"] == "ok" else None
            if mark["status"] != "ok" or look["status"] != "ok":
                self.failures.append(f"isolation probe: {mark} {look}")
            self.barrier.wait(timeout=900)           # nobody stops a lab while others still look
            self.run_cells(kernel, notebook, range(last, last + 1))
            kernel.shutdown()
            started_05 = time.monotonic()
            self.run_notebook(NOTEBOOKS[1])
            self.result["nb05_s"] = time.monotonic() - started_05
            self.result["cpu_s"] = cpu_seconds(learner_tree(self.hub.server_process(self.learner)))
        except Exception as exc:  # reported by the test with the learner's name
            self.failures.append(f"{type(exc).__name__}: {exc}")
            if self.barrier is not None:
                self.barrier.abort()


def test_one_learner_then_many_at_once(tmp_path, course):
    cells = {notebook: code_cells(course, notebook) for notebook in NOTEBOOKS}
    names = [f"learner{i:02d}" for i in range(1, LEARNERS + 1)]
    hub = make_hub(tmp_path, ["solo", *names], course)
    load_before = os.getloadavg()
    wall = time.monotonic()
    try:
        solo = Learner(hub, "solo", cells, barrier=None)
        solo.run()
        assert not solo.failures, solo.failures
        hub.api("DELETE", "/users/solo/server")

        barrier = threading.Barrier(len(names))
        learners = [Learner(hub, name, cells, barrier) for name in names]
        for learner in learners:
            learner.start()
        for learner in learners:
            learner.join(timeout=1800)
    finally:
        hub_log = hub.log_tail()
        hub.stop()

    failures = {learner.learner: learner.failures for learner in learners if learner.failures}
    assert not failures, f"{failures}\n--- hub log ---\n{hub_log}"
    for learner in learners:  # each learner sees only their own bucket, in their list and in their trail
        seen = learner.result["seen"]
        mine = f"whoami-{learner.learner}"
        assert [b for b in seen["buckets"] if b.startswith("whoami-")] == [mine], (learner.learner, seen["buckets"])
        others = [f"whoami-{other}" for other in names if other != learner.learner]
        assert mine in seen["trail"] and not [o for o in others if o in seen["trail"]], learner.learner

    results = [learner.result for learner in learners]
    measured = {
        "learners_at_once": len(names),
        "cpu_cores": os.cpu_count(),
        "load_average_before": [round(x, 1) for x in load_before],
        "load_average_after": [round(x, 1) for x in os.getloadavg()],
        "solo_first_cell_s": round(solo.result["first_cell_s"], 1),
        "solo_server_ready_s": round(solo.result["server_ready_s"], 1),
        "many_first_cell_s_max": round(max(r["first_cell_s"] for r in results), 1),
        "many_first_cell_s_median": round(sorted(r["first_cell_s"] for r in results)[len(results) // 2], 1),
        "pss_mib_max": round(max(r["pss_mib"] for r in results), 1),
        "pss_mib_mean": round(sum(r["pss_mib"] for r in results) / len(results), 1),
        "processes_per_learner": max(r["processes"] for r in results),
        "cpu_s_per_learner_mean": round(sum(r["cpu_s"] for r in results) / len(results), 1),
        "cpu_s_per_learner_max": round(max(r["cpu_s"] for r in results), 1),
        "nb02_run_s_median": round(sorted(r["nb02_s"] for r in results)[len(results) // 2], 1),
        "nb05_run_s_median": round(sorted(r["nb05_s"] for r in results)[len(results) // 2], 1),
        "wall_s": round(time.monotonic() - wall, 1),
    }
    out = Path(os.environ.get("WORKSHOP_MEASURE_OUT", tmp_path / "measured.json"))
    out.write_text(json.dumps(measured, indent=2) + "\n", encoding="utf-8")
    print("\nworkshop measurement:", json.dumps(measured, indent=2))
    assert measured["pss_mib_max"] <= MAX_PSS_MIB, measured
    assert measured["solo_first_cell_s"] <= MAX_SOLO_FIRST_CELL_S, measured
