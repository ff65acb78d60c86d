"""The corpus of broken definitions: every case names the exact problems.

Each folder under `invalid/` is one case: one or more pack folders (each with
its pack.yaml) holding broken YAML, and `expected.txt` with every line the
loader must report, in order, as `path:line:col: message. Hint: ...` with
paths relative to the case folder. A case is loaded the way `officina
validate PACK...` loads pack folders: the packs are found with `Catalog`,
turned into layers by `site_layers` (dependencies first) and checked by
`load`.

`expected.txt` always holds what the message *should* be. Where the engine
says something else today, the case is listed in `KNOWN_PROBLEMS` with the
reason; those cases are strict xfails, so fixing the engine makes them pass
loudly and the entry must then be removed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from officina.definitions import load
from officina.errors import DefinitionErrors
from officina.packs.catalog import Catalog
from officina.site import site_layers

CORPUS = Path(__file__).parent / "invalid"
CASES = sorted(path.name for path in CORPUS.iterdir() if path.is_dir())

# Cases whose message is known to be wrong, mapped to the reason. They are
# strict xfails: when the engine is fixed they pass loudly and must leave.
KNOWN_PROBLEMS: dict[str, str] = {}


def test_corpus_is_large_enough():
    assert len(CASES) >= 50
    assert set(KNOWN_PROBLEMS) <= set(CASES), set(KNOWN_PROBLEMS) - set(CASES)


def reported(case: Path) -> list[str]:
    """Every problem the loader reports for the packs in `case`, as text."""
    catalog = Catalog([case])
    layers, problems = site_layers(None, catalog, list(catalog.packs.values()))
    try:
        if problems:
            raise DefinitionErrors(problems)
        load(layers)
    except DefinitionErrors as errors:
        return [str(problem) for problem in errors]
    return []


def _param(name: str):
    marks = ()
    if name in KNOWN_PROBLEMS:
        marks = pytest.mark.xfail(reason=KNOWN_PROBLEMS[name], strict=True)
    return pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", [_param(name) for name in CASES])
def test_broken_definition(name, monkeypatch):
    case = CORPUS / name
    expected = (case / "expected.txt").read_text("utf-8").splitlines()
    assert expected, f"{name}: expected.txt is empty"
    # Problems show paths relative to the working folder: the case folder.
    monkeypatch.chdir(case)
    assert reported(case) == expected
