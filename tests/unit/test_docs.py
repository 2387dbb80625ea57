"""The repository explains itself: its documents are current and point only inside the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from devtools import ids_doc

PROJECT = Path(__file__).resolve().parents[2]


def test_the_component_ids_document_lists_exactly_the_registry():
    assert ids_doc.DOC.read_text() == ids_doc.render(), "run: uv run python -m devtools.ids_doc"


def test_every_tracked_name_and_id_appears_in_the_document():
    from layouts import ids

    text = ids_doc.DOC.read_text()
    for component_id, (name, _props) in ids.TRACKED_CONTROLS.items():
        assert f"| `{component_id}` | `{name}` |" in text


def test_no_file_points_outside_the_repository():
    files = subprocess.run(["git", "ls-files"], cwd=PROJECT, capture_output=True, text=True, check=True).stdout
    outside = re.compile(r"\.\./shared|DESIGN\.md|STYLE\.md")
    texts = {".py", ".md", ".html", ".js", ".css", ".toml", ".mako"}
    paths = [PROJECT / name for name in files.split() if Path(name).suffix in texts or name == ".ci/run"]
    offenders = [p.name for p in paths if p.exists() and outside.search(p.read_text(errors="ignore"))]
    assert offenders == []


def test_every_relative_link_in_the_documents_resolves():
    broken = []
    for doc in [PROJECT / "README.md", PROJECT / "SECURITY.md", *sorted((PROJECT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text()):
            if "://" not in target and not (doc.parent / target).exists():
                broken.append(f"{doc.name}: {target}")
    assert broken == []
