"""The arXiv API client against a local server that answers in the shapes arXiv documents."""
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from generator.ingest.arxiv import USER_AGENT, ArxivClient, ArxivError
from tests.arxiv_support import FEEDS, FakeArxiv, feed


def client(server: FakeArxiv, pauses: list[float] | None = None) -> ArxivClient:
    return ArxivClient(server.url, sleep=(pauses if pauses is not None else []).append, retries=2)


def test_an_exact_title_match_gives_the_id_authors_date_and_category(arxiv):
    server = arxiv(feed("exact.xml"))
    record = client(server).find_by_title("Thyme: Think Beyond Images")
    assert record is not None
    assert (record.arxiv_id, record.published, record.primary_category) == ("2508.11630", dt.date(2025, 8, 15), "cs.CV")
    assert record.authors == ("Yi-Fan Zhang", "Xingyu Lu", "Shukang Yin")
    path, headers = server.requests[0]
    assert parse_qs(urlsplit(path).query)["search_query"] == ['ti:"Thyme Think Beyond Images"']
    assert headers["User-Agent"] == USER_AGENT and "paper-digest" in USER_AGENT


def test_a_near_miss_title_is_no_match(arxiv):
    server = arxiv(feed("exact.xml"))
    assert client(server).find_by_title("Thyme: Think Beyond Images and Video") is None


def test_no_result_is_no_match(arxiv):
    assert client(arxiv(feed("empty.xml"))).find_by_title("No Such Paper") is None


def test_a_503_is_retried_after_the_time_it_asks(arxiv):
    server = arxiv((503, {"Retry-After": "7"}, b"busy"), feed("exact.xml"))
    pauses: list[float] = []
    record = client(server, pauses).find_by_title("Thyme: Think Beyond Images")
    assert record is not None and len(server.requests) == 2
    assert 7 in pauses


def test_giving_up_after_the_retries_says_how_to_continue(arxiv):
    server = arxiv(*[(503, {}, b"busy")] * 3)
    with pytest.raises(ArxivError, match="continues where it stopped"):
        client(server).find_by_title("Anything")
    assert len(server.requests) == 3


@pytest.mark.parametrize("body, message", [
    (b"<html>not a feed", "not a valid Atom feed"),
    (b"<rss/>", "not an Atom feed"),
    ((FEEDS / "error.xml").read_bytes(), "incorrect id format"),
])
def test_a_malformed_feed_or_an_error_entry_is_an_error(arxiv, body, message):
    with pytest.raises(ArxivError, match=message):
        client(arxiv((200, {}, body))).find_by_title("Anything")


def test_requests_are_spaced_three_seconds_apart():
    now = [100.0]
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        now[0] += seconds

    arxiv_client = ArxivClient("http://unused.invalid", sleep=sleep, clock=lambda: now[0])
    arxiv_client._wait_turn()
    now[0] += 1.0
    arxiv_client._wait_turn()
    assert pauses == [pytest.approx(2.0)]


def test_without_network_the_message_says_so():
    arxiv_client = ArxivClient("http://no-such-host.invalid/api/query", sleep=lambda _: None, retries=0)
    with pytest.raises(ArxivError, match=r"cannot reach arXiv|did not answer"):
        arxiv_client.find_by_title("Anything")
