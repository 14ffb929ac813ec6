"""`digest fetch` against a local stand-in for the Daily Papers API: a day's answer is saved as
ingest reads it, or nothing is written and the message says why."""
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from generator.ingest.catalog import run_ingest
from generator.ingest.fetch import USER_AGENT, FetchError, fetch_digest
from generator.project import Project
from tests.helpers import FIXTURES, digest_cli, make_project, snapshot

DAY = dt.date(2026, 8, 14)
REAL_DAY = (FIXTURES / "hf-api" / "2026-08-14.json").read_bytes()


def answer(body: bytes, status: int = 200) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, body


def test_a_days_answer_is_saved_unchanged_and_ingested(tmp_path, arxiv):
    server = arxiv(answer(REAL_DAY))
    project = Project.at(make_project(tmp_path))
    path, papers = fetch_digest(project, DAY, api_url=server.url)
    assert path == project.digests / "2026-08-14.json" and path.read_bytes() == REAL_DAY and papers == 23
    asked, headers = server.requests[0]
    assert parse_qs(urlsplit(asked).query) == {"date": ["2026-08-14"]} and headers["User-Agent"] == USER_AGENT
    assert run_ingest(project).created == 23


@pytest.mark.parametrize("reply, words", [
    (answer(b"[]"), "lists no papers for 2026-08-14"),
    (answer(b"<html>Sign in</html>"), "is not a Daily Papers day"),
    (answer(b'[{"paper": {"id": "2608.1"}}]'), "is not a Daily Papers day"),
    (answer(b"\xff\xfe"), "not UTF-8"),
    (answer(b"busy", status=503), "HTTP 503"),
    (answer(b"", status=404), "HTTP 404"),
])
def test_an_answer_ingest_could_not_use_writes_nothing(tmp_path, arxiv, reply, words):
    project = Project.at(make_project(tmp_path))
    before = snapshot(project.content)
    with pytest.raises(FetchError, match=words):
        fetch_digest(project, DAY, api_url=arxiv(reply).url)
    assert snapshot(project.content) == before


def test_a_saved_day_is_never_fetched_over(tmp_path, arxiv):
    server = arxiv(answer(REAL_DAY))
    project = Project.at(make_project(tmp_path))
    (project.digests / "2026-08-14.json").write_text("[]  # corrected by hand", encoding="utf-8")
    with pytest.raises(FetchError, match="delete it first"):
        fetch_digest(project, DAY, api_url=server.url)
    assert (project.digests / "2026-08-14.json").read_text(encoding="utf-8") == "[]  # corrected by hand"
    assert server.requests == []  # not even asked


def test_an_unreachable_api_is_a_message():
    with pytest.raises(FetchError, match="cannot reach Hugging Face"):
        fetch_digest(Project.at(FIXTURES), DAY, api_url="http://no-such-host.invalid/api/daily_papers", timeout=5)


def test_the_command_refuses_a_saved_day_with_exit_1_and_a_bad_date_with_exit_2(tmp_path):
    project = make_project(tmp_path, [FIXTURES / "hf-api" / "2025-08-18.json"])
    refused = digest_cli(project, "fetch", "2025-08-18")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "digest: fetch: 2025-08-18.json is in content/digests/ already" in refused.stderr
    wrong = digest_cli(project, "fetch", "18/08/2025")
    assert wrong.returncode == 2 and "is not a date: expected YYYY-MM-DD" in wrong.stderr
