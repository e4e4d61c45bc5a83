"""The notebooks as a learner uses them: JupyterLab in Chromium, Run All from the menu, widgets clicked.

For every notebooks/*.ipynb present at collection time (a new notebook is covered automatically):
open it in JupyterLab, Edit > Clear Outputs of All Cells, Run > Run All Cells, wait until every cell ran and
the kernel is idle, save it (the temporary copy), then check

- every code cell executed, and no cell produced an error output (read from the saved notebook) nor a
  traceback on stderr (read from the page);
- every widget rendered: no "Loading widget...", "Error displaying widget" or "model not found" left;
- the notebook stopped its lab: after Run All the kernel's process tree listens on no port it did not
  listen on before (the lab's endpoint runs in the kernel);
- no traceback in JupyterLab's Log Console (output of widget callbacks and other cell-less output);
- nothing in the outputs looks broken (LAYOUT_JS): no widget button or label cut short, every table header
  over its column and aligned like its cells, no table wider than its output, NO / DENIED cells coloured, no SVG label cut or past its box, no SVG wider than its output;

and keep screenshots of the whole notebook in artifacts/browser/ (the folder and files are listed in pytest's
terminal summary).

Interaction contracts (the notebook authors provide these DOM hooks):

- 02: Dropdown ``.s3kms-sse-header`` (aws:kms -> none) flips the uploader's upload cells of
  ``.s3kms-decision-table`` from ALLOWED to DENIED and ``.s3kms-explanation`` then names
  DenyUnEncryptedUploads;
- 03: Checkbox ``.s3kms-root-statement`` (checked -> unchecked) flips the analyst's KMS cells to DENIED.

The whole session uses one `jupyter lab` server and one Chromium; each notebook's kernel is shut down when
its tests are done.
"""
from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from .browserlab import ARTIFACTS, SUMMARY, notebook_names

RUN_TIMEOUT_S = 180          # one notebook's Run All
KERNEL_READY_TIMEOUT_S = 90  # the notebook's kernel starting
WIDGET_TIMEOUT_S = 20        # "Loading widget..." placeholders resolving
SCREENSHOT_MAX_BYTES = 400_000
SHOT_HEIGHT = 2000            # px of one screenshot part
VIEWPORT_H = 900
INTERACTIVE = ("02_", "03_")  # notebooks whose live page the interaction tests reuse

UPLOAD_VARIANT = re.compile(r"PutObject|Upload|CopyObject", re.I)  # requests that send SSE headers
WIDGET_FAILURES = ("Error displaying widget", "model not found", "Loading widget...")


def _find(prefix: str) -> str | None:
    for name in notebook_names():
        if name.startswith(prefix):
            return name
    return None


@dataclass
class RunResult:
    name: str
    page: object
    seconds: float
    unexecuted: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stderr_tracebacks: list[str] = field(default_factory=list)
    widget_failures: list[str] = field(default_factory=list)
    widget_count: int = 0
    log_errors: list[str] = field(default_factory=list)
    leftover_ports: list[str] = field(default_factory=list)
    kernel_found: bool = False
    screenshots: list[Path] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    layout: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- page helpers
# The argument: the kernel status "Idle" as the server's interface language shows it (LabServer.ui_text).
KERNEL_IDLE_JS = """(idle) => [...document.querySelectorAll('.jp-StatusBar-TextItem')]
    .some(e => { const t = e.textContent.trim(); return /\\|\\s*\\S/.test(t) && t.endsWith(idle); })"""

PROMPTS_JS = """() => [...document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt')].map(e => e.textContent.trim())"""

RUN_DONE_JS = """(idleText) => {
  const p = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt')]
    .map(e => e.textContent.trim());
  const idle = [...document.querySelectorAll('.jp-StatusBar-TextItem')]
    .some(e => { const t = e.textContent.trim(); return /\\|\\s*\\S/.test(t) && t.endsWith(idleText); });
  return p.length > 0 && !p.some(t => t.includes('*')) && /\\d/.test(p[0]) && idle;
}"""

# What a learner would see as broken layout in the outputs (issue 17): a widget button or label cut short, a
# table header off its column or aligned unlike its cells, a NO / DENIED cell left uncoloured, an SVG label
# cut with an ellipsis or running past its box.
LAYOUT_JS = """() => {
  const root = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const out = [];
  const short = (t) => t.trim().replace(/\\s+/g, ' ').slice(0, 50);
  root.querySelectorAll('.jp-OutputArea-output button, .jp-OutputArea-output .widget-label').forEach(el => {
    if (el.offsetParent && el.scrollWidth > el.clientWidth + 1) out.push(`label cut short: "${short(el.textContent)}"`);
  });
  root.querySelectorAll('.jp-OutputArea-output table').forEach((t, ti) => {
    const area = t.closest('.jp-OutputArea-output').getBoundingClientRect();
    if (t.getBoundingClientRect().right > area.right + 1) out.push(`table ${ti}: wider than its output area (columns cut)`);
    const head = t.querySelector('thead tr:last-child'), row = t.querySelector('tbody tr');
    if (!head || !row || head.children.length !== row.children.length) return;
    [...head.children].forEach((h, i) => {
      const a = h.getBoundingClientRect(), b = row.children[i].getBoundingClientRect();
      if (Math.abs(a.left - b.left) > 2 || Math.abs(a.width - b.width) > 2)
        out.push(`table ${ti}: header "${short(h.textContent)}" is off its column`);
      const ha = getComputedStyle(h).textAlign, ca = getComputedStyle(row.children[i]).textAlign;
      if (ha !== ca) out.push(`table ${ti}: header "${short(h.textContent)}" aligned ${ha}, its cells ${ca}`);
    });
  });
  root.querySelectorAll('.jp-OutputArea-output td').forEach(td => {
    const t = td.textContent.trim();
    if (t === 'NO' || /^DENIED/.test(t) || t === 'explicitDeny' || t === 'implicitDeny') {
      const bg = getComputedStyle(td).backgroundColor;
      if (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent') out.push(`cell "${short(t)}" not highlighted`);
    }
  });
  root.querySelectorAll('.jp-OutputArea-output svg').forEach((svg, si) => {
    const area = svg.closest('.jp-OutputArea-output').getBoundingClientRect();
    if (svg.getBoundingClientRect().right > area.right + 1) out.push(`svg ${si}: wider than its output area (cut on the right)`);
    const rects = [...svg.querySelectorAll('rect')].map(r => r.getBBox());
    svg.querySelectorAll('text').forEach(tx => {
      if (tx.textContent.trim().endsWith('\u2026')) out.push(`svg ${si}: label cut: "${short(tx.textContent)}"`);
      const b = tx.getBBox();
      const box = rects.find(r => b.x >= r.x && b.x <= r.x + r.width && b.y >= r.y - 2 && b.y + b.height <= r.y + r.height + 2);
      if (box && b.x + b.width > box.x + box.width - 2) out.push(`svg ${si}: text runs past its box: "${short(tx.textContent)}"`);
    });
  });
  return out;
}"""

DECISIONS_JS = """() => [...document.querySelectorAll('.s3kms-decision-table td[data-principal]')].map(td => ({
  principal: td.dataset.principal, variant: td.dataset.variant || '', text: td.textContent.trim()}))"""


def _menu(page, menu: str, item: str, fallback_command: str) -> None:
    """Click a main-menu item as a learner would; fall back to the app command if the menu is not there."""
    try:
        page.click(f".lm-MenuBar-itemLabel:text-is('{menu}')", timeout=10_000)
        page.click(f".lm-Menu-itemLabel:text-is('{item}')", timeout=10_000)
    except Exception:  # noqa: BLE001 - the menu layout is JupyterLab's, the command is the contract
        page.keyboard.press("Escape")
        page.evaluate(f"window.jupyterapp.commands.execute('{fallback_command}')")


def _focus_notebook(page) -> None:
    """Command mode on the first cell: click its prompt (never the middle of the page, where a widget
    button could be), then Escape."""
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell .jp-InputPrompt").first.click()
    page.keyboard.press("Escape")


def _notebook_text(page, selector: str) -> list[str]:
    return page.locator(f".jp-NotebookPanel:not(.lm-mod-hidden) {selector}").all_inner_texts()


def _screenshot(page, stem: Path) -> list[Path]:
    """The whole notebook, top to bottom: one PNG if it fits a viewport of up to SHOT_HEIGHT px, else
    consecutive parts ``<stem>-1.png``, ``<stem>-2.png``... (the notebook scrolled one screen each). Every
    image is 1280 px wide and at most SCREENSHOT_MAX_BYTES: a dense screen is cut into halves, and a JPEG
    is the last resort."""
    outer = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer"
    metrics = f"""() => {{ const o = document.querySelector('{outer}');
        return o ? [o.scrollHeight, o.clientHeight] : [0, 0]; }}"""
    scroll_h, client_h = page.evaluate(metrics)
    height = min(VIEWPORT_H + max(0, scroll_h - client_h) + 8, SHOT_HEIGHT)
    page.set_viewport_size({"width": 1280, "height": height})
    page.mouse.move(1270, 5)  # no hover effects on cells
    shots: list[tuple[int, dict | None]] = []  # (scrollTop, clip) per image
    try:
        page.wait_for_timeout(400)
        scroll_h, client_h = page.evaluate(metrics)
        screens = max(1, math.ceil(scroll_h / max(client_h, 1) - 0.01))
        for i in range(screens):
            shots.append((i * client_h, None))
        paths: list[Path] = []
        pending = list(shots)
        while pending:
            top, clip = pending.pop(0)
            page.evaluate(f"(y) => {{ const o = document.querySelector('{outer}'); if (o) o.scrollTop = y; }}", top)
            page.wait_for_timeout(150)
            n = len(paths) + 1
            path = stem.with_name(f"{stem.name}-{n}.png")
            page.screenshot(path=str(path), type="png", clip=clip)
            if path.stat().st_size > SCREENSHOT_MAX_BYTES:
                if clip is None:  # cut this screen into two halves
                    path.unlink()
                    half = height // 2
                    pending[:0] = [(top, {"x": 0, "y": 0, "width": 1280, "height": half}),
                                   (top, {"x": 0, "y": half, "width": 1280, "height": height - half})]
                    continue
                path.unlink()
                path = path.with_suffix(".jpg")
                for quality in (70, 55, 40):
                    page.screenshot(path=str(path), type="jpeg", quality=quality, clip=clip)
                    if path.stat().st_size <= SCREENSHOT_MAX_BYTES:
                        break
            paths.append(path)
    finally:
        page.set_viewport_size({"width": 1280, "height": VIEWPORT_H})
    if len(paths) == 1:
        single = stem.with_suffix(paths[0].suffix)
        paths[0].rename(single)
        paths = [single]
    return paths


def _log_console(page) -> str:
    """What JupyterLab's Log Console holds for this notebook (kernel output with no cell to go to, such as
    a traceback from a widget callback), opened by clicking its status-bar badge as a learner would; ""
    when the badge is not shown."""
    badge = page.locator(".jp-LogConsoleStatusItem:not(.lm-mod-hidden)")
    if not badge.count() or not badge.inner_text().strip():
        return ""
    if not page.locator(".jp-LogConsolePanel").count():
        badge.click()
        page.wait_for_selector(".jp-LogConsolePanel", timeout=10_000)
        page.wait_for_timeout(300)
    return page.locator(".jp-LogConsolePanel").inner_text().strip()


def _log_hint(page) -> str:
    text = _log_console(page)
    if not text:
        return ""
    errors = re.findall(r"^[\w.]+(?:Error|Exception|Exit|Interrupt): .*$", text, re.M)
    return "\nLog Console (status-bar badge): " + ("; ".join(errors[-3:]) if errors else text[-800:])


def _view_shot(page, selector: str, path: Path) -> None:
    """What the learner sees right after an interaction: the viewport around ``selector``."""
    target = page.locator(selector).first
    if target.count():
        target.scroll_into_view_if_needed()
    page.screenshot(path=str(path), type="png")


def run_notebook(server, context, name: str, artifacts: Path = ARTIFACTS) -> RunResult:
    """Run All of ``name`` (relative to the server's root) as a learner does, in the server's interface
    language (menus and kernel status read through ``server.ui_text``); screenshots go to ``artifacts``."""
    idle = server.ui_text("Idle")
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text[:300]) if m.type == "error" else None)
    t0 = time.monotonic()
    page.goto(server.notebook_url(name))
    page.wait_for_selector(".jp-NotebookPanel", timeout=60_000)
    try:
        page.wait_for_function(KERNEL_IDLE_JS, arg=idle, timeout=KERNEL_READY_TIMEOUT_S * 1000, polling=250)
    except Exception as exc:  # noqa: BLE001
        dialog = page.locator(".jp-Dialog").all_inner_texts()
        raise AssertionError(f"{name}: kernel never became idle; dialog: {dialog}\n"
                             f"server log:\n{server.log_tail()}") from exc
    # A learner's wide view: hide the file browser (Ctrl+B), as the screenshot shows the notebook.
    _focus_notebook(page)
    page.keyboard.press("Control+b")

    _menu(page, server.ui_text("Edit", "menu"), server.ui_text("Clear Outputs of All Cells"),
          "notebook:clear-all-cell-outputs")
    # What the fresh kernel listens on before any cell runs (its Jupyter channels and ipykernel's own).
    kernel_id = server.kernel_id(name)
    proc = server.kernel_process(kernel_id) if kernel_id else None
    baseline = (proc, _listening(proc)) if proc is not None else None
    _menu(page, server.ui_text("Run", "menu"), server.ui_text("Run All Cells"), "notebook:run-all-cells")
    page.wait_for_timeout(300)
    try:
        page.wait_for_function(RUN_DONE_JS, arg=idle, timeout=RUN_TIMEOUT_S * 1000, polling=250)
    except Exception as exc:  # noqa: BLE001
        raise AssertionError(f"{name}: Run All did not finish within {RUN_TIMEOUT_S}s; prompts: "
                             f"{page.evaluate(PROMPTS_JS)}") from exc
    seconds = time.monotonic() - t0
    result = RunResult(name=name, page=page, seconds=seconds, console_errors=console_errors)

    # Widgets: give placeholders time to resolve, then record what is left.
    try:
        page.wait_for_function(
            """() => ![...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output')]
                 .some(e => e.textContent.includes('Loading widget...'))""",
            timeout=WIDGET_TIMEOUT_S * 1000, polling=250)
    except Exception:  # noqa: BLE001 - reported below as a widget failure
        pass
    for text in _notebook_text(page, ".jp-OutputArea-output"):
        if any(f in text for f in WIDGET_FAILURES):
            result.widget_failures.append(text.strip()[:200])
    # Widget outputs shown (top-level views; nested widgets are inside them), checked against the saved
    # notebook's widget-view outputs below.
    result.widget_count = page.evaluate("""() => [...document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output')]
        .filter(o => o.querySelector(':scope > .jupyter-widgets, :scope.jupyter-widgets')
                     && !o.textContent.includes('Error displaying widget')).length""")
    for text in _notebook_text(page, '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'):
        if "Traceback" in text:
            result.stderr_tracebacks.append(text.strip()[:600])

    # The lab must be stopped: the kernel's process tree listens on no port it did not listen on before.
    if baseline is not None:
        result.kernel_found = True
        result.leftover_ports = sorted(set(_listening(baseline[0])) - set(baseline[1]))

    # Save (Ctrl+S) and read the saved copy: the notebook model is the truth about errors and counts.
    saved = server.root / name
    before = saved.stat().st_mtime_ns
    _focus_notebook(page)
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 30
    while saved.stat().st_mtime_ns == before and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert saved.stat().st_mtime_ns != before, f"{name}: Ctrl+S did not save the notebook within 30 s"
    page.wait_for_function(
        "() => !document.querySelector('.lm-TabBar-tab.lm-mod-current.jp-mod-dirty')", timeout=30_000)
    nb = _read_saved(saved)
    widget_outputs = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.execution_count is None and cell.source.strip():
            result.unexecuted.append(i)
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                result.errors.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
            if "application/vnd.jupyter.widget-view+json" in out.get("data", {}):
                widget_outputs += 1
    if result.widget_count < widget_outputs:
        result.widget_failures.append(f"{widget_outputs} widget outputs in the notebook, "
                                      f"only {result.widget_count} shown as widgets")

    result.layout = page.evaluate(LAYOUT_JS)
    artifacts.mkdir(parents=True, exist_ok=True)
    stem = Path(name).stem
    for old in [*artifacts.glob(f"{stem}.*"), *artifacts.glob(f"{stem}-[0-9]*.*")]:
        old.unlink()
    result.screenshots = _screenshot(page, artifacts / stem)
    log = _log_console(page)
    if "Traceback" in log:
        result.log_errors = re.findall(r"^[\w.]+(?:Error|Exception|Exit|Interrupt): .*$", log, re.M) or [log[-800:]]
    return result


def _listening(proc) -> list[str]:
    """Listening TCP/UDP sockets of a process and its children, as 'name[pid] ip:port'."""
    found = []
    try:
        procs = [proc, *proc.children(recursive=True)]
    except Exception:  # noqa: BLE001 - the kernel died
        return found
    for p in procs:
        try:
            for c in p.net_connections(kind="inet"):
                if c.status == "LISTEN":
                    found.append(f"{p.name()}[{p.pid}] {c.laddr.ip}:{c.laddr.port}")
        except Exception:  # noqa: BLE001 - a child that exited meanwhile
            continue
    return found


def _read_saved(path: Path, attempts: int = 20):
    for _ in range(attempts):
        try:
            return nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 - caught mid-write
            time.sleep(0.25)
    return nbformat.read(path, as_version=4)


class Runner:
    """Runs each notebook once per session; keeps the live page of notebooks the interaction tests use.
    ``label`` prefixes the notebook in the terminal summary (``ko/`` for the Korean edition)."""

    def __init__(self, server, context, artifacts: Path = ARTIFACTS, label: str = ""):
        self.server, self.context = server, context
        self.artifacts, self.label = artifacts, label
        self.results: dict[str, RunResult] = {}
        self.failed: dict[str, str] = {}

    def run(self, name: str) -> RunResult:
        if name in self.failed:  # a second test on the same notebook does not run it all again
            raise AssertionError(f"{name}: Run All failed earlier in this session: {self.failed[name]}")
        if name not in self.results:
            try:
                self.results[name] = res = run_notebook(self.server, self.context, name, self.artifacts)
            except BaseException as exc:
                self.failed[name] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                for page in self.context.pages:
                    if page.url.startswith(self.server.url) and name in page.url:
                        page.close()
                self.server.shutdown_notebook_kernel(name)
                raise
            SUMMARY.append(f"{self.label}{name}: Run All {res.seconds:.1f} s, {res.widget_count} widget(s) -> "
                           + ", ".join(str(p.relative_to(ARTIFACTS) if p.is_relative_to(ARTIFACTS) else p)
                                     for p in res.screenshots))
        return self.results[name]

    def done(self, name: str) -> None:
        result = self.results.get(name)
        if result is not None and result.page is not None:
            result.page.close()
            result.page = None
            self.server.shutdown_notebook_kernel(name)

    def close_all(self) -> None:
        for name in list(self.results):
            self.done(name)


@pytest.fixture(scope="session")
def runner(lab_server, chromium):
    r = Runner(lab_server, chromium)
    yield r
    r.close_all()


# ---------------------------------------------------------------------------------------------- tests
NOTEBOOKS = notebook_names()


def run_problems(res: RunResult) -> list[str]:
    """What a learner would see as broken after Run All (empty: nothing)."""
    problems = []
    if res.unexecuted:
        problems.append(f"cells not executed after Run All (cell indices): {res.unexecuted}")
    if res.errors:
        problems.append("error outputs:\n  " + "\n  ".join(res.errors))
    if res.stderr_tracebacks:
        problems.append("tracebacks on stderr:\n  " + "\n  ".join(res.stderr_tracebacks))
    if res.widget_failures:
        problems.append("widgets not rendered:\n  " + "\n  ".join(res.widget_failures))
        if res.console_errors:
            problems.append("browser console errors:\n  " + "\n  ".join(res.console_errors[-5:]))
    if res.log_errors:
        problems.append("tracebacks in the Log Console (kernel output outside any cell):\n  "
                        + "\n  ".join(res.log_errors))
    if res.layout:
        problems.append("layout a learner would see as broken:\n  " + "\n  ".join(res.layout))
    if not res.kernel_found:
        problems.append("could not find the notebook's kernel process to check the lab was stopped")
    if res.leftover_ports:
        problems.append("lab not stopped at the end, still listening: " + ", ".join(res.leftover_ports))
    return problems


@pytest.mark.timeout(RUN_TIMEOUT_S + 180)
@pytest.mark.parametrize("name", NOTEBOOKS or [pytest.param(None, marks=pytest.mark.skip("no notebooks"))])
def test_run_all_in_jupyterlab(runner, name):
    res = runner.run(name)
    try:
        problems = run_problems(res)
        assert not problems, f"{name} (screenshots {', '.join(map(str, res.screenshots))}):\n" + "\n".join(problems)
    finally:
        if not name.startswith(INTERACTIVE):
            runner.done(name)


def _decisions(page) -> list[dict]:
    return page.evaluate(DECISIONS_JS)


def _wait_decisions(page, predicate, timeout_s: float = 20) -> list[dict]:
    deadline = time.monotonic() + timeout_s
    cells = _decisions(page)
    while time.monotonic() < deadline:
        cells = _decisions(page)
        if predicate(cells):
            return cells
        page.wait_for_timeout(250)
    return cells


def _wait_text(locator, predicate, timeout_s: float = 20) -> str:
    deadline = time.monotonic() + timeout_s
    text = locator.inner_text()
    while not predicate(text) and time.monotonic() < deadline:
        locator.page.wait_for_timeout(250)
        text = locator.inner_text()
    return text


def _live_page(runner, prefix: str):
    name = _find(prefix)
    if name is None:
        pytest.skip(f"notebooks/{prefix}*.ipynb does not exist yet")
    res = runner.run(name)
    if res.page is None:  # its page was closed already (run alone with -k, say): run it afresh
        runner.results.pop(name)
        res = runner.run(name)
    return name, res


@pytest.mark.timeout(RUN_TIMEOUT_S + 180)
def test_02_sse_header_dropdown_flips_uploader_to_denied(runner):
    name, res = _live_page(runner, "02_")
    page = res.page
    try:
        dropdown = page.locator(".s3kms-sse-header select")
        assert dropdown.count() == 1, f"{name}: expected one Dropdown with class s3kms-sse-header, found {dropdown.count()}"
        assert dropdown.input_value() == "aws:kms", f"{name}: the SSE header starts at {dropdown.input_value()!r}"
        options = dropdown.locator("option").all_inner_texts()
        assert "none" in options and "aws:kms" in options, f"{name}: options {options}"
        explanation = page.locator(".s3kms-explanation")
        assert explanation.count() >= 1, f"{name}: no widget with class s3kms-explanation"
        before_text = explanation.first.inner_text()
        before = {(c["principal"], c["variant"]): c["text"] for c in _decisions(page)}
        # The uploader's uploads (the requests that carry the SSE header): ALLOWED with aws:kms.
        uploader_allowed = [k for k, v in before.items()
                            if k[0] == "uploader" and UPLOAD_VARIANT.search(k[1]) and v == "ALLOWED"]
        assert uploader_allowed, f"{name}: no uploader upload cell is ALLOWED with aws:kms: {before}"

        dropdown.select_option("none")
        after_cells = _wait_decisions(page, lambda cells: all(
            c["text"] == "DENIED" for c in cells if (c["principal"], c["variant"]) in uploader_allowed)
            and any(c["principal"] == "uploader" for c in cells))
        after = {(c["principal"], c["variant"]): c["text"] for c in after_cells}
        _view_shot(page, ".s3kms-decision-table", ARTIFACTS / f"{Path(name).stem}__sse-none.png")
        still = {k: after.get(k, "<cell gone>") for k in uploader_allowed if after.get(k) != "DENIED"}
        assert not still, (f"{name}: with SSE header 'none' these uploader cells did not flip to DENIED: "
                           f"{still}{_log_hint(page)}")
        after_text = _wait_text(explanation.first, lambda s: "DenyUnEncryptedUploads" in s)
        assert after_text != before_text, \
            f"{name}: the explanation did not change after choosing 'none': {after_text!r}{_log_hint(page)}"
        assert "DenyUnEncryptedUploads" in after_text, \
            f"{name}: explanation after choosing 'none' does not name DenyUnEncryptedUploads: {after_text!r}"

        # And back: the learner's toggle restores the first answer.
        dropdown.select_option("aws:kms")
        back = _wait_decisions(page, lambda cells: all(
            c["text"] == "ALLOWED" for c in cells if (c["principal"], c["variant"]) in uploader_allowed))
        back_map = {(c["principal"], c["variant"]): c["text"] for c in back}
        assert all(back_map.get(k) == "ALLOWED" for k in uploader_allowed), \
            f"{name}: back at aws:kms the uploader cells are {back_map}{_log_hint(page)}"
    finally:
        runner.done(name)


@pytest.mark.timeout(RUN_TIMEOUT_S + 180)
def test_03_root_statement_checkbox_flips_analyst_kms_to_denied(runner):
    name, res = _live_page(runner, "03_")
    page = res.page
    try:
        box = page.locator(".s3kms-root-statement input[type=checkbox]")
        assert box.count() == 1, f"{name}: expected one Checkbox with class s3kms-root-statement, found {box.count()}"
        assert box.is_checked(), f"{name}: the root-statement checkbox starts unchecked"

        def analyst_kms(cells):
            analyst = [c for c in cells if c["principal"] == "analyst"]
            kms = [c for c in analyst if "kms" in c["variant"].lower()]
            return kms or analyst

        before = analyst_kms(_decisions(page))
        assert before, f"{name}: no analyst cell in .s3kms-decision-table"
        assert any(c["text"] == "ALLOWED" for c in before), \
            f"{name}: with the root statement, no analyst KMS cell is ALLOWED: {before}"

        box.uncheck()
        after = analyst_kms(_wait_decisions(
            page, lambda cells: analyst_kms(cells) and all(c["text"] == "DENIED" for c in analyst_kms(cells))))
        _view_shot(page, ".s3kms-decision-table", ARTIFACTS / f"{Path(name).stem}__root-unchecked.png")
        not_denied = [c for c in after if c["text"] != "DENIED"]
        assert not not_denied, (f"{name}: without the root statement these analyst KMS cells are not DENIED: "
                                f"{not_denied}{_log_hint(page)}")

        box.check()
        back = analyst_kms(_wait_decisions(
            page, lambda cells: any(c["text"] == "ALLOWED" for c in analyst_kms(cells))))
        assert any(c["text"] == "ALLOWED" for c in back), \
            f"{name}: re-checking did not restore ALLOWED: {back}{_log_hint(page)}"
    finally:
        runner.done(name)

