"""The README's folder map of generator/ names every module there is, and only those."""
import re

from tests.helpers import ROOT

GENERATOR = ROOT / "generator"


def readme_map() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("```\ngenerator/\n")
    return readme[start:readme.index("```", start + 3)]


def test_every_module_is_on_the_map_and_every_name_on_it_exists():
    folder_map = readme_map()
    named = set(re.findall(r"([a-z_]+\.(?:py|js))", folder_map))
    modules = {path.name for path in GENERATOR.glob("*/*.*") if path.suffix in (".py", ".js")}
    modules |= {path.name for path in GENERATOR.glob("*.py")}
    modules -= {"__init__.py", "__main__.py"}
    assert sorted(modules - named) == [], "modules missing from the README's map"
    assert sorted(named - modules) == [], "names on the README's map that are not modules"
    folders = {path.name for path in GENERATOR.iterdir() if path.is_dir() and not path.name.startswith("__")}
    folders |= {path.name for path in GENERATOR.glob("*/*")
                if path.is_dir() and not path.name.startswith("__") and not path.parent.name.startswith("__")}
    assert all(f"{folder}/" in folder_map for folder in folders - {"themes"})
