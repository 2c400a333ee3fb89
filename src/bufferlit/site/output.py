"""The site folder: which folders a build may write into, and how files get there safely.

A build never deletes or overwrites what bufferlit did not write:

* **The manifest.** Every build records the files it wrote, with their SHA-256, in
  ``SITE/.bufferlit-manifest.json``. The next build replaces or deletes only files listed
  there; anything else in the folder (``.git``, ``CNAME``, ``robots.txt``, a verification
  file) is left as it is, and a new file whose path such a file holds fails the build.
* **Which folder.** A folder is a fine target when it does not exist, is empty, holds only
  dotfiles and ``CNAME`` (a fresh gh-pages worktree), holds a manifest (a bufferlit site), or
  is a site of an earlier bufferlit that wrote no manifest (recognised by its own stylesheet
  ``assets/bufferlit/bufferlit.css`` beside ``index.html``; its files are replaced as the new
  build writes them, nothing else of it is deleted). Any other non-empty folder is refused,
  and so are the project folder (mkdocs.yml's), papers/, docs/, src/, any ancestor of them,
  and any path inside papers/ or src/: one line, exit 2, nothing touched.
* **How.** The build happens in ``SITE/.bufferlit-build/`` (so on the site's own filesystem,
  mount point or not), under a lock. Publishing replaces file by file, each atomically
  (``os.replace``), old versions hard-linked aside first, after a journal naming every change
  has been written; the manifest is written last. A build killed midway is rolled back (or,
  past the manifest, finished) by the next one, which also removes what it left behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bufferlit.errors import BufferlitError, BuildFailed
from bufferlit.writer import write_atomic

MANIFEST = ".bufferlit-manifest.json"
WORKDIR = ".bufferlit-build"
GENERATOR = "bufferlit"
LEGACY_MARKER = "assets/bufferlit/bufferlit.css"
"""A site built by bufferlit before manifests existed has its stylesheet here."""
GH_PAGES_FILES = frozenset({"CNAME"})
"""Non-dot files a fresh gh-pages worktree may hold besides dotfiles."""


class SiteDirRefused(BufferlitError):
    """A folder the build must not write into: a usage error (exit 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Protected:
    """Folders a site must never replace, contain or sit inside."""

    project: Path
    """The folder holding mkdocs.yml."""
    papers: Path
    docs: Path

    def folders(self) -> dict[str, Path]:
        """Each protected folder by what it is, resolved (a symlink cannot hide it)."""
        named = {
            "the project folder": self.project,
            "the records folder": self.papers,
            "the docs folder": self.docs,
            "the source folder": self.project / "src",
        }
        return {label: folder.resolve() for label, folder in named.items()}


Manifest = dict[str, str]
"""Relative POSIX path -> SHA-256 of each file a build wrote."""


def check_site_dir(target: Path, protected: Protected, *, cleaned_by_mkdocs: bool = False) -> None:
    """Raise SiteDirRefused unless a build may write into ``target``.

    ``cleaned_by_mkdocs``: the build is a plain ``mkdocs build``, which deletes every non-dot
    file of its site_dir first; then only a folder whose non-dot files are all bufferlit's
    (listed in its manifest) is safe.
    """
    real = target.resolve()
    for label, folder in protected.folders().items():
        if real == folder:
            raise SiteDirRefused(_refusal(target, f"it is {label}"))
        if real in folder.parents:
            raise SiteDirRefused(_refusal(target, f"it contains {label}, {folder}"))
        if folder in real.parents and label != "the project folder":
            raise SiteDirRefused(_refusal(target, f"it is inside {label}, {folder}"))
    foreign = foreign_files(real, cleaned_by_mkdocs=cleaned_by_mkdocs)
    if foreign is None:
        return
    if cleaned_by_mkdocs and foreign_files(real) is None:
        why = f"mkdocs build would delete {', '.join(foreign[:3])}, which bufferlit did not write"
        raise SiteDirRefused(_refusal(target, why) + "; `bufferlit build` keeps them")
    raise SiteDirRefused(_refusal(target, _holds(foreign)))


def _holds(foreign: list[str]) -> str:
    listed = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
    return f"it holds files bufferlit did not write ({listed})"


def _refusal(target: Path, why: str) -> str:
    return f"refusing to build the site into {target}: {why}; choose an empty or new folder"


def foreign_files(site: Path, *, cleaned_by_mkdocs: bool = False) -> list[str] | None:
    """Top-level names in ``site`` bufferlit did not write and may not keep (None: none).

    Dot entries and a gh-pages ``CNAME`` are kept by ``bufferlit build``; ``mkdocs build``
    keeps dot entries only."""
    if not site.exists():
        return None
    if not site.is_dir():
        return [site.name]
    names = sorted(entry.name for entry in os.scandir(site))
    if MANIFEST in names:
        if not cleaned_by_mkdocs:
            return None  # bufferlit build touches only what its manifest lists
        top = {path.split("/", 1)[0] for path in read_manifest(site)}
    else:
        top = set()
        if (site / LEGACY_MARKER).is_file() and (site / "index.html").is_file():
            top = set(names)  # an earlier bufferlit wrote the whole folder
    kept = (lambda name: name.startswith(".")) if cleaned_by_mkdocs else _kept
    return [name for name in names if name not in top and not kept(name)] or None


def _kept(name: str) -> bool:
    return name.startswith(".") or name in GH_PAGES_FILES


def read_manifest(site: Path) -> Manifest:
    """The files the last build wrote (empty for a first build or a pre-manifest site)."""
    path = site / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        assert data["generator"] == GENERATOR and isinstance(files, dict)
    except (OSError, ValueError, KeyError, TypeError, AssertionError) as error:
        message = f"{path}: not a bufferlit manifest ({error}); move the folder aside and rebuild"
        raise BuildFailed(message) from None
    return {str(name): str(digest) for name, digest in files.items()}


def write_manifest(site: Path) -> None:
    """Record every file of a freshly written ``site`` as the build's own."""
    write_atomic(site / MANIFEST, _manifest_text(_hash_all(site)))


def _manifest_text(manifest: Manifest) -> str:
    data = {"generator": GENERATOR, "version": 1, "files": dict(sorted(manifest.items()))}
    # One file a line, for diffs, through the C encoder (``indent`` would take the pure-Python
    # one: seconds for the 50,000 files of a 10,000-paper site).
    return json.dumps(data, ensure_ascii=False, separators=(",\n", ": ")) + "\n"


# ---------------------------------------------------------------------------------------------
# The work folder: lock, staging, journal, backups.


@dataclass(frozen=True)
class Workspace:
    site: Path

    @classmethod
    def of_staging(cls, folder: Path) -> Workspace | None:
        """The workspace whose staging folder ``folder`` is (None: not a staging folder)."""
        workspace = cls(folder.parent.parent)
        return workspace if folder == workspace.staging else None

    @property
    def root(self) -> Path:
        return self.site / WORKDIR

    @property
    def staging(self) -> Path:
        return self.root / "staging"

    @property
    def backup(self) -> Path:
        return self.root / "backup"

    @property
    def search(self) -> Path:
        """Where the search index is built before it is published."""
        return self.root / "search"

    @property
    def journal(self) -> Path:
        return self.root / "journal.json"


@contextlib.contextmanager
def site_workspace(site: Path) -> Iterator[Workspace]:
    """Lock ``site`` for one build, finish or undo an interrupted one, give a clean staging.

    A site folder this build created is removed again if the build fails before publishing."""
    workspace = Workspace(site)
    created = not site.exists()
    try:
        workspace.root.mkdir(parents=True, exist_ok=True)
        handle = open(workspace.root / "lock", "a+")  # noqa: SIM115 - closed by the with below
    except OSError as error:
        raise BuildFailed(f"cannot write the site into {site}: {error.strerror or error}") from None
    published = False
    try:
        with handle:
            _lock(handle, site)
            recover(workspace)
            for leftover in (workspace.staging, workspace.search):
                _remove(leftover)
            workspace.staging.mkdir()
            try:
                yield workspace
                published = (site / MANIFEST).exists()
            finally:
                for leftover in (workspace.staging, workspace.search):
                    _remove(leftover)
    finally:
        if created and not published:
            _remove(workspace.root)
            with contextlib.suppress(OSError):
                site.rmdir()  # only if nothing else appeared there meanwhile


def _lock(handle: IO[str], site: Path) -> None:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        message = f"another bufferlit build is writing {site}; wait for it and try again"
        raise BuildFailed(message) from None


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


# ---------------------------------------------------------------------------------------------
# Publishing: staging -> site, file by file, journalled.


def verified_manifest(staging: Path, kept: Manifest | None = None) -> Manifest:
    """SHA-256 of every file the build wrote, with ``kept`` (files carried over unchanged);
    BuildFailed on an empty file (a full disk or a file size limit leaves files at 0 bytes
    while the writer may still exit 0) or a site without a home page."""
    written = _hash_all(staging)
    empty = [name for name in written if (staging / name).stat().st_size == 0]
    if empty:
        raise BuildFailed(f"the build wrote an empty file, {empty[0]} (is the disk full?)")
    manifest = {**(kept or {}), **written}
    if "index.html" not in manifest:
        raise BuildFailed("the build produced no index.html")
    return manifest


def _hash_all(folder: Path) -> Manifest:
    """SHA-256 of every file below ``folder`` but the build's own bookkeeping."""
    manifest = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name != MANIFEST and not name.startswith(WORKDIR + "/"):
            manifest[name] = _digest(path)
    return manifest


def _digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@dataclass(frozen=True)
class Plan:
    changed: tuple[str, ...]
    """Files to write (new, or different from what the site has)."""
    removed: tuple[str, ...]
    """Files of the last build that this build no longer writes."""


def plan_publish(
    site: Path, old: Manifest, new: Manifest, carried: Collection[str] = frozenset()
) -> Plan:
    """What publishing will change; BuildFailed if it would overwrite a file not ours.
    ``carried``: files of ``new`` the build did not write, found in the site just before."""
    # Plain strings, not Path objects: this runs over every file of the site.
    base = os.path.join(site, "")
    changed = tuple(
        name
        for name, digest in new.items()
        if old.get(name) != digest
        or (name not in carried and not os.path.exists(base + name))  # deleted by hand
    )
    arriving = [name for name in changed if name not in old]
    taken = [name for name in arriving if os.path.exists(base + name)]
    taken += _foreign_parents(site, arriving, old)
    if taken:
        raise BuildFailed(
            f"the new site would overwrite {site / taken[0]}, which bufferlit did not write;"
            " move it away and build again (the previous site was kept)"
        )
    removed = tuple(name for name in old if name not in new)
    return Plan(changed, removed)


def _foreign_parents(site: Path, arriving: list[str], old: Manifest) -> list[str]:
    """Files not ours standing where a new file needs a folder (each folder checked once)."""
    folders = {parent for name in arriving for parent in Path(name).parents if parent != Path(".")}
    return sorted(
        folder.as_posix()
        for folder in folders
        if folder.as_posix() not in old and (site / folder).is_file()
    )


def previous_files(site: Path) -> Manifest:
    """The files the last build wrote: its manifest; for a site of an earlier bufferlit that
    kept none, every file but dotfiles and CNAME (such a build replaced the whole folder)."""
    if (site / MANIFEST).exists() or not (site / LEGACY_MARKER).is_file():
        return read_manifest(site)
    every = _hash_all(site)
    return {name: digest for name, digest in every.items() if not _kept(name.split("/")[0])}


def publish(
    workspace: Workspace, new: Manifest, source: Path, carried: Collection[str] = frozenset()
) -> Plan:
    """Move the files of ``new`` that changed from ``source`` into place, journalled, the
    manifest last; files of ``new`` not in ``source`` must be in the site already, unchanged
    (``carried`` over by an incremental build: their names, not checked again). Interrupted
    here (Ctrl-C, a full disk), the old site is put back at once; killed, by the next build."""
    site = workspace.site
    old = previous_files(site)
    plan = plan_publish(site, old, new, carried)
    manifest = _manifest_text(new)
    journal = {
        "changed": plan.changed,
        "new": [name for name in plan.changed if name not in old],
        "removed": plan.removed,
        "manifest": manifest,
    }
    write_atomic(workspace.journal, json.dumps(journal))
    try:
        _move_into_place(workspace, plan, source)
        write_atomic(site / MANIFEST, manifest)
    except BaseException as error:
        recover(workspace)
        if isinstance(error, OSError):
            message = f"cannot write the site into {site}: {error.strerror or error}"
            raise BuildFailed(message) from error
        raise
    _finish(workspace)
    return plan


def _move_into_place(workspace: Workspace, plan: Plan, source: Path) -> None:
    site = workspace.site
    for name in (*plan.changed, *plan.removed):
        _keep_aside(site / name, workspace.backup / name)
    for name in plan.changed:
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(source / name, site / name)
    for name in plan.removed:
        with contextlib.suppress(FileNotFoundError):
            (site / name).unlink()
        _prune_empty_parents(site, name)


def _keep_aside(path: Path, backup: Path) -> None:
    """A hard link to the old file (it stays in place until replaced): undo material."""
    if not path.is_file():
        return
    backup.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(path, backup)
    except OSError:
        shutil.copy2(path, backup)


def _prune_empty_parents(site: Path, name: str) -> None:
    for parent in Path(name).parents:
        if parent == Path("."):
            return
        try:
            (site / parent).rmdir()
        except OSError:
            return


def _finish(workspace: Workspace) -> None:
    workspace.journal.unlink()
    _remove(workspace.backup)


def recover(workspace: Workspace) -> str:
    """Finish or undo a publish that was interrupted; says which (empty: nothing to do)."""
    if not workspace.journal.exists():
        _remove(workspace.backup)
        return ""
    site = workspace.site
    journal = json.loads(workspace.journal.read_text(encoding="utf-8"))
    manifest = site / MANIFEST
    if manifest.exists() and manifest.read_text(encoding="utf-8") == journal["manifest"]:
        _finish(workspace)  # every file was in place; only the clean-up was missed
        return "finished"
    new_files = set(journal["new"])
    for name in (*journal["changed"], *journal["removed"]):
        saved = workspace.backup / name
        if saved.exists():
            (site / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(saved, site / name)
        elif name in new_files:
            # New in that build (no old version, and plan_publish saw no file there before):
            # ours to remove. An old file without a backup was never replaced: left alone.
            with contextlib.suppress(FileNotFoundError):
                (site / name).unlink()
            _prune_empty_parents(site, name)
    _finish(workspace)
    return "undone"
