"""The Korean edition as a Korean learner uses it: `make lab-ko`, JupyterLab in Korean, Run All in Chromium.

- `make lab-ko` itself (browserlab.LabKoServer runs the Makefile target) starts a JupyterLab whose interface
  is Korean: the language pack is loaded (jupyterlab_server's translations API lists ko_KR and serves its
  catalog), the settings folder lab-ko writes chose ``ko_KR``, and the page's menu bar reads 파일, 편집, ...
  drawn with a Korean font. `make lab` passes no settings folder of its own: it stays English.
- notebooks/ko 02, 03 and 06 (a Korean notebook not written yet is skipped, saying so): Run All from the Korean
  menus (편집 > 모든 셀의 출력 지우기, 실행 > 모든 셀 실행) with every check the English notebooks get
  (test_notebooks_in_browser.run_problems: no error, widgets rendered, lab stopped, layout), then
  - the prose shows Hangul;
  - Hangul is drawn with a font that has Korean glyphs, not tofu boxes: Chromium's own record of the fonts it
    used for the text (DevTools protocol, CSS.getPlatformFontsForNode) against the fonts fontconfig says
    cover Korean (`fc-list :lang=ko`; CI installs Debian's fonts-nanum), for the prose, and for widget and
    other outputs as soon as they show Hangul;
  - no output shows an English message of the lab that the Korean catalog (s3kms_lab.po) translates.
Screenshots: artifacts/browser/ko/ (listed in pytest's terminal summary).
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from .browserlab import ARTIFACTS, KO_NOTEBOOKS, REPO, SUMMARY
from .test_notebooks_in_browser import RUN_TIMEOUT_S, Runner, run_problems

KO_ARTIFACTS = ARTIFACTS / "ko"
# The Korean notebooks run here (notebooks/ko/NAME.ipynb).
KOREAN_NOTEBOOKS = ("02_bucket_policy", "03_key_policy", "06_failure_cases")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
CATALOG = REPO / "s3kms_lab" / "locale" / "ko" / "LC_MESSAGES" / "s3kms_lab.po"

# Marks the element holding the first visible Hangul text under `selector` (data-s3kms-hangul-probe) and says
# what it holds: its own text, how many Hangul syllables that is, its CSS font-family.
HANGUL_PROBE_JS = r"""(selector) => {
  document.querySelectorAll('[data-s3kms-hangul-probe]').forEach(e => e.removeAttribute('data-s3kms-hangul-probe'));
  const syllables = /[\uAC00-\uD7A3]/g;
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || !el.getClientRects().length || !n.textContent.match(syllables)) continue;
      const own = [...el.childNodes].filter(c => c.nodeType === Node.TEXT_NODE).map(c => c.textContent).join('');
      el.setAttribute('data-s3kms-hangul-probe', '1');
      return {text: own.trim().slice(0, 60), hangul: (own.match(syllables) || []).length,
              css: getComputedStyle(el).fontFamily};
    }
  }
  return null;
}"""


# ------------------------------------------------------------------------------------------------ helpers
def _norm(family: str) -> str:
    return re.sub(r"[\s_-]", "", family).lower()


@functools.lru_cache(maxsize=None)
def korean_font_families() -> frozenset[str]:
    """Every font family fontconfig says covers Korean (each of its names, normalized)."""
    try:
        out = subprocess.run(["fc-list", ":lang=ko", "family"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    return frozenset(_norm(name) for line in out.splitlines() for name in line.split(",") if name.strip())


def hangul_fonts(page, selector: str) -> dict | None:
    """The first visible Hangul text under ``selector`` and the fonts Chromium drew it with:
    ``{"text", "hangul", "css", "fonts": [{"familyName", "glyphCount", ...}], "korean_glyphs"}``; None when
    no Hangul is shown there."""
    probe = page.evaluate(HANGUL_PROBE_JS, selector)
    if probe is None:
        return None
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-s3kms-hangul-probe='1']"})
        probe["fonts"] = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    finally:
        cdp.detach()
    korean = korean_font_families()
    probe["korean_glyphs"] = sum(f["glyphCount"] for f in probe["fonts"] if _norm(f["familyName"]) in korean)
    return probe


def font_problem(what: str, probe: dict) -> str | None:
    """Hangul must be drawn by fonts that cover Korean: at least one glyph per syllable from them."""
    if probe["korean_glyphs"] >= probe["hangul"]:
        return None
    used = ", ".join(f"{f['familyName']} ({f['glyphCount']} glyphs)" for f in probe["fonts"]) or "none"
    fonts = "no font here covers Korean" if not korean_font_families() else "a font without Korean glyphs drew it"
    return (f"{what}: {probe['text']!r} ({probe['hangul']} Hangul syllables) drawn with {used}: {fonts} "
            f"(tofu boxes for the learner; install a Korean font, Debian: fonts-nanum; CSS font-family: {probe['css']})")


def _words(text: str) -> str:
    return " ".join(text.split())


@functools.lru_cache(maxsize=None)
def translated_english() -> tuple[tuple[str, str], ...]:
    """(English words, msgid) for every message the Korean catalog translates: the literal stretches of the
    msgid between its {placeholders}, long enough to be the message's own words (24+ characters, several
    words) and not kept as they are in the Korean text (AWS names stay English)."""
    from babel.messages.pofile import read_po
    with CATALOG.open("rb") as fh:
        catalog = read_po(fh)
    found = []
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        korean = _words(" ".join(s for s in strings if s))
        if not korean or not HANGUL.search(korean):
            continue
        for msgid in ids:
            for part in re.split(r"\{[^{}]*\}", msgid):
                words = _words(part)
                if len(words) >= 24 and words.count(" ") >= 2 and words not in korean:
                    found.append((words, msgid))
    return tuple(found)


# AWS's own error message stays English on purpose (learners search for it): "User: arn:... is not authorized
# to perform: s3:PutObject on resource: ... because no resource-based policy allows the ... action".
_AWS_MESSAGE = re.compile(r"User: arn:\S+ is not authorized to perform: .*?(?: action| policy)(?=\s|$)")


def english_left(page, code: str = "") -> list[str]:
    """Messages of the lab shown in English in this notebook's outputs although they have a Korean translation;
    AWS's error messages and English the notebook's own code prints (``code``: its code cells, identical in
    both editions) are not the lab's messages."""
    shown = _AWS_MESSAGE.sub(" ", _words(" ".join(page.locator(f"{PANEL} .jp-OutputArea-output").all_inner_texts())))
    code = _words(code)
    return sorted({msgid[:100] for words, msgid in translated_english() if words in shown and words not in code})


# ------------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="session")
def ko_runner(lab_ko_server, chromium):
    r = Runner(lab_ko_server, chromium, artifacts=KO_ARTIFACTS, label="ko/")
    yield r
    r.close_all()


# ------------------------------------------------------------------------------------------------ tests
def _make_dry_run(target: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    done = subprocess.run(["make", "--no-print-directory", "-n", "-C", str(REPO), "-o", ".venv/.installed-lab",
                           target], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_lab_stays_english_and_lab_ko_has_its_own_settings_folder():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    lab, lab_ko = _make_dry_run("lab"), _make_dry_run("lab-ko")
    assert "JUPYTERLAB_SETTINGS_DIR" not in lab and "--notebook-dir=notebooks " in lab + " "
    settings = REPO / ".venv" / "share" / "s3kms-lab" / "lab-ko-settings"
    assert f'JUPYTERLAB_SETTINGS_DIR="{settings}"' in lab_ko
    assert '{"locale": "ko_KR"}' in lab_ko and "@jupyterlab/translation-extension/plugin.jupyterlab-settings" in lab_ko
    assert "--notebook-dir=notebooks/ko" in lab_ko and "S3KMS_LAB_LANG=ko" in lab_ko


def test_make_lab_ko_shows_jupyterlab_in_korean(lab_ko_server, chromium):
    server = lab_ko_server
    # The language pack is installed and loads: listed, and its catalog served.
    assert "ko_KR" in server.api("GET", "/lab/api/translations/")["data"], "JupyterLab lists no ko_KR language pack"
    assert server.ui_text("File", "menu") == "파일", "the ko_KR catalog does not translate the File menu"
    # lab-ko's settings folder chose Korean.
    plugin = server.api("GET", "/lab/api/settings/@jupyterlab/translation-extension:plugin")
    assert plugin["settings"].get("locale") == "ko_KR", f"lab-ko's translation setting: {plugin['raw']!r}"

    page = chromium.new_page()
    try:
        page.goto(f"{server.url}/lab/workspaces/lab-ko?reset&token={server.token}")
        page.wait_for_selector(".lm-MenuBar-itemLabel", timeout=60_000)
        labels = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
        assert labels[:2] == ["파일", "편집"], f"the menu bar of `make lab-ko` reads {labels}"
        assert page.evaluate("document.documentElement.lang") == "ko-KR"
        KO_ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = KO_ARTIFACTS / "lab-ko-interface.png"
        page.screenshot(path=str(shot))
        probe = hangul_fonts(page, ".lm-MenuBar-itemLabel")
        assert probe is not None, "no Hangul shown in the menu bar"
        problem = font_problem("menu bar", probe)
        assert problem is None, problem
        SUMMARY.append(f"make lab-ko: menus {' '.join(labels)}; Hangul drawn with "
                       f"{', '.join(f['familyName'] for f in probe['fonts'])} -> {shot.relative_to(ARTIFACTS)}")
    finally:
        page.close()


@pytest.mark.timeout(RUN_TIMEOUT_S + 240)
@pytest.mark.parametrize("stem", KOREAN_NOTEBOOKS)
def test_korean_notebook_runs_in_korean_jupyterlab_and_shows_hangul(request, stem):
    name = f"{stem}.ipynb"
    if not (KO_NOTEBOOKS / name).is_file():
        pytest.skip(f"{KO_NOTEBOOKS / name} is not written yet")
    runner = request.getfixturevalue("ko_runner")  # JupyterLab starts only once a Korean notebook exists
    res = runner.run(name)
    try:
        page = res.page
        problems = run_problems(res)
        prose = " ".join(page.locator(f"{PANEL} .jp-MarkdownOutput").all_inner_texts())
        if not HANGUL.search(prose):
            problems.append("the notebook's prose shows no Hangul")
        drawn = []
        for what, selector in (("prose", f"{PANEL} .jp-MarkdownOutput"),
                               ("widget output", f"{PANEL} .jp-OutputArea-output .jupyter-widgets"),
                               ("output", f"{PANEL} .jp-OutputArea-output")):
            probe = hangul_fonts(page, selector)
            if probe is None:  # outputs show Hangul once the lab's messages are translated
                continue
            drawn.append(f"{what}: {', '.join(sorted({f['familyName'] for f in probe['fonts']}))}")
            problem = font_problem(what, probe)
            if problem:
                problems.append(problem)
        left = english_left(page, " ".join(c.source for c in nbformat.read(KO_NOTEBOOKS / name, as_version=4).cells
                                           if c.cell_type == "code"))
        if left:
            problems.append("outputs show in English messages the Korean catalog translates:\n  " + "\n  ".join(left))
        SUMMARY.append(f"ko/{name}: Hangul drawn with: {'; '.join(drawn) or 'no Hangul shown'}")
        assert not problems, (f"ko/{name} (screenshots {', '.join(map(str, res.screenshots))}):\n"
                              + "\n".join(problems))
    finally:
        runner.done(name)
