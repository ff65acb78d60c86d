"""Workflow steps through the API."""

from __future__ import annotations


def make_ticket(client, **values):
    response = client.post("/api/v1/ticket", json={"subject": "Late", **values})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_steps_out_of_a_state_with_reasons(client):
    ticket = make_ticket(client)
    body = client.get(f"/api/v1/ticket/{ticket['id']}/transitions").get_json()
    assert body["data"] == [
        {
            "name": "reply",
            "label": "Reply",
            "to": "answered",
            "allowed": False,
            "reason": "fill in Answer first",
            "comment": "optional",
        },
        {
            "name": "close",
            "label": "Close",
            "to": "closed",
            "allowed": True,
            "reason": None,
            "comment": "required",
        },
    ]


def test_taking_a_step_with_values_and_a_comment(client):
    ticket = make_ticket(client)
    response = client.post(
        f"/api/v1/ticket/{ticket['id']}/transitions/reply",
        json={"values": {"answer": "On its way"}, "comment": "called", "version": 1},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "answered"
    assert response.get_json()["answer"] == "On its way"


def test_refusals_are_problem_documents(client):
    ticket = make_ticket(client)
    path = f"/api/v1/ticket/{ticket['id']}/transitions"
    missing = client.post(path + "/reply")
    assert missing.status_code == 422
    assert missing.get_json()["errors"]["fields"] == {"answer": ["is needed to reply"]}
    no_comment = client.post(path + "/close", json={})
    assert no_comment.status_code == 422
    unknown = client.post(path + "/shut")
    assert unknown.status_code == 404
    assert "use one of: close, reply" in unknown.get_json()["detail"]
    assert "did you mean 'close'" in client.post(path + "/clse").get_json()["detail"]
    client.post(path + "/close", json={"comment": "done"})
    final = client.post(path + "/close", json={"comment": "again"})
    assert final.status_code == 409
    stale = client.post(path + "/reply", json={"version": 1})
    assert stale.status_code == 409
    assert client.post(path + "/close", json={"colour": "red"}).status_code == 400
    assert client.post(path + "/close", json={"values": [1]}).status_code == 400
    assert client.post(path + "/close", json={"comment": 5}).status_code == 400
    assert client.get("/api/v1/customer/1/transitions").status_code == 404


def test_the_state_cannot_be_set_by_a_plain_change(client):
    ticket = make_ticket(client)
    response = client.patch(f"/api/v1/ticket/{ticket['id']}", json={"status": "closed"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["fields"] == {
        "status": ["changes only through a transition"]
    }
