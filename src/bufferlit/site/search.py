"""Search stage: the Pagefind index of the papers, in shards, made after the pages are published.

What a search finds is each paper's record text: its title, authors, year and venue, the
tagger's evidence and its abstract, with buffer types, stance, domains and year as filters.
Pagefind is given that as one small HTML document per paper, made here from the record
(``search_page``), not the built page: it finds the same results in the same order (the title
is the ``h1``, which Pagefind weighs most), and a document changes only when its own paper
does, while a page also changes when a related paper's title does, so an edit would reach
several shards.

The papers are spread over a power of two of shards by a hash of their URL (``shard_count``:
about SHARD_PAGES each, at most MAX_SHARDS), each its own Pagefind bundle: the first is
``pagefind/`` itself (with ``pagefind.js`` and the UI), the others ``pagefind/shard-N/``, listed
in ``pagefind/bufferlit-shards.json`` for the browser, which merges them (``mergeIndex``). A
build indexes only the shards whose documents changed (a digest of each shard's documents and
of Pagefind's version, kept in ``pagefind/bufferlit-index.json``) and keeps the others: editing
one record re-indexes one shard, ~1/8 of the catalogue at 10,000 papers. Each shard ranks its
own hits (Pagefind's statistics are per bundle), so near-tied results may come in another order
than from one bundle; the results themselves are the same. Pagefind holds a
shard's index in memory while it writes it (~88 KB a paper), so a shard's size also bounds the
memory of the largest catalogue (3,125 papers a shard at 100,000: ~0.3 GB).

The header search runs Pagefind in workers of its own (``assets/bufferlit/search-worker.js``),
each over a group of shards, and merges their first results by score, as Pagefind merges
bundles.

Pagefind runs as one ``pagefind --service`` child per build, spoken to over its pipe protocol
(the one ``pagefind.index`` speaks; that client waits 0.1 s per answer, 1,000 s for 10,000
papers, and cannot set how its child is started, see ``_die_with_parent``).
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import hashlib
import html
import importlib.metadata
import json
import os
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, NoReturn

from bufferlit.errors import BuildFailed
from bufferlit.model import NO_YEAR, Entry
from bufferlit.site import addresses
from bufferlit.site.context import BUFFER_TYPE_LABELS, display_name, highlight, stance_label

BUNDLE = addresses.SEARCH_BUNDLE
SHARDS_FILE = "bufferlit-shards.json"
"""For the browser: the other shards' bundle paths, relative to ``pagefind/``."""
DIGESTS_FILE = "bufferlit-index.json"
"""For the next build: what each shard was made from."""
SHARD_PAGES = 2_000
"""A shard count is chosen so shards hold at most this many papers, up to MAX_SHARDS."""
MAX_SHARDS = 32
"""Each shard costs the reader's first search one more bundle to start (its entry and index
metadata), but Pagefind's time for a word grows faster than the shard's hits (a word in 40 %
of 100,000 papers: ~110 ms a shard of 12,500, ~13 ms a shard of 3,125). The header search
for "replay" at 100,000 papers, after a pause / right after focus: 8 shards 834 / 1,108 ms,
16: 555 / 792, 32: 580 / 918, 64: 597 / 1,294, 128: 762 / 1,640; for "buffer" (79 % of the
papers) after a pause, 16: 1,343, 32: 988, 64: 842 (docs/benchmarks.md)."""
TIMEOUT_SECONDS = 1800
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class SearchPage:
    """One paper as Pagefind indexes it."""

    url: str
    """The page's URL as Pagefind gives it for its built file (``/papers/ID/``)."""
    html: str
    """What Pagefind reads: the record's searchable text and filters, every value escaped."""


def page_url(dest_uri: str) -> str:
    """The URL Pagefind gives a built file: ``papers/x/index.html`` -> ``/papers/x/``."""
    return "/" + dest_uri.removesuffix("index.html")


def search_page(
    entry: Entry, url: str, domain_names: Mapping[str, str], language: str
) -> SearchPage:
    """The paper's searchable text in the order the paper page shows it: title (the h1,
    which Pagefind weighs most and takes as the result's title), authors, year and venue,
    evidence sentences, abstract; buffer types, stance, domains and year as filters."""
    paper, tagging = entry.paper, entry.tagging
    year = str(paper.year) if paper.year else NO_YEAR
    filters = [("Buffer type", BUFFER_TYPE_LABELS[kind]) for kind in tagging.buffer_types]
    stance = stance_label(tagging)  # none for a paper with no buffer, as its page shows
    filters += [("Stance", stance.name)] if stance else []
    filters += [("Domain", domain_names.get(slug, slug)) for slug in tagging.domains]
    filters.append(("Year", year))
    authors = ", ".join(display_name(author) for author in paper.authors) or "Authors unknown"
    where = year + (f" · {paper.venue}" if paper.venue else "")
    parts = [f'<html lang="{_text(language)}"><body>']
    parts += [f'<span data-pagefind-filter="{_text(f"{k}:{v}")}"></span>' for k, v in filters]
    parts.append(f"<h1>{_text(paper.title)}</h1><p>{_text(authors)}<br>{_text(where)}</p>")
    for evidence in map(highlight, tagging.evidence):
        sentence = f"{_text(evidence.before)}<mark>{_text(evidence.phrase)}</mark>"
        parts.append(f"<blockquote><p>{sentence}{_text(evidence.after)}</p></blockquote>")
    parts.append(f"<p>{_text(paper.abstract)}</p></body></html>")
    return SearchPage(url, "".join(parts))


def _text(value: str) -> str:
    return html.escape(value, quote=True)


def shard_count(pages: int) -> int:
    """A power of two (so a growing catalogue rarely moves papers between shards)."""
    count = 1
    while count < MAX_SHARDS and pages > count * SHARD_PAGES:
        count *= 2
    return count


def shard_of(url: str, count: int) -> int:
    digest = hashlib.blake2b(url.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def shard_folder(number: int) -> str:
    """A shard's bundle, relative to ``pagefind/`` ("" for the first)."""
    return f"shard-{number}/" if number else ""


@dataclass(frozen=True)
class SearchIndex:
    """What ``index_site`` did: the shards it kept from the previous bundle unchanged."""

    shards: int
    kept: frozenset[int]

    def keeps(self, name: str) -> bool:
        """Is ``name`` (a site path, ``pagefind/...``) a file of a kept shard?"""
        inner = name.removeprefix(BUNDLE + "/")
        if inner == name or inner in (SHARDS_FILE, DIGESTS_FILE):
            return False  # not the index's; or written again by every build
        first = inner.split("/", 1)[0]
        number = int(first[6:]) if first.startswith("shard-") and first[6:].isdigit() else 0
        return number in self.kept


def index_site(
    pages: Sequence[SearchPage], bundle: Path, previous: Path | None = None
) -> SearchIndex:
    """Index ``pages`` into ``bundle``: every shard whose pages changed since ``previous``
    (the published bundle; None: index all), whose other shards the caller keeps.

    Raises BuildFailed when Pagefind is missing or fails (the caller keeps the old index).
    """
    if not pages:
        return SearchIndex(0, frozenset())  # no paper: no search index
    count = shard_count(len(pages))
    shards: list[list[SearchPage]] = [[] for _ in range(count)]
    for page in sorted(pages, key=lambda page: page.url):
        shards[shard_of(page.url, count)].append(page)
    digests = [_shard_digest(number, count, shard) for number, shard in enumerate(shards)]
    old = _previous_digests(previous)
    kept = frozenset(
        number
        for number, digest in enumerate(digests)
        if previous is not None and old.get(number) == digest and _intact(previous, number)
    )
    # The first shard is written even when empty: its bundle carries pagefind.js and the UI.
    used = [number for number, shard in enumerate(shards) if shard or not number]
    todo = [number for number in used if number not in kept]
    if todo:
        with _Pagefind() as pagefind:
            for number in todo:
                pagefind.index(shards[number], bundle / shard_folder(number))
    bundle.mkdir(parents=True, exist_ok=True)
    others = [shard_folder(number) for number in used if number]
    (bundle / SHARDS_FILE).write_text(json.dumps(others) + "\n", encoding="utf-8")
    (bundle / DIGESTS_FILE).write_text(json.dumps(digests) + "\n", encoding="utf-8")
    return SearchIndex(count, kept)


def _shard_digest(number: int, count: int, pages: Sequence[SearchPage]) -> str:
    digest = hashlib.sha256(f"{_pagefind_version()} {number}/{count}\n".encode())
    for page in pages:
        digest.update(json.dumps([page.url, page.html]).encode("utf-8"))
    return digest.hexdigest()


def _pagefind_version() -> str:
    try:
        return importlib.metadata.version("pagefind")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _previous_digests(previous: Path | None) -> dict[int, str]:
    if previous is None:
        return {}
    try:
        digests = json.loads((previous / DIGESTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(digests, list):
        return {}
    return {number: digest for number, digest in enumerate(digests) if isinstance(digest, str)}


def _intact(previous: Path, number: int) -> bool:
    """A kept shard must still be whole in the published site (a file may have gone)."""
    try:
        check_index(previous / shard_folder(number))
    except BuildFailed:
        return False
    return True


class _Pagefind:
    """One ``pagefind --service`` child: indexes shards one at a time, each written to its
    folder and then dropped from the child's memory."""

    def __init__(self) -> None:
        from pagefind.service import get_executable

        executable = get_executable()
        if executable is None:
            raise BuildFailed("search index (pagefind) failed: the pagefind binary is missing")
        self.log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __exit__
        try:
            self.child = subprocess.Popen(
                [str(executable), "--service"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.log,
                preexec_fn=_die_with_parent,
            )
        except OSError as error:
            self.log.close()
            raise BuildFailed(f"search index (pagefind) failed: {error}") from error
        self.timer = threading.Timer(TIMEOUT_SECONDS, self.child.kill)  # a hung Pagefind
        self.timer.start()
        self.sent = 0
        self.unread = bytearray()

    def __enter__(self) -> _Pagefind:
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()
        if self.child.stdin is not None:
            with contextlib.suppress(OSError):
                self.child.stdin.close()
        self.child.terminate()  # every answer is in: the files are written
        self.child.wait()
        self.log.close()

    def index(self, pages: Sequence[SearchPage], output: Path) -> None:
        [created] = self.ask([{"type": "NewIndex", "config": None}])
        index = created["index_id"]
        self.ask(
            [
                {
                    "type": "AddFile",
                    "index_id": index,
                    "url": page.url,
                    "file_path": None,
                    "file_contents": page.html,
                }
                for page in pages
            ]
        )
        # Pagefind answers WriteFiles before its writes are done (an empty entry file was seen
        # right after the answer, under load), so the bundle's files come back in the answer
        # to GetFiles and are written here.
        [bundle] = self.ask([{"type": "GetFiles", "index_id": index}])
        self.ask([{"type": "DeleteIndex", "index_id": index}])
        _write_bundle(bundle.get("files"), output)
        check_index(output)

    def ask(self, requests: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send ``requests`` (from a thread: the child answers while it reads, and both
        pipes are bounded) and return the answers in order."""
        first = self.sent + 1
        self.sent += len(requests)
        failure: list[OSError] = []
        writer = threading.Thread(target=self._send, args=(requests, first, failure))
        writer.start()
        try:
            answers = dict(self._answers(len(requests)))
        finally:
            writer.join()
        if failure:
            self._fail(str(failure[0]))
        errors = [answer for answer in answers.values() if answer.get("type") == "Error"]
        if errors:
            self._fail(str(errors[0].get("message", errors[0])))
        return [answers[number] for number in range(first, first + len(requests))]

    def _send(self, requests: Sequence[dict[str, Any]], first: int, failure: list[OSError]) -> None:
        stdin = self.child.stdin
        assert stdin is not None
        try:
            for number, payload in enumerate(requests, start=first):
                message = json.dumps({"message_id": number, "payload": payload})
                stdin.write(base64.b64encode(message.encode("utf-8")) + b",")
            stdin.flush()
        except OSError as error:  # the child died; its answers say why
            failure.append(error)

    def _answers(self, count: int) -> Iterator[tuple[int, dict[str, Any]]]:
        stdout = self.child.stdout
        assert stdout is not None
        for _ in range(count):
            end = self.unread.find(b",")
            while end < 0:  # a shard's files come as one answer of megabytes
                searched = len(self.unread)
                chunk = os.read(stdout.fileno(), 1 << 20)
                if not chunk:
                    self._fail("pagefind stopped")
                self.unread += chunk
                end = self.unread.find(b",", searched)
            message = bytes(self.unread[:end])
            del self.unread[: end + 1]
            try:
                answer = json.loads(base64.b64decode(message))
                yield int(answer["message_id"]), dict(answer["payload"])
            except (ValueError, KeyError, TypeError):
                self._fail(f"pagefind said: {message[:200]!r}")

    def _fail(self, reason: str) -> NoReturn:
        if self.timer.finished.is_set():
            reason = f"no answer after {TIMEOUT_SECONDS} s"
        self.child.kill()
        self.child.wait()
        self.log.seek(0)
        detail = self.log.read().decode("utf-8", "replace").strip().splitlines()[-5:]
        raise BuildFailed("search index (pagefind) failed: " + "\n".join([reason, *detail]))


def _write_bundle(files: object, output: Path) -> None:
    """Write Pagefind's files (``[{"path": relative path, "content": base64}]``) below
    ``output``."""
    if not isinstance(files, list):
        raise BuildFailed("search index (pagefind) failed: no files in its answer")
    try:
        for item in files:
            relative = PurePosixPath(str(item["path"]))
            if relative.is_absolute() or ".." in relative.parts:
                raise BuildFailed(f"search index (pagefind) failed: file {relative} is outside")
            target = output / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(base64.b64decode(item["content"], validate=True))
    except (KeyError, TypeError, ValueError) as error:
        raise BuildFailed(f"search index (pagefind) failed: unreadable files: {error}") from None
    except OSError as error:
        raise BuildFailed(f"search index (pagefind): cannot write {output}: {error}") from None


def _die_with_parent() -> None:
    """In the Pagefind child: end when the build ends, even if the build is killed (Linux's
    PR_SET_PDEATHSIG, which survives the exec of the binary; elsewhere a no-op). It fires when
    the thread that started the child ends, which is the build's own thread."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def check_index(bundle: Path) -> None:
    """Pagefind may finish having written nothing usable (seen on a full disk): its entry
    file must parse, and each language's metadata and one fragment per page must exist."""
    entry = bundle / "pagefind-entry.json"
    try:
        languages = json.loads(entry.read_text(encoding="utf-8"))["languages"]
        expected = {
            f"pagefind.{language['hash']}.pf_meta": int(language["page_count"])
            for language in languages.values()
        }
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BuildFailed(f"search index (pagefind) is broken: {entry.name}: {error}") from None
    missing = [name for name in expected if not (bundle / name).is_file()]
    fragments = sum(1 for _ in (bundle / "fragment").glob("*.pf_fragment"))
    if missing or fragments < sum(expected.values()):
        raise BuildFailed(
            f"search index (pagefind) is incomplete: {missing or 'fragments'} missing"
            f" ({fragments} fragments for {sum(expected.values())} pages)"
        )
