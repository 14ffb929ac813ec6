"""Nothing outside the project is published or loaded: configured folders, themes, links, images."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generator.build.builder import build_site
from generator.config import load_config
from generator.content.markdown import render_markdown
from generator.errors import BuildFailed
from tests.helpers import FIXTURES, digest_cli, make_project, snapshot


def config_errors(project: Path, text: str) -> list[str]:
    path = project / "content" / "site.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return [str(error) for error in load_config(path)[1]]


@pytest.mark.parametrize("key", ["static_dir", "templates_dir"])
@pytest.mark.parametrize("value", ["/tmp/secret", "../outside", "static/../../x", ".", ".git"])
def test_a_folder_outside_the_project_is_refused_at_its_line(tmp_path: Path, key: str, value: str) -> None:
    errors = config_errors(tmp_path, f"title: T\n{key}: '{value}'\n")
    example = {"static_dir": "static", "templates_dir": "templates"}[key]  # its own default, not the other's
    assert len(errors) == 1 and errors[0].endswith(f"site.yaml:2: '{key}' must be a folder inside the project, "
                                                   f"such as {example!r}, not {value!r}")


def test_a_folder_linking_out_of_the_project_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret"
    outside.mkdir()
    project = tmp_path / "project"
    (project / "content").mkdir(parents=True)
    (project / "assets").symlink_to(outside)
    errors = config_errors(project, "static_dir: assets\n")
    assert len(errors) == 1 and "site.yaml:1: 'static_dir' leads outside the project through a symbolic link" in errors[0]


@pytest.mark.parametrize("value", ["../../etc", "/tmp/theme", "a/b", ".hidden"])
def test_a_theme_must_be_a_folder_name(tmp_path: Path, value: str) -> None:
    errors = config_errors(tmp_path, f"theme: '{value}'\n")
    assert len(errors) == 1 and "site.yaml:1: 'theme' must be the name of a folder under themes/" in errors[0]


@pytest.mark.parametrize("value", ["https://x.org\\nDisallow: /", "https://x.org/a b", "https://", "http:///path",
                                   "https://x.org\\t", "https://[::1"])
def test_base_url_must_be_one_http_address_with_a_host(tmp_path: Path, value: str) -> None:
    errors = config_errors(tmp_path, f'title: T\nbase_url: "{value}"\n')
    assert len(errors) == 1 and "site.yaml:2: 'base_url' must" in errors[0]


@pytest.mark.parametrize("value", ["https://example.org?x=1#f", "https://example.org/#top", "https://example.org:99999",
                                   "https://user:pw@example.org", "https://example.org\\\\"])
def test_base_url_must_be_the_bare_address_every_page_address_extends(tmp_path: Path, value: str) -> None:
    errors = config_errors(tmp_path, f'title: T\nbase_url: "{value}"\n')
    assert len(errors) == 1 and "site.yaml:2: 'base_url' must" in errors[0], errors


def test_base_url_with_a_port_and_path_is_fine(tmp_path: Path) -> None:
    assert config_errors(tmp_path, "base_url: https://x.org:8443/digest/\n") == []


def test_a_private_key_outside_the_project_is_never_published(golden_project: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "id_ed25519").write_text("PRIVATE KEY")
    with (golden_project / "content" / "site.yaml").open("a") as config:
        config.write(f"static_dir: {secret}\n")
    with pytest.raises(BuildFailed) as failure:
        build_site(golden_project)
    assert any("site.yaml:6: 'static_dir'" in str(error) for error in failure.value.errors)
    assert not (golden_project / "site").exists()


def test_a_project_theme_linking_elsewhere_is_refused(golden_project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "templates").mkdir(parents=True)
    (golden_project / "themes").mkdir()
    (golden_project / "themes" / "linked").symlink_to(elsewhere)
    with (golden_project / "content" / "site.yaml").open("a") as config:
        config.write("theme: linked\n")
    with pytest.raises(BuildFailed) as failure:
        build_site(golden_project)
    assert any("theme 'linked' leads outside the themes folders" in str(error) for error in failure.value.errors)


def test_a_static_file_linking_out_of_its_folder_is_refused(golden_project: Path, tmp_path: Path) -> None:
    (tmp_path / "key").write_text("PRIVATE KEY")
    (golden_project / "static").mkdir()
    (golden_project / "static" / "key.txt").symlink_to(tmp_path / "key")
    with pytest.raises(BuildFailed) as failure:
        build_site(golden_project)
    assert len(failure.value.errors) == 1
    assert str(failure.value.errors[0]).split(" out of ")[0].endswith("static/key.txt: a symbolic link")
    assert not (golden_project / "site").exists()


@pytest.mark.parametrize("folder, name", [("static", "key.txt"), ("templates", "paper.html")])
def test_check_refuses_a_theme_file_linking_out_as_the_build_does(golden_project: Path, tmp_path: Path,
                                                                  folder: str, name: str) -> None:
    (tmp_path / "key").write_text("PRIVATE KEY")
    (golden_project / folder).mkdir()
    (golden_project / folder / name).symlink_to(tmp_path / "key")
    result = digest_cli(golden_project, "check")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{folder}/{name}: a symbolic link out of {folder}: " in result.stderr


SECRET = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI"


def test_a_digest_linking_out_of_the_project_is_neither_published_nor_quoted(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text(f"Aug 18, 2025\n\n{SECRET}\n\nThe build machine's private notes.\n")
    project = make_project(tmp_path)
    (project / "content" / "digests" / "2025-08-19.txt").symlink_to(tmp_path / "secret.txt")
    before = snapshot(project)
    result = digest_cli(project, "build")
    assert result.returncode == 1
    assert result.stderr.startswith("content/digests/2025-08-19.txt: is a symbolic link to ")
    assert "outside the project" in result.stderr and SECRET not in result.stdout + result.stderr
    assert snapshot(project) == before and not (project / "site").exists()


def test_a_paper_file_linking_out_of_the_project_is_refused_by_every_load(golden_project: Path,
                                                                        tmp_path: Path) -> None:
    papers = golden_project / "content" / "papers"
    paper = sorted(papers.iterdir())[0]
    (tmp_path / paper.name).write_bytes(paper.read_bytes())
    paper.unlink()
    paper.symlink_to(tmp_path / paper.name)
    result = digest_cli(golden_project, "check")
    assert result.returncode == 1
    assert f"content/papers/{paper.name}: is a symbolic link to {tmp_path / paper.name}, outside" in result.stderr
    with pytest.raises(BuildFailed) as failure:  # the library's build too, which the preview runs
        build_site(golden_project)
    assert "outside the project" in str(failure.value)


def test_ingest_writes_nothing_into_a_papers_folder_linking_out(tmp_path: Path) -> None:
    project = make_project(tmp_path, [FIXTURES / "hf-api" / "2025-08-18.json"])
    (tmp_path / "elsewhere").mkdir()
    (project / "content" / "papers").symlink_to(tmp_path / "elsewhere")
    result = digest_cli(project, "ingest")
    assert result.returncode == 1 and result.stderr.startswith("content/papers: is a symbolic link to ")
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_a_link_staying_inside_the_project_is_read(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / "saved").mkdir()
    shutil.copy(FIXTURES / "hf-api" / "2025-08-18.json", project / "saved" / "2025-08-18.json")
    (project / "content" / "digests" / "2025-08-18.json").symlink_to(Path("../../saved/2025-08-18.json"))
    result = digest_cli(project, "ingest")
    assert result.returncode == 0, result.stderr
    assert list((project / "content" / "papers").glob("*.md"))


def test_odd_files_in_static_and_templates_are_skipped_or_reported(golden_project: Path) -> None:
    static, templates = golden_project / "static", golden_project / "templates"
    static.mkdir()
    templates.mkdir()
    os.mkfifo(static / "pipe.css")  # opened, it would block the build forever
    (static / "gone.css").symlink_to(static / "missing.css")
    (static / ".#style.css").symlink_to("user@host.123")  # an editor's lock file
    (static / "folder").mkdir()
    (templates / ".#base.html").symlink_to("user@host.123")
    build_site(golden_project)
    published = snapshot(golden_project / "site")
    static_names = {name.split("/")[-1].split(".")[0] for name in published if name.startswith("static/")}
    assert static_names.isdisjoint({"pipe", "gone", "", "folder"})


def test_a_template_that_is_not_utf8_or_a_fifo_is_reported(golden_project: Path) -> None:
    templates = golden_project / "templates"
    templates.mkdir()
    (templates / "paper.html").write_bytes(b"{% extends 'base.html' %}\n\xff\n")
    os.mkfifo(templates / "home.html")
    with pytest.raises(BuildFailed) as failure:
        build_site(golden_project)
    messages = sorted(str(error) for error in failure.value.errors)
    assert any(message.endswith("templates/home.html: not a regular file (a broken link, a FIFO or a socket) "
                                "(replace it by a template file or delete it)") for message in messages)
    assert any("templates/paper.html:2: not UTF-8 text" in message for message in messages)


def test_images_in_a_body_become_plain_links() -> None:
    html = render_markdown("See ![pixel](https://evil.example/pixel.png) and ![ref][r].\n\n"
                           "[r]: https://evil.example/2.png\n")
    assert "<img" not in html
    assert '<a href="https://evil.example/pixel.png">pixel</a>' in html
