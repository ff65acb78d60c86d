"""The rules engine on a real database: triggers, conditions, every
built-in action, cascades, failures and the run log."""

from __future__ import annotations

import datetime as dt

import pytest
from rules_world import RULES_PACK, jobs, notes, open_world, rows, runs

from officina.automation import builtin_actions
from officina.automation.context import ActionFailed, CascadeTooDeep
from officina.records import Actor, AdjustmentRefused
from officina.schema.tables import RULE_STATES


@pytest.fixture
def world(load_files, database_url, tmp_path):
    opened = open_world(load_files(RULES_PACK), database_url, tmp_path / "backups")
    yield opened
    opened.engine.dispose()


def _product(world, sku="PEN", stock=10, name="Pen"):
    return world.records.create("product", {"sku": sku, "name": name, "stock": stock})


def _order(world, lines):
    customer = world.records.create("customer", {"name": "Ada"})
    return world.records.create(
        "order",
        {
            "customer": customer["id"],
            "lines": [{"product": p["id"], "qty": q} for p, q in lines],
        },
    )


def test_created_rule_enqueues_an_email_and_logs_its_run(world):
    customer = world.records.create(
        "customer", {"name": "Ada", "email": "ada@example.com"}
    )
    (job,) = jobs(world, kind="email")
    assert job["payload"]["to"] == ["ada@example.com"]
    assert job["payload"]["subject"] == "Welcome Ada"
    assert "welcome &lt;b&gt;here&lt;/b&gt;." in job["payload"]["html"]
    assert job["rule"] == "welcome" and job["record_id"] == customer["id"]
    (run,) = runs(world, rule="welcome")
    assert run["outcome"] == "done" and run["trigger"] == "created"
    assert run["chain"] == ["welcome"]


def test_a_rule_whose_condition_does_not_hold_does_not_run(world):
    world.records.create("customer", {"name": "No mail"})
    assert jobs(world, kind="email") == []
    # Not logged either: a write would otherwise log every rule of its entity.
    assert runs(world, rule="welcome") == []


def test_saved_rule_sets_fields_without_retriggering_itself(world):
    customer = world.records.create("customer", {"name": "Ada"})
    assert world.records.get("customer", customer["id"])["touched"] == 1
    world.records.update("customer", customer["id"], {"name": "Ada L."})
    assert world.records.get("customer", customer["id"])["touched"] == 2
    assert len(runs(world, rule="count_touches", outcome="done")) == 2


def test_retrigger_lets_a_rule_run_again_on_its_own_writes(world):
    counter = world.records.create("counter", {"n": 1})
    assert world.records.get("counter", counter["id"])["n"] == 3


def test_changed_from_to(world):
    customer = world.records.create("customer", {"name": "Ada", "tier": "bronze"})
    world.records.update("customer", customer["id"], {"tier": "gold"})
    assert notes(world, rule="promoted") == []  # from bronze, not silver
    world.records.update("customer", customer["id"], {"tier": "silver"})
    world.records.update("customer", customer["id"], {"tier": "gold"})
    (note,) = notes(world, rule="promoted")
    assert note["role"] == "sales" and note["message"] == "Ada is gold"
    assert runs(world, rule="promoted")[0]["trigger"] == "changed: tier"


def test_condition_with_old_values_and_notify_users_and_roles(world):
    from officina.auth import add_user

    manager = add_user(
        world, email="mia@example.com", name="Mia", password="x" * 12, roles=[]
    )
    customer = world.records.create(
        "customer",
        {"name": "Ada", "credit_limit": "100", "account_manager": manager["id"]},
    )
    world.records.update("customer", customer["id"], {"credit_limit": "50"})
    assert notes(world, rule="limit_raised") == []
    world.records.update("customer", customer["id"], {"credit_limit": "150"})
    sent = notes(world, rule="limit_raised")
    assert {(n["user_id"], n["role"]) for n in sent} == {
        (manager["id"], None),
        (None, "manager"),
    }
    assert sent[0]["message"] == "Limit raised to 150.00 (was 50.00)"


def test_threshold_fires_on_crossing_only_and_rearms(world):
    product = _product(world, stock=10)
    pid = product["id"]
    world.records.update("product", pid, {"stock": 4})
    world.records.update("product", pid, {"stock": 3})  # still low: no repeat
    assert len(notes(world, rule="low_stock")) == 1
    world.records.update("product", pid, {"stock": 8})  # re-arms
    (state,) = rows(world, RULE_STATES, rule="low_stock", record_id=pid)
    assert state["active"] is False or state["active"] == 0
    world.records.update("product", pid, {"stock": 2})
    messages = [n["message"] for n in notes(world, rule="low_stock")]
    assert messages == ["Pen is low: 4", "Pen is low: 2"]


def test_threshold_true_at_creation_fires(world):
    _product(world, stock=1)
    assert len(notes(world, rule="low_stock")) == 1


def test_deleted_rule(world):
    product = _product(world, sku="OLD")
    world.records.delete("product", product["id"])
    (note,) = notes(world, rule="removed")
    assert note["message"] == "Product OLD was deleted"
    assert rows(world, RULE_STATES, record_id=product["id"]) == []


def test_update_action_changes_matching_records(world):
    product = _product(world)
    world.records.create("price_change", {"product": product["id"], "new_price": "9"})
    assert str(world.records.get("product", product["id"])["price"]) == "9.00"


def test_transition_rule_for_each_adjust_and_workflow_actions(world):
    pen, ink = _product(world, "PEN", 10), _product(world, "INK", 20, "Ink")
    order = _order(world, [(pen, 3), (ink, 5)])
    world.records.transition("order", order["id"], "pay")
    assert world.records.get("product", pen["id"])["stock"] == 7
    assert world.records.get("product", ink["id"])["stock"] == 15
    paid = world.records.get("order", order["id"])
    assert paid["status"] == "paid" and paid["note"] == "left new"  # on_exit
    assert [n["message"] for n in notes(world, rule="on_enter:paid")] == [
        f"Order {order['id']} is paid"
    ]
    (hook,) = jobs(world, kind="webhook")  # the transition's do:
    assert hook["payload"]["url"] == f"https://erp.example.com/orders/{order['id']}"
    assert hook["payload"]["body"] == {"id": order["id"], "customer": "Ada"}
    assert hook["payload"]["method"] == "POST"
    logged = {r["rule"] for r in runs(world, outcome="done")}
    assert {"take_stock", "do:pay", "on_enter:paid", "on_exit:new"} <= logged


def test_failing_adjust_rolls_everything_back_with_its_message(world):
    pen = _product(world, "PEN", 2)
    order = _order(world, [(pen, 5)])
    with pytest.raises(AdjustmentRefused, match="Not enough Pen in stock"):
        world.records.transition("order", order["id"], "pay")
    assert world.records.get("order", order["id"])["status"] == "new"
    assert world.records.get("product", pen["id"])["stock"] == 2
    assert jobs(world, kind="webhook") == []  # the outbox rolled back too
    (failed,) = runs(world, rule="take_stock")
    assert failed["outcome"] == "failed"
    assert "Not enough Pen in stock" in failed["error"]


def test_entered_rule_creates_a_record_with_rows_and_later_rule_is_queued(world):
    pen = _product(world, "PEN", 10)
    order = _order(world, [(pen, 2)])
    world.records.transition("order", order["id"], "pay")
    world.records.transition("order", order["id"], "ship")
    shipments = world.records.list("shipment").records
    assert len(shipments) == 1
    shipment = world.records.get("shipment", shipments[0]["id"])
    assert shipment["note"] == f"For order {order['id']}"
    assert [(i["product"], i["qty"]) for i in shipment["items"]] == [(pen["id"], 2)]
    # `run: later`: a job, not a webhook yet
    (job,) = jobs(world, kind="rule")
    assert job["payload"]["rule"] == "export"
    assert job["payload"]["record_id"] == order["id"]
    assert len(jobs(world, kind="webhook")) == 1  # only the pay transition's
    builtin_actions.run_rule_job(job, world)
    later = jobs(world, kind="webhook")
    assert later[-1]["payload"]["url"].endswith(f"/shipped/{order['id']}")
    assert runs(world, rule="export")[-1]["outcome"] == "done"


def test_transition_action_on_changed_to(world):
    repair = world.records.create("repair", {})
    world.records.update("repair", repair["id"], {"parts_ready": True})
    assert world.records.get("repair", repair["id"])["status"] == "in_repair"


def test_cascade_depth_error_names_the_chain(world):
    counter = world.records.create("counter", {})
    with pytest.raises(CascadeTooDeep) as raised:
        world.records.update("counter", counter["id"], {"looping": True, "x": 1})
    message = str(raised.value)
    assert "a → b → a → b" in message
    assert raised.value.status == 409
    assert world.records.get("counter", counter["id"])["x"] == 0  # rolled back
    failed = runs(world, outcome="failed")
    assert failed and all("deep" in run["error"] for run in failed)
    assert failed[0]["chain"][:3] == ["a", "b", "a"]


def test_plugin_action_runs_and_a_raising_one_is_contained(world):
    gadget = world.records.create("gadget", {"name": "x1"})
    assert world.records.get("gadget", gadget["id"])["captured"] == "G-x1"
    clerk = Actor(id=None, name="clerk", roles=("sales",))
    with pytest.raises(ActionFailed) as raised:
        world.records.update("gadget", gadget["id"], {"name": "x2"}, actor=clerk)
    assert raised.value.status == 422
    assert "rule 'explode'" in str(raised.value)
    assert "tests.explode" in str(raised.value)
    assert "the payment provider is down" in str(raised.value)
    assert world.records.get("gadget", gadget["id"])["name"] == "x1"
    (failed,) = runs(world, rule="explode")
    assert failed["outcome"] == "failed" and "provider is down" in failed["error"]
    # and the service keeps working
    world.records.create("gadget", {"name": "x3"})


def test_scheduled_rule_and_breach(world):
    low, high = (
        world.records.create("counter", {}),
        world.records.create("counter", {"n": 11}),
    )
    now = dt.datetime.now(dt.UTC)
    assert world.automation.run_scheduled(world, "reminder", now) == 1
    assert world.records.get("counter", high["id"])["y"] == 1
    assert world.records.get("counter", low["id"])["y"] == 0
    pen = _product(world, "PEN", 10)
    order = _order(world, [(pen, 1)])
    assert not world.automation.run_breach(world, "order", order["id"], "paid", now)
    world.records.transition("order", order["id"], "pay")
    assert world.automation.run_breach(world, "order", order["id"], "paid", now)
    (note,) = notes(world, rule="on_breach:paid")
    assert note["role"] == "manager"


def test_unknown_call_is_refused_when_checked(load_files, database_url, tmp_path):
    from officina.automation.engine import Automation
    from officina.errors import SiteError
    from officina.schema.tables import build_schema

    definitions = load_files(RULES_PACK)
    automation = Automation(definitions, build_schema(definitions), None)
    (problem,) = {p for p in automation.check_calls() if "tests.capture" in p}
    assert "which no plugin provides" in problem
    with pytest.raises(SiteError, match="tests.capture"):
        automation.check_calls(strict=True)
