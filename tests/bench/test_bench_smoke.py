"""The benchmark's generator still writes valid definitions (no timing here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from officina.definitions import Definitions, load

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "load_definitions.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_load_definitions", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_a_small_generated_set_loads_without_problems(bench, tmp_path):
    files = bench.generate_definitions(5)
    layers = bench.pack_layers(bench.write_pack(tmp_path, files))
    definitions = load(layers)  # DefinitionErrors here means the generator rotted
    assert isinstance(definitions, Definitions)
    names = [bench.entity_name(i) for i in range(5)]
    assert set(definitions.entities) == {*names, *(f"{n}_line" for n in names)}
    for index, name in enumerate(names):
        entity = definitions.entities[name]
        assert len(entity.workflow.states) == 5
        assert all(
            t.when is not None
            for n, t in entity.workflow.transitions.items()
            if n != "reject"
        )
        assert len(entity.rules) == 3
        assert entity.fields["total"].formula is not None
        assert entity.fields["lines"].of == f"{name}_line"
        if index:
            assert entity.fields["previous"].to == names[index - 1]
        assert len(entity.fields) >= 10
    assert set(definitions.views) == {f"{n}_open" for n in names}
    assert bench.ROLE in definitions.roles


def test_the_generator_sizes_scale_with_the_count(bench):
    small, large = bench.generate_definitions(3), bench.generate_definitions(30)
    entity_files = [path for path in large if path.startswith("entities/")]
    assert len(entity_files) == 30
    assert len(large["views.yaml"]) > len(small["views.yaml"])
    assert "views.yaml" not in bench.generate_definitions(3, views=False)


def test_the_script_runs_on_tiny_sizes(bench, capsys):
    assert (
        bench.main(["--repeat", "1", "--synthetic-repeat", "1", "--sizes", "1,2"]) == 0
    )
    output = capsys.readouterr().out
    assert "(a) prebuilt packs" in output
    assert "per-entity time at 2 business entities / at 1" in output
