"""The README's Records section tells the truth: its example is a real record, and its field
table names every field once, with the required ones said to be required."""

from __future__ import annotations

import re

import yaml
from tests.helpers import REPO

from bufferlit.model import FIELD_ORDER, REQUIRED_FIELDS

README = (REPO / "README.md").read_text(encoding="utf-8")
RECORDS = README.split("## Records", 1)[1].split("\n## ", 1)[0]


def test_the_example_record_is_a_real_record_cut_short():
    example_text = re.findall(r"```yaml\n(.*?)```", RECORDS, re.S)[0]  # the first: a record
    example = yaml.safe_load(example_text)
    real_text = (REPO / "papers" / f"{example['id']}.yaml").read_text(encoding="utf-8")
    real = yaml.safe_load(real_text)
    assert example_text.splitlines()[0] == real_text.splitlines()[0]  # the schema line
    assert list(example) == list(real)  # the same fields, in the same order
    assert {k: v for k, v in example.items() if k != "abstract"} == {
        k: v for k, v in real.items() if k != "abstract"
    }
    shown = example["abstract"].removesuffix("...").strip()
    assert real["abstract"].startswith(shown) and len(shown) > 100


def test_the_field_table_names_every_field_once():
    rows = re.findall(r"^\| (`.*?) \|", RECORDS, re.M)
    named = [name for row in rows for name in re.findall(r"`(\w+)`", row)]
    assert sorted(named) == sorted(FIELD_ORDER)
    required = {
        name
        for row in re.findall(r"^\| (`.*)$", RECORDS, re.M)
        if "required" in row.casefold()
        for name in re.findall(r"`(\w+)`", row.split(" | ")[0])
    }
    assert required == set(REQUIRED_FIELDS)
