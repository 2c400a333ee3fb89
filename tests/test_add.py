"""``bufferlit add``: arXiv ids and DOIs -> records, against recorded API answers served from
127.0.0.1 (tests/apiserver.py; the answers and their sources are in tests/data/api/)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from tests.apiserver import API, ApiServer, Reply, api_server, assert_seed_abstract

from bufferlit.cli import cli
from bufferlit.records import load_papers
from bufferlit.sources import parse_identifier

TODAY = dt.date.today().isoformat()
ACM = "10.1145/3620666.3651380"
IEEE = "10.1109/CVPR46437.2021.01576"
PLOS = "10.1371/journal.pone.0033693"


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib sends even 127.0.0.1 through a proxy named in the environment."""
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> ApiServer:
    with api_server() as server:
        for name in ("arxiv", "crossref", "openalex"):
            monkeypatch.setenv(f"BUFFERLIT_{name.upper()}_URL", f"{server.base_url}/{name}")
        monkeypatch.delenv("BUFFERLIT_MAILTO", raising=False)
        yield server


def add(papers: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["add", *args, "--papers", str(papers)])


@pytest.mark.parametrize(
    ("typed", "kind", "value"),
    [
        ("2303.11366", "arxiv", "2303.11366"),
        ("arXiv:2303.11366v2", "arxiv", "2303.11366"),
        ("arxiv: 2303.11366", "arxiv", "2303.11366"),
        ("https://arxiv.org/abs/2303.11366v4", "arxiv", "2303.11366"),
        ("https://arxiv.org/pdf/2303.11366v2.pdf", "arxiv", "2303.11366"),
        ("http://export.arxiv.org/abs/2303.11366", "arxiv", "2303.11366"),
        ("arxiv.org/pdf/2303.11366", "arxiv", "2303.11366"),
        ("cs/0601001", "arxiv", "cs/0601001"),
        ("arXiv:math.AG/0601001v1", "arxiv", "math.AG/0601001"),
        ("10.48550/arXiv.2303.11366", "arxiv", "2303.11366"),
        ("https://doi.org/10.48550/arXiv.2303.11366", "arxiv", "2303.11366"),
        (ACM, "doi", ACM),
        (f"doi:{ACM}", "doi", ACM),
        (f"https://doi.org/{IEEE}", "doi", IEEE),
        ("https://dx.doi.org/10.1109%2FCVPR46437.2021.01576", "doi", IEEE),
    ],
)
def test_every_common_spelling_of_an_identifier_is_read(typed, kind, value):
    identifier = parse_identifier(typed)
    assert identifier is not None
    assert (identifier.kind, identifier.value) == (kind, value)


@pytest.mark.parametrize("typed", ["reflexion", "2303", "10.1145", "https://example.org/x", ""])
def test_what_is_not_an_identifier_is_refused(typed):
    assert parse_identifier(typed) is None


def test_an_arxiv_id_becomes_a_valid_tagged_record(api, tmp_path):
    api.route("/arxiv/query", Reply.file("arxiv/2303.11366.xml"))
    result = add(tmp_path, "arXiv:2303.11366v2", "--mailto", "curator@example.org")
    assert result.exit_code == 0, result.output
    [paper] = load_papers(tmp_path)
    assert paper.id == "shinn2023reflexion"
    assert paper.title == "Reflexion: Language Agents with Verbal Reinforcement Learning"
    assert paper.authors[:2] == ("Shinn, Noah", "Cassano, Federico") and len(paper.authors) == 6
    assert (paper.year, paper.venue, paper.arxiv, paper.added) == (
        2023,
        "arXiv",
        "2303.11366",
        TODAY,
    )
    assert_seed_abstract(paper.abstract, "shinn2023reflexion")
    lines = result.output.splitlines()
    assert lines[0] == (
        f"new: {tmp_path / 'shinn2023reflexion.yaml'} (arXiv:2303.11366v2; abstract from arXiv)"
    )
    assert (
        lines[1] == "  buffer types: kv-context; stance: uses;"
        " domains: llm-agents, reinforcement-learning, nlp"
    )
    assert "own reflective text in an [episodic memory buffer] to induce" in lines[2]
    # One request, for the latest version, with the contact in the User-Agent.
    [request] = api.requests
    assert request.query == {"id_list": "2303.11366", "max_results": "1"}
    assert "mailto:curator@example.org" in request.headers["User-Agent"]


def test_an_entry_at_a_later_version_keeps_its_bare_id_and_its_journal_doi(api, tmp_path):
    api.route("/arxiv/query", Reply.file("arxiv/2206.06921.xml"))
    result = add(tmp_path, "https://arxiv.org/abs/2206.06921v1")
    assert result.exit_code == 0, result.output
    [paper] = load_papers(tmp_path)
    assert (paper.id, paper.arxiv, paper.doi) == (
        "rutar2022attainable",
        "2206.06921",
        "10.1512/iumj.2024.73.9928",
    )
    assert paper.year == 2022  # the first version's date, not v3's
    assert paper.authors == ("Rutar, Alex",)
    assert "can fail to be Hölder in a neighbourhood of 1." in paper.abstract


def test_an_old_style_id_with_a_subject_class_is_found_under_arxivs_own_id(api, tmp_path):
    # arXiv drops the subject class from old-style ids in its answers (math.AG/0601001 is
    # answered as math/0601001); this answer is the Reflexion one with such an id put in.
    feed = (API / "arxiv/2303.11366.xml").read_text().replace("2303.11366v4", "math/0601001v1")
    api.route("/arxiv/query", Reply(feed.encode()))
    result = add(tmp_path, "arXiv:math.AG/0601001")
    assert result.exit_code == 0, result.output
    [paper] = load_papers(tmp_path)
    assert paper.arxiv == "math/0601001"
    assert api.requests[0].query["id_list"] == "math.AG/0601001"


def test_many_arxiv_ids_are_one_request_and_unknown_ids_stop_everything(api, tmp_path):
    (tmp_path / "keep.txt").write_text("not a record")
    before = snapshot(tmp_path)
    api.route("/arxiv/query", Reply.file("arxiv/missing-ids.xml"))
    result = add(tmp_path, "2201.13455", "2201.13452", "arXiv:2201.13453", "2201.13454")
    assert_failed_cleanly(
        result, tmp_path, before, "arXiv: no paper with id 2201.13455, arXiv:2201.13453, 2201.13454"
    )
    [request] = api.requests
    assert request.query["id_list"] == "2201.13455,2201.13452,2201.13453,2201.13454"


def test_a_doi_with_a_jats_abstract_in_crossref(api, tmp_path):
    api.route(f"/crossref/works/{ACM}", Reply.file("crossref/10.1145-3620666.3651380.json"))
    result = add(tmp_path, f"https://doi.org/{ACM}", "--mailto", "curator@example.org")
    assert result.exit_code == 0, result.output
    [paper] = load_papers(tmp_path)
    assert (paper.id, paper.venue, paper.year, paper.doi) == ("heo2024neupims", "ASPLOS", 2024, ACM)
    assert paper.authors[0] == "Heo, Guseul" and len(paper.authors) == 9
    assert paper.abstract.startswith("Modern transformer-based Large Language Models")
    assert "<" not in paper.abstract and "Abstract" not in paper.abstract
    assert "typically operate in a blocked mode" in paper.abstract
    assert "abstract from Crossref" in result.output
    assert "[row buffers]" in result.output
    [request] = api.requests  # Crossref had the abstract: no other service asked
    assert request.query == {"mailto": "curator@example.org"}


def test_a_doi_without_abstract_takes_it_from_openalex(api, tmp_path):
    api.route(f"/crossref/works/{IEEE}", Reply.file("crossref/10.1109-CVPR46437.2021.01576.json"))
    api.route("/openalex/works", Reply.file("openalex/10.1109-CVPR46437.2021.01576.json"))
    result = add(tmp_path, IEEE)
    assert result.exit_code == 0, result.output
    [paper] = load_papers(tmp_path)
    assert (paper.id, paper.venue, paper.year) == ("kondratyuk2021movinets", "CVPR", 2021)
    assert_seed_abstract(paper.abstract, "kondratyuk2021movinets")
    assert "abstract from OpenAlex" in result.output
    assert [request.path for request in api.requests] == [
        f"/crossref/works/{IEEE}",
        "/openalex/works",
    ]
    assert api.requests[1].query["filter"] == f"doi:{IEEE}"


def test_a_doi_without_abstract_takes_it_from_the_arxiv_preprint_crossref_names(api, tmp_path):
    work = json.loads((API / "crossref/10.1109-CVPR46437.2021.01576.json").read_text())
    work["message"]["relation"] = {
        "has-preprint": [
            {"id-type": "doi", "id": "10.48550/arxiv.2103.11511", "asserted-by": "subject"}
        ]
    }
    api.route(f"/crossref/works/{IEEE}", Reply(json.dumps(work).encode()))
    api.route("/arxiv/query", Reply.file("arxiv/2103.11511.xml"))
    result = add(tmp_path, IEEE)
    assert result.exit_code == 0, result.output
    [paper] = load_papers(tmp_path)
    assert (paper.arxiv, paper.venue) == ("2103.11511", "CVPR")  # the venue stays Crossref's
    assert_seed_abstract(paper.abstract, "kondratyuk2021movinets")
    assert "abstract from arXiv 2103.11511" in result.output
    assert [request.path for request in api.requests] == [f"/crossref/works/{IEEE}", "/arxiv/query"]


def test_no_abstract_anywhere_writes_nothing_and_says_how(api, tmp_path):
    api.route(f"/crossref/works/{PLOS}", Reply.file("crossref/10.1371-journal.pone.0033693.json"))
    api.route("/openalex/works", Reply.file("openalex/10.1371-journal.pone.0033693.json"))
    before = snapshot(tmp_path)
    result = add(tmp_path, PLOS)
    assert_failed_cleanly(result, tmp_path, before, "--abstract-file FILE")
    assert f"no abstract for {PLOS} in Crossref, arXiv or OpenAlex" in result.output

    abstract = tmp_path.parent / "abstract.txt"
    abstract.write_text("Methylphenidate exposure\n  induces dopamine neuron loss in mice.\n")
    result = add(tmp_path, PLOS, "--abstract-file", str(abstract))
    assert result.exit_code == 0, result.output
    [paper] = load_papers(tmp_path)
    assert paper.id == "sadasivan2012methylphenidate"
    assert paper.abstract == "Methylphenidate exposure induces dopamine neuron loss in mice."
    assert (paper.venue, paper.year, paper.authors[1]) == ("PLoS ONE", 2012, "Pond, Brooks B.")


def test_a_paper_already_in_the_catalogue_is_left_alone(api, tmp_path):
    api.route("/arxiv/query", Reply.file("arxiv/2303.11366.xml"))
    assert add(tmp_path, "2303.11366").exit_code == 0
    before = snapshot(tmp_path)
    result = add(tmp_path, "https://arxiv.org/pdf/2303.11366v1")
    assert result.exit_code == 0
    assert (
        "already present: https://arxiv.org/pdf/2303.11366v1 is shinn2023reflexion" in result.output
    )
    assert snapshot(tmp_path) == before


# ---------------------------------------------------------------------------------------------
# Every error: one line, exit 1, nothing written.


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


def assert_failed_cleanly(
    result: Result, papers: Path, before: dict[str, bytes], text: str
) -> None:
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("Error: ") and text in result.stderr
    assert "Traceback" not in result.output
    assert snapshot(papers) == before


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    """A catalogue with one record, to check that a failed add leaves it as it was."""
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "existing2020paper.yaml").write_text(
        "id: existing2020paper\ntitle: An existing paper\nadded: 2026-01-01\nabstract: Words.\n"
    )
    assert len(load_papers(papers)) == 1
    return papers


def test_offline(catalogue, monkeypatch):
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("BUFFERLIT_ARXIV_URL", f"http://127.0.0.1:{port}/api")
    before = snapshot(catalogue)
    result = add(catalogue, "arXiv:2303.11366")
    assert_failed_cleanly(
        result, catalogue, before, f"arXiv: cannot reach 127.0.0.1:{port} (Connection refused)"
    )


def test_an_unknown_doi_is_crossrefs_404(api, catalogue):
    api.route("/crossref/works/10.1371/notarealdoi", Reply.file("crossref/not-found.txt", 404))
    before = snapshot(catalogue)
    result = add(catalogue, "10.1371/notarealdoi", ACM)
    assert_failed_cleanly(
        result, catalogue, before, "Crossref: no work with DOI 10.1371/notarealdoi (HTTP 404)"
    )


def test_a_rate_limit_longer_than_we_wait_stops_at_once(api, catalogue):
    api.route(
        f"/crossref/works/{ACM}", Reply(b"Too Many Requests", 429, (("Retry-After", "3600"),))
    )
    before = snapshot(catalogue)
    result = add(catalogue, ACM)
    assert_failed_cleanly(
        result, catalogue, before, "Crossref: rate limited (HTTP 429, asked to retry after 3600 s)"
    )
    assert len(api.requests) == 1


def test_a_rate_limit_is_retried_after_the_time_it_asks(api, tmp_path):
    from bufferlit.addcommand import add_papers_by_id
    from bufferlit.sources import Http

    api.route(
        f"/crossref/works/{ACM}",
        Reply(b"Too Many Requests", 429, (("Retry-After", "7"),)),
        Reply.file("crossref/10.1145-3620666.3651380.json"),
    )
    waits: list[float] = []
    report = add_papers_by_id([ACM], tmp_path, http=Http(sleep=waits.append))
    assert [paper_id for _, paper_id in report.new] == ["heo2024neupims"]
    assert waits == [pytest.approx(7.0, abs=0.5)] and len(api.requests) == 2


def test_a_rate_limit_that_does_not_lift_gives_up_and_arxiv_is_asked_3_s_apart(api, catalogue):
    from bufferlit.addcommand import add_papers_by_id
    from bufferlit.sources import Http, SourceError

    # arXiv's throttling answer: "Rate exceeded." (see tests/data/api/SOURCES.md).
    api.route("/arxiv/query", Reply(b"Rate exceeded.", 503, (("Retry-After", "0"),)))
    before = snapshot(catalogue)
    waits: list[float] = []
    with pytest.raises(SourceError, match=r"^arXiv: rate limited \(HTTP 503, asked to retry"):
        add_papers_by_id(["2303.11366"], catalogue, http=Http(sleep=waits.append))
    assert len(api.requests) == 3  # the first try and two retries
    assert waits == [pytest.approx(3.0, abs=0.5)] * 2  # arXiv's rate: one request per 3 s
    assert snapshot(catalogue) == before


def test_a_timeout(api, catalogue):
    from bufferlit.addcommand import add_papers_by_id
    from bufferlit.sources import Http, SourceError

    api.route("/arxiv/query", Reply((API / "arxiv/2303.11366.xml").read_bytes(), delay=1.5))
    before = snapshot(catalogue)
    with pytest.raises(
        SourceError, match=r"^arXiv: no answer from 127\.0\.0\.1:\d+ within 0\.3 s$"
    ):
        add_papers_by_id(["2303.11366"], catalogue, http=Http(timeout=0.3))
    assert snapshot(catalogue) == before


def test_a_server_error(api, catalogue):
    api.route(f"/crossref/works/{ACM}", Reply(b"<html>oops</html>", 500))
    before = snapshot(catalogue)
    result = add(catalogue, ACM)
    assert_failed_cleanly(result, catalogue, before, "Crossref: HTTP 500 Internal Server Error")


@pytest.mark.parametrize(
    ("route", "reply", "typed", "message"),
    [
        (
            "/arxiv/query",
            "arxiv/truncated.xml",
            "2206.06921",
            "arXiv: the answer is not a valid Atom feed",
        ),
        (
            "/arxiv/query",
            "crossref/not-found.txt",
            "2206.06921",
            "arXiv: the answer is not a valid Atom feed",
        ),
        (
            f"/crossref/works/{ACM}",
            "crossref/truncated.json",
            ACM,
            f"Crossref: malformed answer for DOI {ACM}",
        ),
        (
            f"/crossref/works/{ACM}",
            "arxiv/2303.11366.xml",
            ACM,
            f"Crossref: malformed answer for DOI {ACM}",
        ),
    ],
)
def test_a_malformed_answer(api, catalogue, route, reply, typed, message):
    api.route(route, Reply.file(reply))
    before = snapshot(catalogue)
    assert_failed_cleanly(add(catalogue, typed), catalogue, before, message)


def test_an_error_entry_of_the_arxiv_api(api, catalogue):
    api.route("/arxiv/query", Reply.file("arxiv/error.xml"))
    before = snapshot(catalogue)
    result = add(catalogue, "1234.12345")
    assert_failed_cleanly(
        result,
        catalogue,
        before,
        "arXiv: the API reported an error: incorrect id format for 1234.12345",
    )


def test_a_malformed_openalex_answer(api, catalogue):
    api.route(f"/crossref/works/{IEEE}", Reply.file("crossref/10.1109-CVPR46437.2021.01576.json"))
    api.route(
        "/openalex/works", Reply(b'{"results": [{"doi": "x", "abstract_inverted_index": [1]}]}')
    )
    before = snapshot(catalogue)
    assert_failed_cleanly(add(catalogue, IEEE), catalogue, before, "OpenAlex: malformed answer")


def test_what_is_not_an_id_is_refused_before_any_request(api, catalogue):
    before = snapshot(catalogue)
    result = add(catalogue, "2303.11366", "reflexion")
    assert_failed_cleanly(result, catalogue, before, "'reflexion' is not an arXiv id or a DOI")
    assert api.requests == []


def test_an_abstract_file_is_for_one_paper(api, catalogue, tmp_path):
    abstract = tmp_path / "abstract.txt"
    abstract.write_text("An abstract.")
    before = snapshot(catalogue)
    result = add(catalogue, ACM, IEEE, "--abstract-file", str(abstract))
    assert_failed_cleanly(
        result, catalogue, before, "--abstract-file gives the abstract of one paper"
    )
    assert api.requests == []


def test_retry_after_is_read_as_seconds_or_as_an_http_date():
    import email.utils

    from bufferlit.sources.http import retry_after

    in_90_s = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=90)
    assert retry_after("120") == 120.0
    assert 80 <= (retry_after(email.utils.format_datetime(in_90_s, usegmt=True)) or 0) <= 91
    assert retry_after("soon") is None and retry_after(None) is None


def test_the_contact_can_come_from_the_environment(api, tmp_path, monkeypatch):
    monkeypatch.setenv("BUFFERLIT_MAILTO", "env@example.org")
    api.route(f"/crossref/works/{ACM}", Reply.file("crossref/10.1145-3620666.3651380.json"))
    assert add(tmp_path, ACM).exit_code == 0
    [request] = api.requests
    assert request.query == {"mailto": "env@example.org"}
    assert request.headers["User-Agent"].endswith("; mailto:env@example.org)")


def test_a_dry_run_fetches_and_reports_but_writes_nothing(api, tmp_path):
    api.route("/arxiv/query", Reply.file("arxiv/2303.11366.xml"))
    result = add(tmp_path / "papers", "2303.11366", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"would add: {tmp_path / 'papers' / 'shinn2023reflexion.yaml'}")
    assert "would add: 1 new" in result.output
    assert not (tmp_path / "papers").exists()
