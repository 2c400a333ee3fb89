"""The build never deletes or overwrites what bufferlit did not write (issue: data loss, items
1, 3, 4, 6 and 7's site folder). Each test builds a small real project (MkDocs + Pagefind)."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.hostile.support import tree_hash

from bufferlit.errors import BuildFailed
from bufferlit.site import output
from bufferlit.site.build import build_site
from bufferlit.site.output import MANIFEST, WORKDIR, Workspace, recover
from bufferlit.site.search import check_index

MakeProject = Callable[..., Path]
AFTER_A_BUILD = ["inputs.json", "lock", "pages.json"]
"""What a finished build leaves in its work folder: the caches of the next build and the lock."""


def run_build(
    project: Path, *args: str, preexec_fn: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    """``bufferlit build`` as a real process in ``project``."""
    command = [sys.executable, "-m", "bufferlit", "build", *args]
    return subprocess.run(
        command, cwd=project, capture_output=True, text=True, preexec_fn=preexec_fn
    )


def site_files(site: Path) -> dict[str, str]:
    """The site as a reader gets it: every file but the build's own bookkeeping."""
    return {
        name: digest
        for name, digest in tree_hash(site).items()
        if not name.startswith((WORKDIR, MANIFEST))
    }


# ---------------------------------------------------------------------------------------------
# Item 1: which folders a build may write into.


@pytest.mark.parametrize(
    ("site_dir", "why"),
    [
        (".", "it is the project folder"),
        ("..", "it contains the project folder"),
        ("papers", "it is the records folder"),
        ("papers/sub", "it is inside the records folder"),
        ("src/site", "it is inside the source folder"),
        ("docs", "it is the docs folder"),
    ],
)
def test_the_project_and_its_folders_are_refused_and_nothing_is_touched(
    make_project: MakeProject, site_dir: str, why: str
) -> None:
    project = make_project().parent
    (project / "src").mkdir()
    (project / "src" / "module.py").write_text("print('mine')\n")
    before = tree_hash(project.parent)
    done = run_build(project, "--site-dir", site_dir)
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("Error: refusing to build the site into") and why in line
    assert tree_hash(project.parent) == before


def test_a_symlink_to_the_records_is_refused(make_project: MakeProject) -> None:
    project = make_project().parent
    (project / "public").symlink_to(project / "papers")
    before = tree_hash(project / "papers")
    done = run_build(project, "--site-dir", "public")
    assert done.returncode == 2 and "it is the records folder" in done.stderr
    assert tree_hash(project / "papers") == before


def test_a_folder_of_someone_elses_files_is_refused(
    make_project: MakeProject, tmp_path: Path
) -> None:
    project = make_project().parent
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "thesis.tex").write_text("\\chapter{Buffers}\n")
    (thesis / "figures").mkdir()
    before = tree_hash(thesis)
    done = run_build(project, "--site-dir", str(thesis))
    assert done.returncode == 2
    assert "it holds files bufferlit did not write (figures, thesis.tex)" in done.stderr
    assert tree_hash(thesis) == before


def test_a_fresh_gh_pages_worktree_is_built_into_and_keeps_its_files(
    make_project: MakeProject, tmp_path: Path
) -> None:
    config = make_project()
    pages = tmp_path / "gh-pages"
    (pages / ".git").mkdir(parents=True)
    (pages / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (pages / ".nojekyll").write_text("")
    (pages / "CNAME").write_text("buffers.example.org\n")
    theirs = tree_hash(pages)
    build_site(config, site_dir=pages)
    build_site(config, site_dir=pages)
    after = tree_hash(pages)
    assert {name: after[name] for name in theirs} == theirs
    assert (pages / "index.html").is_file() and (pages / MANIFEST).is_file()


def test_a_rebuild_replaces_only_its_own_files_and_keeps_the_rest(
    make_project: MakeProject, tmp_path: Path
) -> None:
    config = make_project()
    site = tmp_path / "public"
    build_site(config, site_dir=site)
    (site / ".git").mkdir()
    (site / ".git" / "config").write_text("[core]\n")
    (site / "CNAME").write_text("buffers.example.org\n")
    (site / "robots.txt").write_text("User-agent: *\n")
    (site / "google1234.html").write_text("google-site-verification: google1234.html\n")
    own = {"CNAME", "robots.txt", "google1234.html"}
    theirs = {
        name: digest
        for name, digest in tree_hash(site).items()
        if name.startswith(".git") or name in own
    }
    stylesheet = site / "assets" / "bufferlit" / "bufferlit.css"
    unchanged_inode = stylesheet.stat().st_ino
    papers = config.parent / "papers"
    gone = sorted(papers.glob("*.yaml"))[0]
    gone.unlink()

    report = build_site(config, site_dir=site)

    after = tree_hash(site)
    assert {name: after[name] for name in theirs} == theirs
    assert not (site / "papers" / gone.stem).exists()  # the deleted paper's page went
    assert report.removed >= 1
    assert stylesheet.stat().st_ino == unchanged_inode  # the same bytes: not rewritten


def test_a_new_file_over_a_file_not_ours_fails_and_keeps_both(
    make_project: MakeProject, tmp_path: Path
) -> None:
    config = make_project()
    site = tmp_path / "public"
    build_site(config, site_dir=site)
    (site / "index.html").unlink()  # pretend the last build never wrote it ...
    manifest = (site / MANIFEST).read_text()
    (site / MANIFEST).write_text(manifest.replace('"index.html"', '"elsewhere.html"'))
    (site / "index.html").write_text("<p>the user's own page</p>\n")
    before = tree_hash(site)
    with pytest.raises(
        BuildFailed, match=r"would overwrite .*index\.html, which bufferlit did not write"
    ):
        build_site(config, site_dir=site)
    assert tree_hash(site) == before


def test_a_site_of_an_earlier_bufferlit_without_manifest_is_recognised(
    make_project: MakeProject, tmp_path: Path
) -> None:
    config = make_project()
    site = tmp_path / "public"
    build_site(config, site_dir=site)
    (site / MANIFEST).unlink()
    shutil.rmtree(site / WORKDIR)
    (site / "stale.html").write_text("<p>a page the old build wrote</p>\n")
    (site / "CNAME").write_text("buffers.example.org\n")
    build_site(config, site_dir=site)
    assert not (site / "stale.html").exists()  # the old build's: replaced with the folder
    assert (site / "CNAME").read_text() == "buffers.example.org\n"


def test_mkdocs_build_runs_the_same_guard(make_project: MakeProject, tmp_path: Path) -> None:
    config = make_project()
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "thesis.tex").write_text("\\chapter{Buffers}\n")
    command = [sys.executable, "-m", "mkdocs", "build", "-f", str(config), "-d", str(thesis)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode != 0
    assert "refusing to build the site into" in done.stderr
    assert (thesis / "thesis.tex").read_text() == "\\chapter{Buffers}\n"
    # A bufferlit site with the user's robots.txt: mkdocs would delete it, bufferlit keeps it.
    site = tmp_path / "public"
    build_site(config, site_dir=site)
    (site / "robots.txt").write_text("User-agent: *\n")
    done = subprocess.run([*command[:-1], str(site)], capture_output=True, text=True)
    assert done.returncode != 0 and "mkdocs build would delete robots.txt" in done.stderr
    assert (site / "robots.txt").exists()


def test_mkdocs_build_into_a_new_folder_writes_a_manifest(
    make_project: MakeProject, tmp_path: Path
) -> None:
    config = make_project()
    site = tmp_path / "by-mkdocs"
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(site)]
    subprocess.run(command, check=True, capture_output=True)
    assert (site / MANIFEST).is_file()
    build_site(config, site_dir=site)  # and bufferlit build takes it from there


# ---------------------------------------------------------------------------------------------
# Items 6 and 7: interrupted builds, a lock, mount points.


def test_ctrl_c_while_publishing_puts_the_old_site_back_at_once(
    make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_project()
    site = tmp_path / "public"
    build_site(config, site_dir=site)
    before = site_files(site)
    (config.parent / "docs" / "about.md").write_text("# About\n\nChanged.\n")
    real_replace, calls = os.replace, list[str]()

    def interrupted(source: str, target: str) -> None:
        calls.append(target)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real_replace(source, target)

    monkeypatch.setattr(output.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_site(config, site_dir=site)
    monkeypatch.undo()
    assert site_files(site) == before
    assert sorted(path.name for path in (site / WORKDIR).iterdir()) == AFTER_A_BUILD


KILL_MIDWAY = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from bufferlit.site import output
    from bufferlit.site.build import build_site
    real, moves = os.replace, []
    def replace(source, target):
        if ".bufferlit" not in str(target):  # a file of the site, not the journal
            moves.append(target)
            if len(moves) == 2:
                os._exit(9)  # like SIGKILL: no clean-up runs
        real(source, target)
    output.os.replace = replace
    build_site(Path(sys.argv[1]), site_dir=Path(sys.argv[2]))
    """
)


def test_a_build_killed_while_publishing_is_undone_by_the_next_one(
    make_project: MakeProject, tmp_path: Path
) -> None:
    config = make_project()
    site = tmp_path / "public"
    build_site(config, site_dir=site)
    before = site_files(site)
    (config.parent / "docs" / "about.md").write_text("# About\n\nChanged.\n")
    record = config.parent / "papers" / "shinn2023reflexion.yaml"
    record.write_text(record.read_text().replace("Reflexion:", "Reflexion (v2):"))
    killed = subprocess.run([sys.executable, "-c", KILL_MIDWAY, str(config), str(site)])
    assert killed.returncode == 9
    assert (site / WORKDIR / "journal.json").exists()
    assert site_files(site) != before  # half published: one file is new

    assert recover(Workspace(site)) == "undone"
    assert site_files(site) == before
    left = {path.name for path in (site / WORKDIR).iterdir()}
    assert "journal.json" not in left and "backup" not in left
    build_site(config, site_dir=site)  # the next build cleans up and publishes
    assert sorted(path.name for path in (site / WORKDIR).iterdir()) == AFTER_A_BUILD
    assert "Changed." in (site / "about" / "index.html").read_text()


def test_two_builds_at_once_the_second_is_told_to_wait(
    make_project: MakeProject, tmp_path: Path
) -> None:
    import fcntl

    config = make_project()
    site = tmp_path / "public"
    build_site(config, site_dir=site)
    with open(site / WORKDIR / "lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        done = run_build(config.parent, "--site-dir", str(site))
    assert done.returncode == 1
    assert "another bufferlit build is writing" in done.stderr and "Traceback" not in done.stderr


def test_a_failed_first_build_leaves_no_folder_behind(
    make_project: MakeProject, tmp_path: Path
) -> None:
    config = make_project()
    (config.parent / "papers" / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n")
    site = tmp_path / "public"
    done = run_build(config.parent, "--site-dir", str(site))
    assert done.returncode == 1 and f"nothing in {site} was changed" in done.stderr
    assert not site.exists()


def mount_tmpfs(where: Path, size: str) -> None:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    mounted: list[Path] = []

    def make(size: str) -> Path:
        where = tmp_path / f"mount{len(mounted)}"
        mount_tmpfs(where, size)
        mounted.append(where)
        return where

    yield make
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_mount_point_is_a_fine_site_folder(
    make_project: MakeProject, tmpfs: Callable[[str], Path]
) -> None:
    config = make_project()
    site = tmpfs("64m")
    build_site(config, site_dir=site)
    report = build_site(config, site_dir=site)
    assert (site / "index.html").is_file() and report.pages > 0


def test_a_full_disk_keeps_the_old_site(
    make_project: MakeProject, tmpfs: Callable[[str], Path]
) -> None:
    config = make_project()
    site = tmpfs("64m")
    build_site(config, site_dir=site)
    (config.parent / "docs" / "about.md").write_text("# About\n\nChanged.\n")
    free = shutil.disk_usage(site).free
    # Leave too little for the changed page itself (an incremental build writes only what
    # changed: the theme's files are carried over, so 200 KB used to be enough to fail).
    (site / ".filler").write_bytes(b"\0" * (free - 8_192))
    before = site_files(site)
    done = run_build(config.parent, "--site-dir", str(site))
    assert done.returncode == 1 and "the previous site was kept" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert site_files(site) == before


def test_a_file_size_limit_keeps_the_old_site(make_project: MakeProject, tmp_path: Path) -> None:
    """RLIMIT_FSIZE (SIGXFSZ ignored, so writes fail instead of killing): every writer, MkDocs
    and Pagefind alike, hits it; the build fails and the old site stays."""
    config = make_project()
    site = tmp_path / "public"
    build_site(config, site_dir=site)
    before = site_files(site)
    (config.parent / "docs" / "about.md").write_text("# About\n\nChanged.\n")

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        # Under the changed page's size (~20 KB with the theme's markup): an incremental
        # build writes only what changed, the theme's files are carried over.
        resource.setrlimit(resource.RLIMIT_FSIZE, (8_000, 8_000))

    done = run_build(config.parent, "--site-dir", str(site), preexec_fn=limit)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "the previous site was kept" in done.stderr and "Traceback" not in done.stderr
    assert site_files(site) == before


# ---------------------------------------------------------------------------------------------
# Item 3: every output verified.


def test_an_empty_output_file_fails_the_build(tmp_path: Path) -> None:
    staging = tmp_path / "staging"
    (staging / "papers").mkdir(parents=True)
    (staging / "index.html").write_text("<p>home</p>")
    (staging / "papers" / "x.html").write_text("")
    with pytest.raises(BuildFailed, match=r"empty file, papers/x\.html"):
        output.verified_manifest(staging)


@pytest.mark.parametrize(
    ("entry", "fragments", "message"),
    [
        ("", 1, "pagefind-entry.json"),
        ('{"languages": {"en": {"hash": "en_1", "page_count": 2}}}', 2, "pagefind.en_1.pf_meta"),
        ('{"languages": {"en": {"hash": "en_1", "page_count": 2}}}', 1, "1 fragments for 2 pages"),
    ],
)
def test_a_broken_search_index_fails_the_build(
    tmp_path: Path, entry: str, fragments: int, message: str
) -> None:
    bundle = tmp_path / "pagefind"
    (bundle / "fragment").mkdir(parents=True)
    (bundle / "pagefind-entry.json").write_text(entry)
    if fragments == 1 and "page_count" in entry:
        (bundle / "pagefind.en_1.pf_meta").write_bytes(b"meta")
    for number in range(fragments):
        (bundle / "fragment" / f"en_{number}.pf_fragment").write_bytes(b"x")
    with pytest.raises(BuildFailed, match=message):
        check_index(bundle)


# ---------------------------------------------------------------------------------------------
# Item 4: modes follow the umask.


def test_built_files_get_the_modes_the_umask_gives(
    make_project: MakeProject, tmp_path: Path
) -> None:
    config = make_project()
    site = tmp_path / "public"

    def umask_027() -> None:
        os.umask(0o027)

    done = run_build(config.parent, "--site-dir", str(site), preexec_fn=umask_027)
    assert done.returncode == 0, done.stderr
    modes = {stat.S_IMODE(path.stat().st_mode) for path in site.rglob("*") if path.is_file()}
    folders = {stat.S_IMODE(path.stat().st_mode) for path in site.rglob("*") if path.is_dir()}
    assert modes <= {0o640, 0o750}, sorted(map(oct, modes))  # 0o750: executable wasm? none
    assert 0o640 in modes and folders == {0o750}
    done = run_build(config.parent, "--site-dir", str(site))  # umask 022 now
    assert stat.S_IMODE((site / MANIFEST).stat().st_mode) == 0o640  # an overwrite keeps its mode
