"""Print the nbgitpuller link that gives every learner their own copy of the course on a JupyterHub.

    python workshop/nbgitpuller_link.py --hub https://hub.example.org --repo https://github.com/ORG/s3kms-lab \
        [--branch main] [--notebook 00_start_here] [--targetpath s3kms-lab] [--interface lab|notebook]

A learner who opens the link logs in, their server starts, nbgitpuller clones the repository into their home
(or merges upstream changes into their copy, keeping their edits) and the notebook opens. Link format:
``{hub}/hub/user-redirect/git-pull?repo=...&branch=...&targetpath=...&urlpath=...`` (nbgitpuller's documented
query parameters: https://nbgitpuller.readthedocs.io/en/latest/topic/url-options.html).
Exit status 2 with a message for a hub or repository that is not an http(s) URL.
"""
from __future__ import annotations

import argparse
import sys
from urllib.parse import urlencode, urlsplit

NOTEBOOKS_DIR = "notebooks"


def link(hub: str, repo: str, branch: str = "main", notebook: str = "00_start_here",
         targetpath: str | None = None, interface: str = "lab") -> str:
    """The nbgitpuller URL (str). Raises ValueError for a hub/repo that is not http(s) or an unknown interface."""
    for name, url in (("hub", hub), ("repo", repo)):
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise ValueError(f"--{name} must be an http(s) URL, not {url!r}")
    folder = targetpath or repo.rstrip("/").split("/")[-1].removesuffix(".git")
    notebook_path = f"{folder}/{NOTEBOOKS_DIR}/{notebook.removesuffix('.ipynb')}.ipynb"
    if interface == "lab":
        urlpath = f"lab/tree/{notebook_path}"
    elif interface == "notebook":
        urlpath = f"tree/{notebook_path}"
    else:
        raise ValueError(f"--interface must be lab or notebook, not {interface!r}")
    query = {"repo": repo, "branch": branch, "targetpath": folder, "urlpath": urlpath}
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{urlencode(query)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hub", required=True, help="the JupyterHub's URL")
    parser.add_argument("--repo", required=True, help="the course repository's git URL")
    parser.add_argument("--branch", default="main")
    parser.add_argument("--notebook", default="00_start_here", help="the notebook to open (under notebooks/)")
    parser.add_argument("--targetpath", default=None, help="folder in the learner's home (default: repo name)")
    parser.add_argument("--interface", default="lab", choices=("lab", "notebook"))
    args = parser.parse_args(argv)
    try:
        print(link(args.hub, args.repo, args.branch, args.notebook, args.targetpath, args.interface))
    except ValueError as exc:
        print(f"nbgitpuller_link: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
