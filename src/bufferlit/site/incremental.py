"""Incremental builds: render and write again only the pages whose inputs changed.

A generated page's final HTML is a function of its own content (the HTML and meta the page
templates rendered from its record, its related papers, the catalogue it lists, ...) and of
what every page shares (mkdocs.yml, the theme and our templates, the nav, the versions of
MkDocs, Material and bufferlit): the *fingerprint*. Each generated file gets a key, a digest
of its own inputs (or content), compared with the last published build's only when that
build had the same fingerprint. When the key is the same and the file is still in the site's
manifest, MkDocs is told the file is unmodified (its dirty mode) and neither renders nor
writes it; the publish step carries the file over from the site as it is. So are the theme's
static files, under the same fingerprint.

This is not ``mkdocs build --dirty``, which trusts file times, misses pages that depend on
other records and breaks the search index: here a page is skipped only when everything it is
made from is unchanged, by construction, and every other file (docs pages, the docs' static
files, sitemap, 404) is written every time. A test checks that an incremental build gives
the same files as a full one over a sequence of edits.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from bufferlit.site.output import Manifest, Workspace, read_manifest
from bufferlit.site.pages import GeneratedFile

KEYS_FILE = "pages.json"
"""In the site's work folder: the key of every generated file of the last published build."""


@dataclass
class PageCache:
    """What the last build made of each generated file, and what this build keeps of it."""

    fingerprint: str
    previous: dict[str, str]
    """src_uri -> key, from the last published build."""
    manifest: Manifest
    """The site's files as the last build wrote them (dest -> SHA-256)."""
    site: Path | None = None
    previous_anchors: dict[str, list[str]] = field(default_factory=dict)
    """src_uri -> the id attributes of each generated page of the last build (MkDocs checks
    links from the docs pages to them; a page kept unrendered has no HTML to read them from)."""
    keys: dict[str, str] = field(default_factory=dict)
    """src_uri -> key, this build."""
    anchors: dict[str, list[str]] = field(default_factory=dict)
    """src_uri -> id attributes, this build."""
    kept: Manifest = field(default_factory=dict)
    """Files this build does not write again, carried over from the site (dest -> SHA-256)."""

    @classmethod
    def for_build(cls, config: MkDocsConfig, fingerprint: str) -> PageCache:
        """The cache of the site this build publishes into; empty unless MkDocs builds into a
        bufferlit staging folder (a plain ``mkdocs build`` writes every file)."""
        workspace = Workspace.of_staging(Path(config.site_dir))
        if workspace is None:
            return cls(fingerprint, {}, {})
        try:
            saved = json.loads((workspace.root / KEYS_FILE).read_text(encoding="utf-8"))
            assert saved["fingerprint"] == fingerprint  # shared inputs changed: all new
            previous, anchors = dict(saved["keys"]), dict(saved["anchors"])
        except (OSError, ValueError, AssertionError, KeyError, TypeError):
            previous, anchors = {}, {}
        manifest = read_manifest(workspace.site)
        return cls(fingerprint, previous, manifest, workspace.site, anchors)

    def decide(self, file: File, item: GeneratedFile) -> GeneratedFile:
        """Keep ``file`` unrendered when its key is the last build's and its output is there
        (MkDocs is told it is unmodified); else make it (render it now if it was made on
        demand) and return it made."""
        kept = self.keep(item, file.dest_uri)
        _set_modified(file, not kept)
        if kept:
            return item
        made = item.made()
        if made.page is not None:
            self._remember_anchors(item.src_uri, anchor_ids(made.page.html))
        elif made is not item:
            file.content_string = made.content
        return made

    def keep(self, item: GeneratedFile, dest_uri: str) -> bool:
        """Whether ``item``'s output at ``dest_uri`` is the last build's and still there: then
        it is carried over from the site as it is (and its key recorded either way)."""
        key = _key(item)
        self.keys[item.src_uri] = key
        kept = self.previous.get(item.src_uri) == key and self._carry(dest_uri)
        if kept:
            self._remember_anchors(item.src_uri, self.previous_anchors.get(item.src_uri, []))
        return kept

    def keep_static(self, dest_uri: str) -> bool:
        """Whether a theme's static file is carried over: the last build had this build's
        fingerprint (its keys were loaded: the same theme files) and its copy is still there."""
        return bool(self.previous) and self._carry(dest_uri)

    def _carry(self, dest_uri: str) -> bool:
        """Carry the last build's file at ``dest_uri`` over, if it is still in the site."""
        there = (
            dest_uri in self.manifest
            and self.site is not None
            and os.path.isfile(os.path.join(self.site, dest_uri))  # not deleted meanwhile
        )
        if there:
            self.kept[dest_uri] = self.manifest[dest_uri]
        return there

    def _remember_anchors(self, src_uri: str, anchors: Iterable[str]) -> None:
        if anchors:
            self.anchors[src_uri] = sorted(anchors)

    def save(self, workspace: Workspace) -> None:
        from bufferlit.writer import write_atomic

        saved = {
            "fingerprint": self.fingerprint,
            "keys": dict(sorted(self.keys.items())),
            "anchors": dict(sorted(self.anchors.items())),
        }
        text = json.dumps(saved, separators=(",\n", ":"))  # C encoder; see output.py
        write_atomic(workspace.root / KEYS_FILE, text + "\n")


def write_all_others(files: Files, cache: PageCache, theme_dirs: Collection[str]) -> None:
    """Every file the cache did not decide on is written (docs pages, the docs' own static
    files), but a theme's static file that the site has from a build with the same
    fingerprint (which names the theme's version and holds custom_dir and our templates):
    carried over like a kept page (~300 files copied, hashed and compared per build)."""
    for file in files:
        if file.src_uri in cache.keys:
            continue
        theirs = file.src_dir in theme_dirs and not file.is_documentation_page()
        _set_modified(file, not (theirs and cache.keep_static(file.dest_uri)))


def _set_modified(file: File, modified: bool) -> None:
    # MkDocs' dirty mode asks each file; its own answer is None when the output is missing
    # (always, in a fresh staging folder), which would skip the file. We answer instead.
    file.is_modified = (lambda: True) if modified else (lambda: False)  # type: ignore[method-assign]


def anchor_ids(generated_html: str) -> set[str]:
    """The id attributes of a generated page (autoescaped, always double-quoted)."""
    return {html.unescape(anchor) for anchor in ID_ATTRIBUTE.findall(generated_html)}


ID_ATTRIBUTE = re.compile(r'\sid="([^"]*)"')


def _key(item: GeneratedFile) -> str:
    """A generated file's key, compared with the same file's in the last build only when
    that build had the same fingerprint (see ``for_build``)."""
    if item.inputs:  # made on demand: keyed by what it is made from, never rendered to key it
        return "inputs:" + item.inputs
    digest = hashlib.sha256()
    if item.page is not None:
        digest.update(json.dumps(item.page.meta, sort_keys=True, default=str).encode())
        digest.update(item.page.html.encode())
    else:
        digest.update(item.content.encode())
    return digest.hexdigest()


def fingerprint(
    config: MkDocsConfig, template_folders: Iterable[Path], docs_pages: Iterable[str]
) -> str:
    """A hash of everything all pages share: a change here rebuilds every page."""
    digest = hashlib.sha256()
    for package in ("mkdocs", "mkdocs-material"):
        digest.update(f"{package}={_version(package)}\n".encode())
    # bufferlit's own code, not its version number: a change to the plugin between two
    # builds of a checkout must rebuild every page.
    code = Path(__file__).resolve().parents[1]
    folders = [code, *template_folders]
    if config.config_file_path:
        digest.update(Path(config.config_file_path).read_bytes())
    digest.update("\n".join(sorted(docs_pages)).encode())
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(folder).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"
