"""The README's grep recipes, run as written on the committed records, find exactly the papers
the built site's catalogue facets show (secondary types and curated labels included)."""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

import pytest
from tests.helpers import catalogue_facets

from .conftest import HOSTILE_ID, REPO

MARKER = "<!-- recipes:"
FACET_COUNT = re.compile(
    r'name="(\w+)" value="([^"]*)">\s*<label [^>]*><span class="bl-facet__name">[^<]*</span>'
    r' <span class="bl-count" data-bl-count>(\d+)</span>'
)
# The README's recipes in order: (facet key, the value its example greps for, primary only).
RECIPES = [
    ("buffer_type", "replay", False),
    ("buffer_type", "replay", True),
    ("stance", "avoids", False),
    ("domain", "llm-agents", False),
]


def readme_recipes() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text[text.index(MARKER) :].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def grep(recipe: str) -> set[str]:
    """The ids of the records a recipe lists, run by the shell in the repository as written."""
    result = subprocess.run(
        ["sh", "-c", recipe], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode in (0, 1) and not result.stderr, result.stderr  # 1: no match
    return {Path(line).stem for line in result.stdout.splitlines()}


class Catalogue:
    """The built catalogue page: each facet value's papers and its shown count."""

    def __init__(self, site: Path) -> None:
        page = (site / "catalogue" / "index.html").read_text(encoding="utf-8")
        # The facet index the catalogue script filters with (fetched by the page).
        data = json.loads((site / "catalogue" / "data.json").read_text(encoding="utf-8"))
        assert len(data["ids"]) > 0
        self.members: dict[tuple[str, str], set[str]] = {}
        self.primary: dict[str, set[str]] = {}
        for paper_id, facets in catalogue_facets(data).items():
            for key, values in facets.items():
                for value in values:
                    self.members.setdefault((key, value), set()).add(paper_id)
                if key == "buffer_type":
                    self.primary.setdefault(values[0], set()).add(paper_id)
        self.values = dict(zip(data["keys"], data["values"], strict=True))
        self.counts = {
            (key, html.unescape(value)): int(count)
            for key, value, count in FACET_COUNT.findall(page)
        }


@pytest.fixture(scope="module")
def catalogue(built_site: tuple[Path, Path]) -> Catalogue:
    return Catalogue(built_site[0])


def test_readme_has_the_four_recipes() -> None:
    recipes = readme_recipes()
    assert len(recipes) == len(RECIPES)
    for recipe, (_, example, _) in zip(recipes, RECIPES, strict=True):
        assert recipe.startswith("grep ") and recipe.endswith(" papers/*.yaml")
        assert recipe.count(example) == 1, recipe


@pytest.mark.parametrize("number", range(len(RECIPES)))
def test_each_recipe_as_written_finds_the_facets_papers(catalogue: Catalogue, number: int) -> None:
    key, example, primary = RECIPES[number]
    recipe = readme_recipes()[number]
    # The built site also holds the hostile test record, which is not in the committed papers/.
    shown = catalogue.primary[example] if primary else catalogue.members[(key, example)]
    found = grep(recipe)
    assert found == shown - {HOSTILE_ID}, recipe
    if not primary:
        assert len(found) == catalogue.counts[(key, example)] - (HOSTILE_ID in shown)


@pytest.mark.parametrize("number", range(len(RECIPES)))
def test_each_recipe_finds_every_value_of_its_facet(catalogue: Catalogue, number: int) -> None:
    key, example, primary = RECIPES[number]
    recipe = readme_recipes()[number]
    for value in catalogue.values[key]:
        found = grep(recipe.replace(example, value))
        shown = catalogue.primary.get(value, set()) if primary else catalogue.members[(key, value)]
        assert found == shown - {HOSTILE_ID}, (recipe, value)
        if not primary:
            assert len(found) == catalogue.counts[(key, value)] - (HOSTILE_ID in shown)


def test_the_type_recipe_counts_secondary_types_like_the_facet(catalogue: Catalogue) -> None:
    """Anywhere in its types vs primary: the two recipes differ exactly where the facet counts a
    secondary type (papers whose curated or tagged types list it after another)."""
    anywhere, primary = readme_recipes()[:2]
    for value in catalogue.values["buffer_type"]:
        secondary = grep(anywhere.replace("replay", value)) - grep(primary.replace("replay", value))
        expected = catalogue.members[("buffer_type", value)] - catalogue.primary.get(value, set())
        assert secondary == expected - {HOSTILE_ID}, value
