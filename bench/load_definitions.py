"""How long loading definitions takes, and whether it grows linearly.

Usage: python bench/load_definitions.py [--repeat N] [--synthetic-repeat N]
                                        [--sizes 25,50,100,200,300]

(a) loads the prebuilt packs under definitions/ (all of them together, then
    each with its dependencies) N times and prints the median and the minimum;
(b) generates valid synthetic definition sets of 25, 50, 100, 200 and 300
    business entities (each with ~12 fields of several types, a reference to
    the previous entity, a child table of line rows with a formula aggregate,
    choices, a 5-state workflow with guarded transitions, 3 rules with
    conditions and several actions, a list view; plus one role), writes each
    as a pack into a temporary folder, times loading it, and prints the time
    per entity and the ratio of that at the largest size to the smallest
    (linear growth keeps the ratio near 1).

A benchmark, not a test: it prints numbers and asserts only that the
generated sets load. tests/bench/test_bench_smoke.py keeps the generator
from rotting. Standard library and officina only.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from officina.definitions import Definitions, Layer, load
from officina.errors import DefinitionErrors, Location
from officina.packs.catalog import Catalog, read_manifest
from officina.packs.resolve import dependency_closure, resolve

REPOSITORY = Path(__file__).resolve().parent.parent
PACKS = REPOSITORY / "definitions"
SIZES = (25, 50, 100, 200, 300)
ROLE = "bench_manager"


# -- the generator -----------------------------------------------------------------
def entity_name(index: int) -> str:
    return f"rec_{index:03d}"


def _entity_documents(index: int) -> str:
    """One business entity and the entity of its line rows, as YAML text."""
    name = entity_name(index)
    line = f"{name}_line"
    previous = ""
    create_previous = ""
    if index > 0:
        before = entity_name(index - 1)
        previous = (
            f"  previous: {{type: reference, to: {before}, on_delete: set_null}}\n"
            "  previous_total: {type: money, copy_from: previous.total}\n"
        )
        create_previous = (
            f"      - create: {{entity: {before}, values: "
            '{name: "=name", quantity: 1}}\n'
        )
    return (
        textwrap.dedent(
            f"""\
            entity: {line}
            label: {{en: Line of record {index}, zh: 明细 {index}}}
            fields:
              item: {{type: string, required: true, max_length: 80}}
              qty: {{type: integer, min: 1, default: 1}}
              unit_price: {{type: money, currency: USD, min: 0}}
              amount: {{type: money, formula: "qty * unit_price"}}
            ---
            entity: {name}
            label: Record {index}
            number: "R{index:03d}-{{YYYY}}-{{#####}}"
            fields:
              name: {{type: string, required: true, max_length: 120}}
              description: text
              quantity: {{type: integer, min: 0, default: 0}}
              price: {{type: money, currency: USD}}
              due_date: date
              urgent: {{type: boolean, default: false}}
              contact: email
              priority:
                type: choice
                options:
                  low: {{label: Low, color: gray}}
                  normal: {{label: Normal, color: blue}}
                  high: {{label: High, color: red}}
                default: normal
              tags: {{type: multi_choice, options: [alpha, beta, gamma]}}
              lines: {{type: table, of: {line}}}
              total: {{type: money, formula: "sum(lines.amount)"}}
            """
        )
        + previous
        + textwrap.dedent(
            f"""\
            search: [name]
            indexes: [[priority, due_date]]
            workflow:
              initial: new
              states:
                new: {{color: gray}}
                review: {{sla: 2d, on_breach: [{{notify: {{roles: [{ROLE}], message: "{{{{ number }}}} waits"}}}}]}}
                approved: {{color: green}}
                done: {{final: true}}
                rejected: {{final: true, color: red}}
              transitions:
                submit: {{from: new, to: review, when: "quantity > 0", requires: [name]}}
                approve: {{from: review, to: approved, roles: [{ROLE}], when: "total >= 0 and priority != 'low'"}}
                reject: {{from: [new, review], to: rejected, comment: required}}
                finish: {{from: approved, to: done, when: "not urgent or priority == 'high'"}}
            rules:
              flag_urgent:
                on: saved
                when: "priority == 'high' and quantity > 10"
                do:
                  - set: {{urgent: true}}
                  - notify: {{roles: [{ROLE}], message: "{{{{ name }}}} is urgent"}}
              auto_submit:
                on: created
                when: "quantity > 0 and name"
                do:
                  - transition: submit
                  - webhook: {{url: "https://example.com/hooks/{{{{ number }}}}", body: {{total: "{{{{ total }}}}"}}}}
              on_approved:
                on: {{entered: approved}}
                when: "total > 100"
                do:
                  - send_email: {{to: "{{{{ contact }}}}", subject: "{{{{ number }}}} approved", body: "Total {{{{ total }}}}"}}
                  - set: {{description: "approved at {{{{ now() }}}}"}}
            """  # noqa: E501
        )
        + create_previous
    )


def _view(index: int) -> str:
    name = entity_name(index)
    return textwrap.dedent(
        f"""\
        view: {name}_open
        entity: {name}
        columns: [number, name, status, priority, total]
        filters: {{status: {{in: [new, review]}}, total: {{gte: 0}}}}
        sort: [-created_at]
        """
    )


def _role(count: int) -> str:
    permissions = "".join(
        f"  {entity_name(i)}: {{read: true, create: true, update: true, "
        "transitions: [submit, approve], fields: {price: read_only}}\n"
        f"  {entity_name(i)}_line: all\n"
        for i in range(count)
    )
    return f"role: {ROLE}\nlabel: Bench manager\npermissions:\n{permissions}"


def generate_definitions(count: int, *, views: bool = True) -> dict[str, str]:
    """A valid definition set of `count` business entities (each with its own
    line entity, so 2 * count entity documents): {relative path: YAML text}.

    `views=False` leaves out the list views (one per entity).
    """
    files = {
        f"entities/{entity_name(i)}.yaml": _entity_documents(i) for i in range(count)
    }
    files["roles.yaml"] = _role(count)
    if views:
        files["views.yaml"] = "---\n".join(_view(i) for i in range(count))
    return files


def write_pack(root: Path, files: dict[str, str], name: str = "bench") -> Path:
    """The files as a pack folder `root/name` with its pack.yaml."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text(
        f"name: {name}\nversion: 1.0.0\ntitle: Benchmark\n", "utf-8"
    )
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return folder


def pack_layers(folder: Path) -> list[Layer]:
    source, problems = read_manifest(folder)
    if problems:
        raise DefinitionErrors(problems)
    return [
        Layer(
            name=source.info.name,
            files=tuple(source.files()),
            info=source.info,
            template_folders=(folder / "templates",),
        )
    ]


# -- timing ----------------------------------------------------------------------
def timed(function: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    times = []
    outcome = None
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            outcome = function()
        except DefinitionErrors as errors:
            outcome = errors
        times.append(time.perf_counter() - started)
    return times, outcome


def describe(outcome) -> str:
    if isinstance(outcome, Definitions):
        return f"{len(outcome.entities)} entities"
    if isinstance(outcome, DefinitionErrors):
        return f"DOES NOT LOAD: {len(outcome)} problems, first: {outcome.problems[0]}"
    return repr(outcome)


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms"


def bench_prebuilt(repeat: int) -> None:
    print(f"(a) prebuilt packs in {PACKS} (repeat {repeat})")
    catalog = Catalog([PACKS])
    if not catalog.packs:
        why = "no packs yet" if PACKS.is_dir() else "the folder does not exist"
        print(f"    nothing to load: {why}")
        for problem in catalog.problems:
            print(f"    {problem}")
        return
    for problem in catalog.problems:
        print(f"    catalog problem: {problem}")
    sets = {"all packs": sorted(catalog.packs)}
    if len(catalog.packs) > 1:
        sets.update({name: [name] for name in sorted(catalog.packs)})
    print(f"    {'set':<24}{'median':>12}{'min':>12}  outcome")
    for label, names in sets.items():
        requested = {name: ("*", Location(str(PACKS / name))) for name in names}
        sources, problems = resolve(requested, catalog)
        if problems:
            print(f"    {label:<24} cannot resolve: {problems[0]}")
            continue
        closure = dependency_closure(sources)
        layers = [
            Layer(
                name=source.info.name,
                files=tuple(source.files()),
                info=source.info,
                template_folders=(source.folder / "templates",),
                depends_on=frozenset(closure.get(source.info.name, ())),
            )
            for source in sources
        ]
        # As a site loads them: without the demo data, which only `officina
        # demo` and the pack commands read.
        times, outcome = timed(lambda layers=layers: load(layers, demo=False), repeat)
        shown = label if label == "all packs" else f"{label} (+deps)"
        print(
            f"    {shown:<24}{milliseconds(statistics.median(times))}"
            f"{milliseconds(min(times))}  {describe(outcome)}"
        )


def load_generated(root: Path, count: int, views: bool) -> tuple[list, Definitions]:
    files = generate_definitions(count, views=views)
    layers = pack_layers(write_pack(root / f"size_{count}_{int(views)}", files))
    return layers, load(layers)


def _views_work(root: Path) -> bool:
    """Whether generated views load; the sets leave them out if not (and only
    if the rest loads: otherwise the generator is broken, which is fatal)."""
    try:
        load_generated(root, 2, views=True)
        return True
    except DefinitionErrors as errors:
        first = errors.problems[0]
    load_generated(root, 2, views=False)
    print(
        "    note: the generated views do not load, so the sets leave them out;\n"
        f"    the loader says: {first.message}"
    )
    return False


def bench_synthetic(repeat: int, sizes: tuple[int, ...]) -> None:
    print(f"\n(b) synthetic definition sets (median of {repeat} loads)")
    per_entity = {}
    with tempfile.TemporaryDirectory(prefix="officina-bench-") as temporary:
        root = Path(temporary)
        try:
            views = _views_work(root)
        except DefinitionErrors as errors:
            print("    the generated definitions do not load:")
            print(textwrap.indent(errors.render(), "      "))
            raise SystemExit(1) from None
        print(
            f"    {'business':>8}{'entities':>10}{'median':>12}{'min':>12}"
            f"{'per entity':>14}{'(from min)':>14}"
        )
        layers_by_size = {}
        for count in sizes:
            layers, _ = load_generated(root, count, views)
            layers_by_size[count] = layers
            times, outcome = timed(lambda layers=layers: load(layers), repeat)
            assert isinstance(outcome, Definitions), describe(outcome)
            entities = len(outcome.entities)
            median = statistics.median(times)
            per_entity[count] = (median / entities, min(times) / entities)
            print(
                f"    {count:>8}{entities:>10}{milliseconds(median)}"
                f"{milliseconds(min(times))}{milliseconds(per_entity[count][0]):>14}"
                f"{milliseconds(per_entity[count][1]):>14}"
            )
        smallest, largest = min(per_entity), max(per_entity)
        if smallest == largest:
            return
        by_median = per_entity[largest][0] / per_entity[smallest][0]
        by_min = per_entity[largest][1] / per_entity[smallest][1]
        print(
            f"    per-entity time at {largest} business entities / at {smallest}: "
            f"{by_median:.2f} (medians), {by_min:.2f} (minimums); "
            "near 1 means loading grows linearly"
        )
        # Python's cyclic garbage collector costs more as the heap grows; timing
        # without it tells the loader's own growth from the collector's.
        without_gc = {}
        for count in (smallest, largest):
            layers = layers_by_size[count]
            times, _ = timed(lambda layers=layers: _without_gc(load, layers), repeat)
            without_gc[count] = min(times) / (count * 2)
        print(
            "    the same ratio with the garbage collector paused during loads: "
            f"{without_gc[largest] / without_gc[smallest]:.2f} (minimums)"
        )


def _without_gc(function, *arguments):
    enabled = gc.isenabled()
    gc.disable()
    try:
        return function(*arguments)
    finally:
        if enabled:
            gc.enable()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=5, help="loads of the prebuilt packs"
    )
    parser.add_argument(
        "--synthetic-repeat",
        type=int,
        default=3,
        help="loads of each synthetic set (the median is shown)",
    )
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, SIZES)),
        help="business entities per synthetic set, comma separated",
    )
    arguments = parser.parse_args(argv)
    repeat = max(1, arguments.repeat)
    sizes = tuple(int(size) for size in arguments.sizes.split(",") if size.strip())
    started = time.perf_counter()
    bench_prebuilt(repeat)
    bench_synthetic(max(1, arguments.synthetic_repeat), sizes)
    print(f"\ntotal {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
