"""The playground's server refuses what it must, with errors that say why.

Requests go over a real socket to a server on a free port (the ``server``
fixture); http.client sends exactly the headers a test gives it.
"""

import http.client
import json

import pytest

from nn.playground import server as server_module
from nn.playground.settings import LIMITS


def request(server, method, path, body=None, headers=None, raw=None, token=True):
    """``(status, decoded JSON or text)`` of one request to the playground,
    with the launch's token in the page's cookie (``token=False``: without)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        cookie = {"Cookie": f"{server.cookie_name}={server.token}"} if token else {}
        headers = {"Host": f"127.0.0.1:{server.port}", **cookie, **(headers or {})}
        payload = raw if raw is not None else (None if body is None else json.dumps(body))
        if payload is not None:
            headers.setdefault("Content-Type", "application/json")
            headers.setdefault("Origin", f"http://127.0.0.1:{server.port}")
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        kind = response.getheader("Content-Type", "")
        return response.status, json.loads(text) if kind == "application/json" else text
    finally:
        connection.close()


def new_session(server, settings=None):
    status, answer = request(server, "POST", "/api/sessions", {"settings": settings or {}})
    assert status == 201, answer
    return answer["id"]


def test_the_page_and_its_files_are_served_with_a_policy_that_forbids_the_network(server):
    status, text = request(server, "GET", "/")
    assert status == 200 and "<title>chainrule playground</title>" in text
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", "/static/playground.js")
    response = connection.getresponse()
    response.read()
    policy = response.getheader("Content-Security-Policy")
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    connection.close()


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1:1",
                                  "localhost.evil.example"])
def test_a_foreign_host_is_refused_dns_rebinding(server, host):
    for method, path, body in (("GET", "/", None), ("GET", "/api/choices", None),
                               ("POST", "/api/sessions", {})):
        status, answer = request(server, method, path, body, headers={"Host": host})
        assert status == 403
        assert f"Host {host!r} is not this playground's address" in answer["error"]


def test_the_local_names_are_accepted(server):
    for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}"):
        status, _ = request(server, "GET", "/api/choices", headers={"Host": host})
        assert status == 200


def test_a_foreign_origin_is_refused_and_a_post_needs_the_pages_origin(server):
    for origin in ("http://evil.example", f"http://127.0.0.1:{server.port + 1}", "null"):
        status, answer = request(server, "POST", "/api/sessions", {},
                                 headers={"Origin": origin})
        assert status == 403 and f"requests from {origin!r} are not allowed" in answer["error"]
        status, answer = request(server, "GET", "/api/choices", headers={"Origin": origin})
        assert status == 403
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("POST", "/api/sessions", body="{}",
                       headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 403
    assert "must come from the playground's own page" in json.loads(response.read())["error"]
    connection.close()


def test_an_oversize_body_is_refused_before_it_is_read(server):
    big = json.dumps({"settings": {"padding": "x" * LIMITS["body_bytes"]}})
    status, answer = request(server, "POST", "/api/sessions", raw=big)
    assert status == 413
    assert answer["error"] == (f"the request body is {len(big)} bytes; at most "
                               f"{LIMITS['body_bytes']} are accepted")


@pytest.mark.parametrize("settings, message", [
    ({"hidden": [LIMITS["width"] + 1]},
     f"each hidden layer size must be from 1 to {LIMITS['width']}, got {LIMITS['width'] + 1}"),
    ({"hidden": [2] * (LIMITS["hidden_layers"] + 1)},
     f"hidden must be a list of at most {LIMITS['hidden_layers']} layer sizes"),
    ({"examples": LIMITS["examples"] + 1},
     f"examples must be from 10 to {LIMITS['examples']}, got {LIMITS['examples'] + 1}"),
    ({"steps_per_second": 10**6},
     f"steps_per_second must be from 1 to {LIMITS['steps_per_second']}, got 1000000"),
    ({"lr": "__import__('os')"}, "lr must be a number"),
    ({"activation": "exp"}, "activation must be one of relu, tanh, sigmoid, softplus"),
    ({"dataset": "blobs", "loss": "hinge"}, "loss for 3 classes must be one of cross_entropy"),
    ({"optimizer": "SGD", "optimizer_options": {"nesterov": True}},
     "nesterov=True needs momentum > 0"),
    ({"optimizer_options": {"lr": 1}}, "SGD has no option lr"),
    ({"colour": "red"}, "unknown setting colour"),
])
def test_bad_or_oversize_settings_get_a_clear_error(server, settings, message):
    status, answer = request(server, "POST", "/api/sessions", {"settings": settings})
    assert status == 400
    assert answer["error"].startswith("bad settings: ") and message in answer["error"]


def test_no_more_than_the_session_limit_the_one_unused_longest_makes_room(server, monkeypatch):
    monkeypatch.setitem(LIMITS, "sessions", 2)
    first, second = new_session(server), new_session(server)
    status, _ = request(server, "POST", f"/api/sessions/{first}", {"action": "pause"})
    assert status == 200  # the second is now the one unused the longest
    third = new_session(server)
    assert sorted(server.sessions._sessions) == sorted([first, third])
    status, answer = request(server, "POST", f"/api/sessions/{second}", {"action": "step"})
    assert status == 404 and "more tabs opened since" in answer["error"]
    status, _ = request(server, "POST", f"/api/sessions/{first}", {"action": "close"})
    assert status == 200 and sorted(server.sessions._sessions) == [third]


def test_a_session_the_page_stopped_asking_about_is_dropped(server, monkeypatch):
    monkeypatch.setitem(LIMITS, "sessions", 1)
    new_session(server)
    monkeypatch.setattr(server_module, "STALE_SECONDS", -1.0)
    new_session(server)  # the first was stale: dropped to make room


def test_actions_and_their_errors(server):
    identifier = new_session(server, {"batch_size": None})
    path = f"/api/sessions/{identifier}"
    status, answer = request(server, "POST", path, {"action": "explode"})
    assert status == 400 and answer["error"].startswith("unknown action 'explode'")
    status, answer = request(server, "POST", path, {"action": "lr", "lr": 100})
    assert status == 400 and answer["error"] == "lr must be from 1e-06 to 10.0, got 100"
    status, answer = request(server, "POST", path, {"action": "inspect", "set": "test",
                                                    "index": 20})
    assert status == 400
    assert answer["error"] == "there is no test point 20: the test set has 20 points (0 to 19)"
    status, answer = request(server, "POST", "/api/sessions/nobody", {"action": "step"})
    assert status == 404 and "reload the page" in answer["error"]
    status, answer = request(server, "GET", f"{path}/graphs/99/0.svg")
    assert status == 404 and answer["error"] == "graph 99 is gone: click the point again"
    status, answer = request(server, "GET", "/static/../server.py")
    assert status == 404


def open_stream(server, identifier):
    """The response of a session's event stream, headers read."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", f"/api/sessions/{identifier}/events",
                       headers={"Host": f"127.0.0.1:{server.port}",
                                "Cookie": f"{server.cookie_name}={server.token}"})
    response = connection.getresponse()
    assert response.getheader("Content-Type") == "text/event-stream"
    return response


def next_event(response) -> tuple:
    """``(event name, its data)`` of the next event on a stream."""
    lines = []
    while (line := response.readline().decode()) != "" and (line != "\n" or not lines):
        if line.startswith(("event:", "data:")):  # not a heartbeat's comment
            lines.append(line)
    return lines[0].removeprefix("event: ").strip(), json.loads(lines[1].removeprefix("data: "))


def test_the_event_stream_sends_a_frame_after_each_step(server):
    identifier = new_session(server)
    response = open_stream(server, identifier)
    event, frame = next_event(response)
    assert event == "frame" and frame["steps"] == 0
    request(server, "POST", f"/api/sessions/{identifier}", {"action": "step"})
    event, frame = next_event(response)
    assert event == "frame" and frame["steps"] == 1
    response.close()
