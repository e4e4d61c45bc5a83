"""The engine is a pure layer: importing it loads no moto/boto3, and its modules import each other without a circle."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import s3kms_lab.engine

ENGINE_DIR = Path(s3kms_lab.engine.__file__).resolve().parent


def test_import_engine_loads_neither_moto_nor_boto3():
    code = ("import sys, s3kms_lab.engine, s3kms_lab.engine.explain, s3kms_lab.engine.simulate\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('moto', 'boto3', 'botocore', 'werkzeug'))\n"
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=ENGINE_DIR.parents[1])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"importing the engine loaded: {out.stdout.strip()}"


def test_package_still_offers_lab_lazily():
    code = "import s3kms_lab, sys\nassert 'moto' not in sys.modules\nfrom s3kms_lab import Lab\nprint(Lab.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=ENGINE_DIR.parents[1])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Lab"


def _runtime_imports(path: Path) -> set[str]:
    """Engine modules this file imports when it runs (function-level imports too; TYPE_CHECKING blocks not)."""
    tree = ast.parse(path.read_text())
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.ImportFrom) or node.level != 1:
            continue
        if node.module:
            found.add(node.module.split(".")[0])
        else:
            found.update(a.name for a in node.names)
    return found


def test_engine_modules_have_no_import_circle():
    modules = {p.stem: p for p in ENGINE_DIR.glob("*.py") if p.stem != "__init__"}
    graph = {name: _runtime_imports(path) & set(modules) for name, path in modules.items()}
    assert "explain" not in graph["evaluate"] or "evaluate" not in graph["explain"]
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            assert state.get(nxt) != 1, "import circle: " + " -> ".join(path + [node, nxt])
            if nxt not in state:
                visit(nxt, path + [node])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_explainer_is_a_free_function_over_a_decision():
    from s3kms_lab.engine import Caller, PolicyKind, PolicySet, Request, authorize, parse_policy
    from s3kms_lab.engine.explain import explain, summarize
    pol = parse_policy({"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow",
                        "Action": "s3:GetObject", "Resource": "*"}]}, PolicyKind.IDENTITY, "p")
    d = authorize(Request(Caller("User", "arn:aws:iam::123456789012:user/u", "123456789012", "u"),
                          "s3:GetObject", "arn:aws:s3:::b/k"), PolicySet(identity=[pol]))
    assert "statement Read" in summarize(d)
    assert explain(d).policies[0]["statements"][0]["applies"] is True
    assert d.summary() == summarize(d)  # the compatibility method says the same
