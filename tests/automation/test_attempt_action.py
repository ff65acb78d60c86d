"""The `attempt` action: steps that are undone together when one of them is
refused, and `otherwise` steps that run instead — on a real database."""

from __future__ import annotations

import pytest
from rules_world import open_world, runs

from officina.errors import DefinitionErrors

ATTEMPT_PACK = {
    "stock.yaml": """
        entity: item
        fields:
          name: {type: string, required: true}
          stock: {type: integer, default: 0}
        ---
        entity: hold
        fields:
          item: {type: reference, to: item, required: true}
          quantity: {type: integer, default: 1}
        rules:
          take:
            on: created
            do:
              - adjust:
                  record: item
                  field: stock
                  by: '=-quantity'
                  min: 0
                  message: 'Only {{ item.stock }} {{ item.name }} left'
        ---
        entity: request
        fields:
          first: {type: reference, to: item, required: true}
          second: {type: reference, to: item}
          quantity: {type: integer, default: 1}
          note: text
          explode: boolean
        workflow:
          initial: new
          states:
            new:
            granted: {final: true}
            waiting: {final: true}
          transitions:
            grant: {from: new, to: granted}
            wait: {from: new, to: waiting}
        rules:
          take_both:
            on: created
            do:
              - attempt:
                  - create:
                      entity: hold
                      values: {item: '=first', quantity: '=quantity'}
                  - when: second
                    create:
                      entity: hold
                      values: {item: '=second', quantity: '=quantity'}
                  - when: explode
                    call: {action: tests.explode}
                  - transition: grant
                otherwise:
                  - set: {note: 'Refused: {{ refusal }}'}
                  - transition: wait
    """
}


@pytest.fixture
def world(load_files, database_url, tmp_path):
    opened = open_world(load_files(ATTEMPT_PACK), database_url, tmp_path / "backups")
    yield opened
    opened.engine.dispose()


def _items(world, *stocks):
    return [
        world.records.create("item", {"name": f"item {n}", "stock": stock})["id"]
        for n, stock in enumerate(stocks, 1)
    ]


def _stock(world, item):
    return world.records.get("item", item)["stock"]


def _request(world, **values):
    """A new request, as its rules left it."""
    created = world.records.create("request", values)
    return world.records.get("request", created["id"])


def test_the_steps_all_happen_when_none_is_refused(world):
    first, second = _items(world, 5, 5)
    request = _request(world, first=first, second=second, quantity=2)
    assert (request["status"], request["note"]) == ("granted", None)
    assert (_stock(world, first), _stock(world, second)) == (3, 3)
    assert len(world.records.list("hold").records) == 2


def test_a_refused_step_undoes_the_others_and_runs_otherwise(world):
    first, second = _items(world, 5, 1)
    request = _request(world, first=first, second=second, quantity=2)
    assert request["status"] == "waiting"
    assert request["note"] == "Refused: Only 1 item 2 left"
    # The first hold was made, then undone with everything else.
    assert (_stock(world, first), _stock(world, second)) == (5, 1)
    assert world.records.list("hold").records == []
    # The rule itself did its work: the refusal was handled.
    assert [run["outcome"] for run in runs(world, rule="take_both")] == ["done"]
    assert runs(world, rule="take") == []


def test_a_failing_plugin_action_is_a_refusal_too(world):
    (first,) = _items(world, 5)
    request = _request(world, first=first, explode=True)
    assert request["status"] == "waiting"
    assert "the payment provider is down" in request["note"]
    assert _stock(world, first) == 5


def test_definition_mistakes_are_reported_where_they_are(load_files):
    broken = {
        "not_steps.yaml": """
            entity: thing
            fields:
              n: {type: integer, default: 0}
            rules:
              not_steps:
                on: created
                do:
                  - attempt: {set: {n: 1}}
        """,
        "misplaced.yaml": """
            entity: other_thing
            fields:
              n: {type: integer, default: 0}
              note: text
            rules:
              misplaced:
                on: created
                do:
                  - adjust: {field: n, by: 1}
                    otherwise: [{set: {n: 0}}]
              outside:
                on: created
                do:
                  - set: {note: '{{ refusal }}'}
        """,
    }
    with pytest.raises(DefinitionErrors) as raised:
        load_files(broken)
    messages = sorted(str(problem) for problem in raised.value.problems)
    assert len(messages) == 3, messages
    assert messages[0].endswith(
        "misplaced.yaml:10:9: 'otherwise' does not belong to a 'adjust' action. "
        "Hint: remove it."
    )
    assert "rule 'outside', step 1" in messages[1]
    assert "unknown name 'refusal'" in messages[1]
    assert "'rules.not_steps.do[1].attempt' must be a list" in messages[2]
