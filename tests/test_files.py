"""generator/files.py: paths that stay inside the site, atomic writes, listings, the racy-clean rule."""
import os
import time

import pytest

from generator.files import (
    UnsafePath,
    is_racy,
    list_files,
    resolve_inside,
    safe_parts,
    write_file_atomic,
    write_new_file,
)


def test_site_paths_split_into_their_parts():
    assert safe_parts("papers/x/index.html") == ["papers", "x", "index.html"]
    assert safe_parts("feed.xml") == ["feed.xml"]


@pytest.mark.parametrize("relative", [
    "../outside.html", "papers/../../outside.html", "papers/..", "/etc/passwd", "papers//x", "./index.html",
    "papers/./x", "papers\\..\\x", "", "papers/",
])
def test_paths_that_could_leave_the_site_are_refused(relative, tmp_path):
    with pytest.raises(UnsafePath):
        safe_parts(relative)
    with pytest.raises(UnsafePath):
        write_file_atomic(tmp_path / "site", relative, b"x")
    assert not (tmp_path / "outside.html").exists()


def test_resolve_inside_stays_under_the_root(tmp_path):
    assert resolve_inside(tmp_path, "a/b.txt") == tmp_path / "a" / "b.txt"


def test_atomic_write_replaces_the_file_readable_by_all_and_leaves_no_temporary(tmp_path):
    write_file_atomic(tmp_path, "papers/x/index.html", b"first")
    write_file_atomic(tmp_path, "papers/x/index.html", b"second")
    target = tmp_path / "papers" / "x" / "index.html"
    assert target.read_bytes() == b"second"
    assert target.stat().st_mode & 0o777 == 0o644
    assert sorted(path.name for path in target.parent.iterdir()) == ["index.html"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    write_file_atomic(tmp_path, "a.txt", b"old")

    def broken_replace(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_file_atomic(tmp_path, "a.txt", b"new")
    assert (tmp_path / "a.txt").read_bytes() == b"old"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.txt"]


def test_list_files_gives_every_file_by_its_path_with_size_and_mtime(tmp_path):
    (tmp_path / "papers" / "x").mkdir(parents=True)
    (tmp_path / "papers" / "x" / "index.html").write_bytes(b"12345")
    (tmp_path / "index.html").write_bytes(b"1")
    (tmp_path / "empty").mkdir()
    listing = list_files(tmp_path)
    assert sorted(listing) == ["index.html", "papers/x/index.html"]
    stat = (tmp_path / "papers" / "x" / "index.html").stat()
    assert listing["papers/x/index.html"] == (5, stat.st_mtime_ns)


def test_list_files_does_not_follow_a_symlinked_folder(tmp_path):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("x")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "link").symlink_to(tmp_path / "outside")
    assert list(list_files(tmp_path / "site")) == ["link"]


def test_a_file_changed_in_the_last_two_seconds_is_racy():
    now = time.time_ns()
    assert is_racy(now) and is_racy(now - 1_900_000_000)
    assert not is_racy(now - 2_100_000_000)



PAGE = b"<p>a page</p>" * 50


@pytest.mark.parametrize("data", [lambda: PAGE, lambda: (PAGE[:9], PAGE[9:]), lambda: iter([PAGE[:9], PAGE[9:]])],
                         ids=["bytes", "a page's parts", "a stream"])
def test_a_new_file_holds_all_its_data_however_little_each_write_takes(tmp_path, monkeypatch, data):
    """A write may take fewer bytes than it is given (a signal, a full disk's last blocks): the rest follows."""
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda descriptor, view: real_write(descriptor, bytes(view)[:7]))
    path = tmp_path / "page.html"
    path.write_bytes(b"an older, longer page" * 100)
    write_new_file(str(path), data())
    assert path.read_bytes() == PAGE
