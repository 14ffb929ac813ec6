"""A large ingest's work done by forked workers (generator/ingest/workers.py) gives exactly the
files the serial ingest gives, and reports content errors the same way."""
import concurrent.futures
import json
import os
import re
import shutil
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from generator import cache as cache_module
from generator import workers
from generator.content import check
from generator.content import papers as papers_module
from generator.errors import BuildFailed, SourceError
from generator.ingest import catalog
from generator.ingest.catalog import run_ingest
from generator.ingest.state import STATE_FILE
from generator.project import Project
from tests.helpers import FIXTURES, ROOT, disk_fills_after, make_project, snapshot

SEED = ROOT / "content" / "digests" / "2025-08-18.txt"
PAGE_COPIES = sorted((FIXTURES / "digests").glob("*.txt"))
API_DAYS = sorted((FIXTURES / "hf-api").glob("*.json"))  # 2025-08-18.json features the seed's papers again


@pytest.fixture
def forks(workers_on, monkeypatch):
    """workers_on, with ingest's work in chunks of a few papers (uneven at the end)."""
    monkeypatch.setattr(catalog, "PREPARE_CHUNK", 7)
    monkeypatch.setattr(catalog, "FORMAT_CHUNK", 5)
    monkeypatch.setattr(catalog, "DIGESTS_PARALLEL_FROM", 1)
    monkeypatch.setattr(catalog, "DIGEST_FILE_CHUNK", 2)
    return workers_on


def ingested_twice(folder):
    """The content after ingesting the seed, then every other digest (papers featured again, new
    ones, API files and page copies of one day)."""
    project = Project.at(make_project(folder, [SEED]))
    run_ingest(project)
    for digest in PAGE_COPIES + API_DAYS:
        (project.digests / digest.name).write_bytes(digest.read_bytes())
    run_ingest(project)
    return snapshot(project.content)


def test_the_workers_write_what_the_serial_ingest_writes(tmp_path, request):
    serial = ingested_twice(tmp_path / "serial")
    runs = request.getfixturevalue("forks")
    parallel = ingested_twice(tmp_path / "parallel")
    assert runs, "the workers did not run"
    assert len([name for name in serial if name.startswith("papers/")]) > 100
    assert parallel == serial


def test_results_come_in_item_order_whatever_the_chunks(forks):
    squares = workers.results_in_order(lambda start, stop: [n * n for n in range(start, stop)], 23, 4)
    assert list(squares) == [n * n for n in range(23)]


def test_a_consumer_that_stops_early_does_not_wait_for_every_chunk(forks):
    results = workers.results_in_order(lambda start, stop: list(range(start, stop)), 10_000, 10)
    assert next(results) == 0
    results.close()  # cancels the chunks not yet started


def test_a_consumer_that_takes_every_result_but_asks_no_further_leaves_no_thread(forks):
    """zip(names, results) stops after the last name without asking the results again: the pool
    (and its thread, which would make every later fork unsafe) has ended by then."""
    threads = threading.active_count()
    results = workers.map_in_order(str, range(23), 4)
    assert dict(zip(range(23), results)) == {number: str(number) for number in range(23)}
    assert threading.active_count() == threads and workers.worth_forking(23)


def test_results_dropped_unfinished_as_an_error_unwinds_leave_no_thread(forks):
    threads = threading.active_count()

    def consume():
        for number in workers.results_in_order(lambda start, stop: list(range(start, stop)), 10_000, 10):
            if number == 5:
                raise ValueError("the consumer's own error")

    with pytest.raises(ValueError):
        consume()
    assert threading.active_count() == threads and workers.worth_forking(23)


def test_work_started_on_the_workers_is_theirs_and_comes_back_in_order(forks):
    threads = threading.active_count()
    done = []
    squares = workers.map_started(lambda number: done.append(number) or number * number, range(40), 4)
    assert forks == [40]
    assert squares() == [number * number for number in range(40)]
    assert done == []  # appended to in the workers' copies of the list
    assert threading.active_count() == threads  # the pool has ended


def test_work_started_without_workers_is_done_before_the_caller_goes_on():
    done = []
    squares = workers.map_started(lambda number: done.append(number) or number * number, range(5), 2)
    assert done == [0, 1, 2, 3, 4]
    assert squares() == [0, 1, 4, 9, 16]


@pytest.mark.parametrize("parallel", [False, True])
def test_a_content_error_met_by_a_worker_is_reported_as_the_serial_ingest_reports_it(tmp_path, request,
                                                                                      monkeypatch, parallel):
    if parallel:
        request.getfixturevalue("forks")
    error = SourceError("content/digests/2025-08-18.txt", 12, "a problem only a paper's own work finds", "fix it")

    def fails(*args):
        raise BuildFailed([error])

    monkeypatch.setattr(catalog, "new_parts", fails)
    project = Project.at(make_project(tmp_path, [SEED]))
    before = snapshot(project.content)
    with pytest.raises(BuildFailed) as failed:
        run_ingest(project)
    assert failed.value.errors == [error]
    assert failed.value.__cause__ is None  # no worker's traceback attached
    assert snapshot(project.content) == before



def test_a_full_disk_while_the_workers_format_leaves_content_as_it_was(tmp_path, monkeypatch, forks):
    project = Project.at(make_project(tmp_path, [SEED]))
    before = snapshot(project.content)
    disk_fills_after(monkeypatch, 30)
    with pytest.raises(OSError):
        run_ingest(project)
    assert forks and snapshot(project.content) == before


def test_a_process_running_other_threads_ingests_in_the_calling_thread(tmp_path, forks):
    """As the preview does from its rebuild thread: forking there could leave a lock held forever."""
    done = threading.Event()
    other = threading.Thread(target=done.wait)
    other.start()
    try:
        run_ingest(Project.at(make_project(tmp_path, [SEED])))
    finally:
        done.set()
        other.join()
    assert forks == []


def test_the_workers_read_the_digests_of_paper_files_stamped_anew(tmp_path, forks, monkeypatch):
    """A deploy stamps every paper file anew: ingest reads them all to compare their bytes, on
    every core, and gets each file's digest in order, None for what is not a readable file."""
    from generator.cache import file_digest
    from generator.ingest import state

    monkeypatch.setattr(state, "DIGEST_CHUNK", 3)
    names = [f"paper-{number:02d}.md" for number in range(10)]
    for number, name in enumerate(names):
        (tmp_path / name).write_text(f"paper {number}\n" * number)
    (tmp_path / names[4]).unlink()
    (tmp_path / names[4]).mkdir()  # a folder named like a paper file
    digests = list(state.file_digests(tmp_path, names))
    assert forks == [10]
    assert digests == [file_digest(tmp_path / name) for name in names]
    assert digests[4] is None and len(set(digests)) == 10


def test_a_clone_reads_its_paper_files_on_every_core_while_the_paper_cache_loads(tmp_path, forks, monkeypatch):
    """A clone stamps every file anew: the paper files changed since the last ingest are read by
    the workers before this process loads the paper cache, only the new day is ingested, and the
    cache trusts the files' new stamps from then on: it reads none of them again."""

    first = Project.at(make_project(tmp_path / "first", [SEED]))
    run_ingest(first)
    papers_module.load_paper_files(first)  # as `digest build` does next: the paper cache holds every paper
    shutil.copytree(first.root, tmp_path / "clone", copy_function=shutil.copyfile)
    project = Project.at(tmp_path / "clone")
    a_minute_ago, an_hour_ago = time.time() - 60, time.time() - 3600
    for path in project.root.rglob("*"):
        os.utime(path, (a_minute_ago, a_minute_ago))
    state_file = project.cache_dir / STATE_FILE
    state = json.loads(state_file.read_text(encoding="utf-8"))
    state["newest"] = int(an_hour_ago * 1e9)  # as if the last ingest was an hour ago
    state_file.write_text(json.dumps(state), encoding="utf-8")
    shutil.copy(FIXTURES / "hf-api" / "2025-08-18.json", project.digests)
    os.utime(project.digests / "2025-08-18.json", (a_minute_ago, a_minute_ago))

    monkeypatch.setattr(papers_module.PaperCache, "_open", {})  # a new process
    runs_when_the_cache_loads = []
    real_init = papers_module.PaperCache.__init__

    def loading(self, path):
        runs_when_the_cache_loads.append(list(forks))
        real_init(self, path)

    monkeypatch.setattr(papers_module.PaperCache, "__init__", loading)
    read_by_the_cache = []  # files whose entries the cache could not trust by their stamp
    monkeypatch.setattr(cache_module, "file_digest", read_by_the_cache.append)
    paper_count = len(list(project.papers.glob("*.md")))
    forks.clear()
    report = run_ingest(project)
    assert not report.skipped and runs_when_the_cache_loads == [[paper_count]]
    assert read_by_the_cache == []


def test_paper_files_parsed_by_the_workers_load_as_the_serial_load_gives_them(tmp_path, request, monkeypatch):
    """A cold load (no parse cache) of many papers parses on every core: the same papers, key lines
    and errors in the same order, and a cache the next load reads them back from."""
    from generator.content import papers

    project = Project.at(make_project(tmp_path, PAGE_COPIES))
    run_ingest(project)
    names = sorted(path.name for path in project.papers.glob("*.md"))
    (project.papers / names[3]).write_text("---\ntitle: [unclosed\n---\nbody\n")  # a YAML error
    (project.papers / names[8]).write_bytes(b"---\ntitle: \xff\n---\n")  # not UTF-8

    def cold_load():
        shutil.rmtree(project.cache_dir)
        papers.PaperCache._open.clear()
        return papers.load_paper_files(project)

    serial = cold_load()
    runs = request.getfixturevalue("forks")
    monkeypatch.setattr(papers, "PARSE_CHUNK", 4)
    parallel = cold_load()
    assert runs == [len(names)]
    assert len(serial[0]) == len(names) - 2
    assert [Path(error.path).name for error in serial[1]] == [names[3], names[8]]
    assert parallel == serial
    papers.PaperCache._open.clear()
    assert papers.load_paper_files(project) == serial  # from the cache the workers' entries made
    assert runs == [len(names), 2]  # only the two broken files parsed again: errors are never cached


def cold_project(folder: Path) -> Project:
    """A project whose papers were ingested, without its cache: as a cold build finds it."""
    from generator.content import papers

    project = Project.at(make_project(folder, PAGE_COPIES))
    run_ingest(project)
    shutil.rmtree(project.cache_dir)
    papers.PaperCache._open.clear()
    return project


def test_a_cold_load_takes_the_papers_parsed_ahead_by_the_workers(tmp_path, request, monkeypatch):
    """`digest build` starts parsing before it imports the build (parse_ahead): the workers are at
    work before the load asks, and the load then parses nothing itself."""
    from generator.content import papers

    project = cold_project(tmp_path / "serial")
    serial = papers.load_paper_files(project)
    project = cold_project(tmp_path / "ahead")
    runs = request.getfixturevalue("forks")
    monkeypatch.setattr(papers, "PARSE_AHEAD_FROM", 1)
    monkeypatch.setattr(papers, "PARSE_CHUNK", 4)
    papers.parse_ahead(project)
    assert runs == [len(serial[0])]  # started before the load
    parsed_here = []
    monkeypatch.setattr(papers, "_parsed_file", parsed_here.append)
    loaded = papers.load_paper_files(project)
    assert parsed_here == [] and runs == [len(serial[0])]
    assert [paper_file.paper for paper_file in loaded[0]] == [
        replace(paper_file.paper, path=paper_file.paper.path.replace("serial", "ahead")) for paper_file in serial[0]]


def test_a_paper_edited_after_parsing_ahead_is_loaded_as_edited(tmp_path, request, monkeypatch):
    """The workers stamp each file as they read it: the load takes every result whose file still
    has that stamp, and parses the edited file again, alone."""
    from generator.content import papers

    project = cold_project(tmp_path)
    runs = request.getfixturevalue("forks")
    monkeypatch.setattr(papers, "PARSE_AHEAD_FROM", 1)
    threads = threading.active_count()
    papers.parse_ahead(project)
    concurrent.futures.wait(papers._parsing_ahead[project.papers][1]._chunks)  # every file read before the edit
    edited = sorted(project.papers.glob("*.md"))[5]
    edited.write_text(edited.read_text() + "One more line.\n")  # a new size: a new stamp
    parse_here, parsed_here = papers._parsed_file, []
    monkeypatch.setattr(papers, "_parsed_file", lambda file_shown: parsed_here.append(file_shown[0]) or parse_here(file_shown))
    loaded, errors = papers.load_paper_files(project)
    assert errors == [] and runs == [len(loaded)] and parsed_here == [edited]
    assert next(file for file in loaded if file.paper.slug == edited.stem).paper.body.endswith("One more line.")
    assert threading.active_count() == threads  # the workers parsing ahead have ended, none are left


def test_papers_parsed_ahead_are_not_taken_once_the_folder_changed(tmp_path, request, monkeypatch):
    from generator.content import papers

    project = cold_project(tmp_path)
    runs = request.getfixturevalue("forks")
    monkeypatch.setattr(papers, "PARSE_AHEAD_FROM", 1)
    papers.parse_ahead(project)
    removed = sorted(project.papers.glob("*.md"))[3]
    removed.unlink()
    loaded, errors = papers.load_paper_files(project)
    assert errors == [] and removed.stem not in {file.paper.slug for file in loaded}
    assert runs == [len(loaded) + 1, len(loaded)]  # parsed again, every file, by new workers


def test_a_cold_build_parses_ahead_and_a_warm_one_does_not(tmp_path, monkeypatch, request):
    from generator import cli
    from generator.content import papers

    project = cold_project(tmp_path)
    parse_ahead, asked = papers.parse_ahead, []
    monkeypatch.setattr(papers, "parse_ahead", lambda project: asked.append(project.root))
    assert cli.main(["--project", str(project.root), "build"]) == 0
    assert asked == [project.root]
    runs = request.getfixturevalue("forks")
    monkeypatch.setattr(papers, "PARSE_AHEAD_FROM", 1)
    parse_ahead(project)  # the cache the build wrote knows every paper
    assert runs == []
    shutil.rmtree(project.cache_dir)
    parse_ahead(project)
    assert runs == [len(list(project.papers.glob("*.md")))]
    papers._parsing_ahead.pop(project.papers)[1].close()


def test_an_older_generators_cache_is_parsed_ahead_and_check_parses_on_the_workers(tmp_path, monkeypatch, request):
    """After an upgrade the paper cache is an older generator's, which this one never reads: every
    paper is parsed again, on the workers, as without a cache. `digest check` parsed them all in
    its own process: its digests' workers had started first."""
    from generator import cli
    from generator.content import papers
    from generator.content.check import check_content

    project = cold_project(tmp_path)
    assert cli.main(["--project", str(project.root), "build"]) == 0
    cache_file = project.cache_dir / papers.CACHE_FILE
    older = cache_file.read_bytes().replace(b'"version":"paper files/', b'"version":"paper files/0', 1)
    runs = request.getfixturevalue("forks")
    monkeypatch.setattr(papers, "PARSE_AHEAD_FROM", 1)
    papers.PaperCache._open.clear()
    papers.parse_ahead(project)
    assert runs == []  # the build's cache is this generator's
    cache_file.write_bytes(older)
    papers.parse_ahead(project)
    assert runs == [len(list(project.papers.glob("*.md")))]
    papers._parsing_ahead.pop(project.papers)[1].close()

    cache_file.write_bytes(older)
    papers.PaperCache._open.clear()
    parse_here, parsed_here = papers._parsed_file, []
    monkeypatch.setattr(papers, "_parsed_file", lambda file_shown: parsed_here.append(file_shown[0]) or parse_here(file_shown))
    report = check_content(project)
    assert report.errors == [] and report.papers == len(list(project.papers.glob("*.md")))
    assert parsed_here == []  # every paper parsed by a worker


def test_digests_read_by_the_workers_give_the_serial_drafts_errors_and_hashes(tmp_path, request):
    digests = tmp_path / "digests"
    digests.mkdir()
    for digest in PAGE_COPIES + API_DAYS:
        (digests / digest.name).write_bytes(digest.read_bytes())
    (digests / "2025-01-01.txt").write_bytes(b"\xff not UTF-8")
    (digests / "2025-01-02.json").write_text("{not json")
    (digests / "2025-01-03.txt").mkdir()
    paths = sorted(digests.iterdir())

    def read():
        hashes = {}
        return catalog.read_digests(paths, hashes), hashes

    serial = read()
    runs = request.getfixturevalue("forks")
    parallel = read()
    assert runs == [len(paths)]
    (drafts, errors), hashes = serial
    assert len(drafts) > 30 and {draft.digest for draft in drafts} >= {path.name for path in PAGE_COPIES}
    assert [Path(error.path).name for error in errors] == ["2025-01-01.txt", "2025-01-02.json", "2025-01-03.txt"]
    assert len(hashes) == len(paths) - 1  # all but the folder
    assert parallel == serial


@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_check_reports_what_the_serial_check_reports_with_the_digests_or_papers_on_workers(tmp_path, monkeypatch,
                                                                                          forks, cache):
    """`digest check` reads the digests and the paper files side by side: the paper files parse on
    workers without a paper cache, the digests are read on workers with one."""
    project = Project.at(make_project(tmp_path, [SEED]))
    run_ingest(project)
    for digest in PAGE_COPIES:
        (project.digests / digest.name).write_bytes(digest.read_bytes())
    (project.digests / "2025-08-30.txt").write_text("Aug 30\n\nLonely title\n", encoding="utf-8")
    paper = next(project.papers.glob("*.md"))
    paper.write_text(paper.read_text(encoding="utf-8").replace("\ntopics: [", "\ntopics: [no-such-topic, "), encoding="utf-8")
    monkeypatch.setattr(papers_module, "PARSE_AHEAD_FROM", 1)

    started_first = []  # what was read on workers when the paper files' load began
    real_load = check.load_paper_files

    def load_paper_files(project):
        started_first.append(list(forks))
        return real_load(project)

    monkeypatch.setattr(check, "load_paper_files", load_paper_files)

    def checked():
        if cache == "cold":
            (project.cache_dir / papers_module.CACHE_FILE).unlink(missing_ok=True)
        report = check.check_content(project)
        return [str(error) for error in report.errors], [str(notice) for notice in report.notices]

    with monkeypatch.context() as one_core:
        one_core.setattr(workers, "worker_count", lambda: 1)
        serial = checked()
    forks.clear()
    assert checked() == serial
    assert any("2025-08-30.txt:3: title 'Lonely title' has no abstract" in error for error in serial[0])
    assert any("unknown topic 'no-such-topic'" in error for error in serial[0])
    read_on_workers = len(list(project.papers.glob("*.md"))) if cache == "cold" else len(catalog.digest_paths(project))
    assert forks == started_first[-1] == [read_on_workers]


def test_retopic_on_the_workers_writes_what_the_serial_retopic_writes(tmp_path, monkeypatch, forks):
    from generator.ingest import curate

    outcomes = []
    for name, cores in (("serial", 1), ("parallel", 2)):
        project = Project.at(make_project(tmp_path / name, [SEED, *PAGE_COPIES]))
        run_ingest(project)
        project.taxonomy_file.write_text("fallback: other\ntopics:\n"
                                         "  - {slug: agents, name: Agents, description: d, keywords: [agent]}\n"
                                         "  - {slug: vision, name: Vision, description: d, keywords: [image, video]}\n"
                                         "  - {slug: other, name: Other, description: d}\n", encoding="utf-8")
        by_hand = sorted(project.papers.glob("*.md"))[0]  # a person chose its topics: left alone
        by_hand.write_text(re.sub(r"\ntopics: .*\n", "\ntopics: [vision]\n", by_hand.read_text(encoding="utf-8")),
                           encoding="utf-8")
        forks.clear()
        with monkeypatch.context() as cores_only:
            cores_only.setattr(workers, "worker_count", lambda cores=cores: cores)
            changed = curate.retopic(project)
        outcomes.append(([path.name for path in changed], snapshot(project.content), list(forks)))
    (serial_changed, serial_content, serial_runs), (changed, content, runs) = outcomes
    assert len(changed) > 5 and changed == serial_changed and content == serial_content
    papers = papers_module.load_papers(project)[0]
    ruled = [paper for paper in papers if paper.topics == paper.rule_topics]
    assert serial_runs == [] and runs[-1] == len(ruled) < len(papers)  # the last run scored the ruled papers
