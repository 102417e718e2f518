"""A stranger cannot drive, stall or crash the playground server.

Every case goes over a real socket to a server on 127.0.0.1 (the
``server`` fixture), with a bounded number of connections and timeouts;
the bodies come from the hostile-input corpus (tests/hostile.py).
"""

import http.client
import os
import signal
import socket
import struct
import subprocess
import sys
import time

import pytest

from nn.playground import server as server_module
from nn.playground.settings import LIMITS

from ... import hostile
from .test_server import new_session, next_event, open_stream, request

SECURITY = {"Content-Security-Policy", "X-Content-Type-Options", "Cache-Control",
            "Referrer-Policy"}


# --- the launch's token ------------------------------------------------------------------


def test_the_printed_address_carries_a_token_and_its_page_sets_the_cookie(server):
    assert server.url == f"http://127.0.0.1:{server.port}/?token={server.token}"
    assert len(server.token) >= 40
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", f"/?token={server.token}",
                       headers={"Host": f"127.0.0.1:{server.port}"})
    response = connection.getresponse()
    assert response.status == 200 and b"<title>chainrule playground</title>" in response.read()
    cookie = response.getheader("Set-Cookie")
    assert cookie.startswith(f"{server.cookie_name}={server.token};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    connection.close()


@pytest.mark.parametrize("token", [None, "", "wrong", "x" * 43])
def test_without_the_token_nothing_but_the_pages_files_is_served(server, token):
    identifier = new_session(server)
    cookie = {} if token is None else {"Cookie": f"{server.cookie_name}={token}"}
    refused = [("GET", "/", None), ("GET", "/api/choices", None),
               ("POST", "/api/sessions", {}),
               ("POST", f"/api/sessions/{identifier}", {"action": "play"}),
               ("POST", f"/api/sessions/{identifier}", {"action": "close"}),
               ("GET", f"/api/sessions/{identifier}/events", None),
               ("GET", f"/?token={token}", None)]
    for method, path, body in refused:
        status, answer = request(server, method, path, body, headers=cookie, token=False)
        assert status == 403, (method, path)
        assert "needs the playground's token" in answer["error"]
    status, _ = request(server, "GET", "/static/playground.js", token=False)
    assert status == 200
    assert server.sessions.get(identifier).running is False  # never played


def test_the_token_as_a_query_parameter_works_as_the_cookie(server):
    status, answer = request(server, "POST", f"/api/sessions?token={server.token}",
                             {"settings": {}}, token=False)
    assert status == 201 and answer["id"]


# --- sessions and streams a stranger cannot hold -----------------------------------------


def test_holding_every_session_and_its_stream_cannot_lock_anyone_out(server):
    held = [new_session(server) for _ in range(LIMITS["sessions"])]
    streams = [open_stream(server, identifier) for identifier in held]
    for response in streams:
        assert next_event(response)[0] == "frame"
    mine = new_session(server)  # was 503 for as long as the streams were held
    assert next_event(streams[0]) == ("closed", {})  # the one unused the longest
    assert mine in server.sessions._sessions and held[0] not in server.sessions._sessions
    for response in streams:
        response.close()


def test_a_newer_stream_of_a_session_ends_the_older_ones(server):
    identifier = new_session(server)
    streams = []
    for _ in range(5):
        streams.append(open_stream(server, identifier))
        assert next_event(streams[-1])[0] == "frame"
    request(server, "POST", f"/api/sessions/{identifier}", {"action": "step"})
    for response in streams[:-1]:
        assert next_event(response) == ("closed", {})
    event, frame = next_event(streams[-1])
    assert event == "frame" and frame["steps"] == 1
    for response in streams:
        response.close()


# --- every handler answers --------------------------------------------------------------


@pytest.mark.parametrize("what, kind, body, message", hostile.PLAYGROUND_BODIES,
                         ids=[case[0] for case in hostile.PLAYGROUND_BODIES])
def test_a_hostile_body_gets_a_400_and_leaves_the_session_as_it_was(
        server, what, kind, body, message, capfd):
    identifier = new_session(server, {"dataset": "moons", "hidden": [3]})
    session = server.sessions.get(identifier)
    before = (session.settings, session.model.state_dict(), session.optimizer.lr)
    path = "/api/sessions" if kind == "create" else f"/api/sessions/{identifier}"
    status, answer = request(server, "POST", path,
                             raw=body if isinstance(body, bytes) else body.encode())
    assert status == 400, answer
    assert message in answer["error"] and len(answer["error"]) < 1_000
    assert (session.settings, session.model.state_dict(), session.optimizer.lr) == before
    status, _ = request(server, "POST", f"/api/sessions/{identifier}", {"action": "reset"})
    assert status == 200
    assert "Traceback" not in capfd.readouterr().err


def test_a_failed_configure_changes_nothing_and_reset_still_works(server):
    identifier = new_session(server, {"dataset": "moons"})
    session = server.sessions.get(identifier)
    status, _ = request(server, "POST", f"/api/sessions/{identifier}",
                        {"action": "configure", "settings": {
                            "dataset": "iris", "loss": "cross_entropy",
                            "iris_features": [2.0, 3.0]}})
    assert status == 400
    assert session.settings.dataset == "moons" and session.problem.outputs == 1
    assert "--dataset moons" in session.frame()[1]["export"]["command"]
    for action in ("reset", "step"):
        status, _ = request(server, "POST", f"/api/sessions/{identifier}", {"action": action})
        assert status == 200
    assert session.steps == 1


def test_inspect_on_a_network_too_large_to_draw_returns_its_steps_as_text(server):
    identifier = new_session(server, {"hidden": [32, 32], "examples": 20})
    status, graph = request(server, "POST", f"/api/sessions/{identifier}",
                            {"action": "inspect", "set": "train", "index": 0})
    assert status == 200, graph  # was 400: "more than max_nodes=400"
    assert graph["drawable"] is False and graph["values"] > graph["limit"]
    steps = len(graph["captions"])
    assert graph["captions"][0].startswith(f"step 1 of {steps}: ∂L/∂(1.0 - ")
    status, answer = request(server, "GET", f"/api/sessions/{identifier}/graphs/"
                                            f"{graph['graph']}/0.svg")
    assert status == 404 and "is gone" in answer["error"]


# --- clients that go away, or never finish ----------------------------------------------


def raw_connection(server):
    return socket.create_connection(("127.0.0.1", server.port), timeout=30)


def test_a_refused_request_whose_client_has_gone_prints_nothing(server, capfd):
    for _ in range(20):
        connection = raw_connection(server)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.sendall(f"GET /nothing HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                           f"Origin: http://evil.example\r\n\r\n".encode())
        connection.close()  # a reset, before the 403 is written
    time.sleep(0.5)
    status, _ = request(server, "GET", "/api/choices")
    assert status == 200
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("sent", [
    "POST /api/sessions HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\n"
    "Cookie: {cookie}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
    "GET / HTTP/1.1\r\nHost: {host}\r\n",
    "GET / HT",
], ids=["body shorter than its Content-Length", "headers never ended", "request line cut"])
def test_a_request_sent_too_slowly_is_cut_at_the_deadline(server, monkeypatch, sent):
    monkeypatch.setattr(server_module, "REQUEST_SECONDS", 1.0)
    host = f"127.0.0.1:{server.port}"
    connection = raw_connection(server)
    started = time.monotonic()
    connection.sendall(sent.format(host=host, cookie=f"{server.cookie_name}={server.token}")
                       .encode())
    received = b""
    while chunk := connection.recv(4096):  # until the server closes: was never
        received += chunk
    assert time.monotonic() - started < 5.0
    assert received == b"" or received.startswith(b"HTTP/1.0 408")
    connection.close()


# --- the same headers on every response --------------------------------------------------


@pytest.mark.parametrize("sent, status", [
    ("BREW / HTTP/1.1\r\nHost: {host}\r\n\r\n", 501),
    ("GET /" + "a" * 70_000 + " HTTP/1.1\r\nHost: {host}\r\n\r\n", 414),
    ("GET / HTTP/1.1\r\nHost: {host}\r\n" + "X-A: b\r\n" * 101 + "\r\n", 431),
], ids=["501", "414", "431"])
def test_the_standard_librarys_error_pages_carry_the_security_headers(server, sent, status):
    connection = raw_connection(server)
    connection.sendall(sent.format(host=f"127.0.0.1:{server.port}").encode())
    response = http.client.HTTPResponse(connection)
    response.begin()
    assert response.status == status
    assert SECURITY <= set(response.headers)
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    connection.close()


def test_the_command_prints_the_address_with_its_token():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    process = subprocess.Popen([sys.executable, "-m", "nn", "playground", "--port", "0",
                                "--no-browser"], stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": root})
    try:
        line = process.stdout.readline()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
    address = line.split(" at ", 1)[1].split()[0]
    assert address.startswith("http://127.0.0.1:") and "/?token=" in address
    assert len(address.split("?token=")[1]) >= 40
