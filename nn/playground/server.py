"""The playground's local web server: the standard library's ThreadingHTTPServer.

The API (JSON in and out; every error is ``{"error": "..."}`` with a status
that says what kind):

==========================================  ==========================================
``GET /``, ``GET /static/NAME``             the page (files of ``static/``)
``GET /api/choices``                        what the page may choose, the limits and the
                                            default settings
``POST /api/sessions``                      ``{"settings": {...}}``: a new session (one per
                                            tab); ``{"id": ...}``
``GET /api/sessions/ID/events``             server-sent events: a ``frame`` event (JSON)
                                            each time the session publishes one
``POST /api/sessions/ID``                   ``{"action": ...}``: play, pause, step, reset,
                                            configure (new settings), lr, speed, inspect
                                            (a point's graph), close
``GET /api/sessions/ID/graphs/G/K.svg``     step K of an inspected point's backward pass
==========================================  ==========================================

Safety. The server listens on 127.0.0.1 only. A request whose ``Host`` is
not this server's local address is refused (403): that is what a DNS
rebinding attack sends, a page of another site that resolved its own
name to 127.0.0.1. A request with a foreign ``Origin`` is refused too, and
a ``POST`` must carry this server's own ``Origin`` and a JSON body of at
most ``LIMITS["body_bytes"]`` (413 beyond). Bodies are parsed with
``json.loads`` and checked by :func:`~nn.playground.settings.parse_settings`;
nothing is evaluated. At most ``LIMITS["sessions"]`` sessions live at once
(503 beyond, after sessions whose page has gone are dropped). Every
response forbids the page any network access beyond this server (its
``Content-Security-Policy``).
"""

from __future__ import annotations

import json
import math
import re
import secrets
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

from ..modules import ACTIVATIONS, HIDDEN_ACTIVATIONS
from .session import Session
from .settings import (
    BINARY_LOSSES,
    CLASS_LOSSES,
    DATASETS,
    DEFAULT_NOISE,
    LIMITS,
    LR_SCHEDULES,
    OPTIMIZERS,
    Settings,
    class_count,
    optimizer_options,
    parse_settings,
)

STATIC_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".js": "text/javascript; charset=utf-8", ".png": "image/png"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                               "form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
STALE_SECONDS = 30.0   # a session no event stream has asked about for this long is dropped
HEARTBEAT_SECONDS = 10.0
SESSION_PATH = re.compile(r"^/api/sessions/([A-Za-z0-9_-]{1,64})(/events)?$")
GRAPH_PATH = re.compile(r"^/api/sessions/([A-Za-z0-9_-]{1,64})/graphs/(\d{1,9})/(\d{1,9})\.svg$")


class Refused(Exception):
    """A request the server will not serve: the status and the reason shown to the page."""

    def __init__(self, status: HTTPStatus, message: str):
        super().__init__(message)
        self.status = status


def _static_files() -> dict:
    folder = resources.files("nn.playground").joinpath("static")
    return {entry.name: entry.read_bytes() for entry in folder.iterdir()
            if entry.name[entry.name.rfind("."):] in STATIC_TYPES}


def choices() -> dict:
    """What the page offers, read from the tables it comes from."""
    return {
        "datasets": {name: {"classes": class_count(name), "noise": DEFAULT_NOISE[name],
                            "losses": list(BINARY_LOSSES if class_count(name) == 2
                                           else CLASS_LOSSES)}
                     for name in DATASETS},
        "activations": [name for name in HIDDEN_ACTIVATIONS if name in ACTIVATIONS],
        "optimizers": {name: Settings(optimizer=name, optimizer_options=optimizer_options(cls))
                       .to_json()["optimizer_options"] for name, cls in OPTIMIZERS.items()},
        "lr_schedules": list(LR_SCHEDULES),
        "limits": LIMITS,
        "defaults": Settings().to_json(),
    }


def _jsonable(value):
    """``value`` with every non-finite float spelled out ("NaN"), which JSON cannot hold."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value).replace("inf", "Infinity").replace("nan", "NaN")
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return value


class Sessions:
    """The live sessions by id, at most ``LIMITS["sessions"]``."""

    def __init__(self):
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def create(self, settings: Settings) -> str:
        with self._lock:
            self._drop_stale()
            if len(self._sessions) >= LIMITS["sessions"]:
                raise Refused(HTTPStatus.SERVICE_UNAVAILABLE,
                              f"too many playground sessions: {LIMITS['sessions']} tabs are "
                              f"open; close one and reload this page")
            identifier = secrets.token_urlsafe(16)
            self._sessions[identifier] = Session(settings)
            return identifier

    def get(self, identifier: str) -> Session:
        with self._lock:
            session = self._sessions.get(identifier)
        if session is None:
            raise Refused(HTTPStatus.NOT_FOUND,
                          "this session has ended (the server restarted, or the tab was "
                          "idle): reload the page")
        return session

    def close(self, identifier: str):
        with self._lock:
            session = self._sessions.pop(identifier, None)
        if session is not None:
            session.close()

    def close_all(self):
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            session.close()

    def _drop_stale(self):
        now = time.monotonic()
        for identifier, session in list(self._sessions.items()):
            if now - session.last_seen > STALE_SECONDS:
                session.close()
                del self._sessions[identifier]


class PlaygroundServer(ThreadingHTTPServer):
    """The playground on ``127.0.0.1:port`` (port 0: any free port)."""

    daemon_threads = True

    def __init__(self, port: int = 0, host: str = "127.0.0.1"):
        super().__init__((host, port), PlaygroundHandler)
        self.port = self.server_address[1]
        self.allowed_hosts = {f"{name}:{self.port}" for name in ("127.0.0.1", "localhost")}
        self.allowed_origins = {f"http://{address}" for address in self.allowed_hosts}
        self.sessions = Sessions()
        self.static = _static_files()
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def server_close(self):
        self.stopping.set()
        self.sessions.close_all()
        super().server_close()


class PlaygroundHandler(BaseHTTPRequestHandler):
    server: PlaygroundServer
    server_version = "chainrule-playground"

    def log_message(self, format, *args):
        pass  # quiet: the terminal shows only what the command prints

    # --- the checks every request passes -------------------------------------------

    def _check_origin(self, needs_origin: bool):
        host = self.headers.get("Host", "")
        if host not in self.server.allowed_hosts:
            raise Refused(HTTPStatus.FORBIDDEN,
                          f"refused: Host {host!r} is not this playground's address "
                          f"({self.server.url}); open that address instead")
        origin = self.headers.get("Origin")
        if origin is None and needs_origin:
            raise Refused(HTTPStatus.FORBIDDEN, "refused: a POST must come from the "
                                                "playground's own page (no Origin header)")
        if origin is not None and origin not in self.server.allowed_origins:
            raise Refused(HTTPStatus.FORBIDDEN,
                          f"refused: requests from {origin!r} are not allowed; only the "
                          f"playground's own page ({self.server.url}) may use it")

    def _body(self) -> dict:
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            raise Refused(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send the body as application/json")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise Refused(HTTPStatus.LENGTH_REQUIRED, "a POST needs a Content-Length") from None
        if not 0 <= length <= LIMITS["body_bytes"]:
            raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                          f"the request body is {length} bytes; at most "
                          f"{LIMITS['body_bytes']} are accepted")
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise Refused(HTTPStatus.BAD_REQUEST, f"the body is not JSON: {error}") from None
        if not isinstance(body, dict):
            raise Refused(HTTPStatus.BAD_REQUEST, "the body must be a JSON object")
        return body

    # --- responses -------------------------------------------------------------------

    def _send(self, status, content_type, payload: bytes, extra_headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (*SECURITY_HEADERS.items(), *extra_headers):
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _send_json(self, value, status=HTTPStatus.OK):
        self._send(status, "application/json", json.dumps(_jsonable(value)).encode())

    def _handle(self, respond):
        try:
            respond()
        except Refused as refusal:
            self._send_json({"error": str(refusal)}, refusal.status)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page went away

    def do_GET(self):
        self._handle(self._get)

    def do_POST(self):
        self._handle(self._post)

    # --- GET ----------------------------------------------------------------------------

    def _get(self):
        self._check_origin(needs_origin=False)
        path = self.path.split("?", 1)[0]
        if path == "/":
            path = "/static/index.html"
        if path.startswith("/static/"):
            name = path[len("/static/"):]
            if name not in self.server.static:
                raise Refused(HTTPStatus.NOT_FOUND, f"no file {name!r}")
            self._send(HTTPStatus.OK, STATIC_TYPES[name[name.rfind("."):]],
                       self.server.static[name])
        elif path == "/api/choices":
            self._send_json(choices())
        elif match := GRAPH_PATH.match(path):
            session = self.server.sessions.get(match[1])
            try:
                svg = session.step_svg(match[2], int(match[3]))
            except KeyError as error:
                raise Refused(HTTPStatus.NOT_FOUND, error.args[0]) from None
            except ValueError as error:
                raise Refused(HTTPStatus.BAD_REQUEST, str(error)) from None
            except (ImportError, RuntimeError) as error:
                raise Refused(HTTPStatus.SERVICE_UNAVAILABLE, f"cannot draw: {error}") from None
            self._send(HTTPStatus.OK, "image/svg+xml", svg.encode())
        elif (match := SESSION_PATH.match(path)) and match[2]:
            self._stream(self.server.sessions.get(match[1]))
        else:
            raise Refused(HTTPStatus.NOT_FOUND, f"nothing at {path}")

    def _stream(self, session: Session):
        """Server-sent events: each new frame of the session, until the page goes."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        sent = 0
        while not (session.closed or self.server.stopping.is_set()):
            number, frame = session.wait_for_frame(sent, HEARTBEAT_SECONDS)
            if number > sent:
                message = f"event: frame\ndata: {json.dumps(_jsonable(frame))}\n\n"
                sent = number
            else:
                message = ": still here\n\n"  # a write to a closed page fails: the end
            self.wfile.write(message.encode())
            self.wfile.flush()
        self.wfile.write(b"event: closed\ndata: {}\n\n")

    # --- POST ---------------------------------------------------------------------------

    def _post(self):
        self._check_origin(needs_origin=True)
        path = self.path.split("?", 1)[0]
        body = self._body()
        if path == "/api/sessions":
            settings = self._settings(body.get("settings", {}))
            self._send_json({"id": self.server.sessions.create(settings)}, HTTPStatus.CREATED)
            return
        match = SESSION_PATH.match(path)
        if not match or match[2]:
            raise Refused(HTTPStatus.NOT_FOUND, f"nothing to POST at {path}")
        action = body.get("action")
        if action == "close":
            self.server.sessions.close(match[1])
            self._send_json({})
            return
        session = self.server.sessions.get(match[1])
        if action not in ACTIONS:
            raise Refused(HTTPStatus.BAD_REQUEST, f"unknown action {action!r}; the actions "
                                                  f"are {', '.join([*ACTIONS, 'close'])}")
        try:
            answer = ACTIONS[action](self, session, body)
        except ValueError as error:
            raise Refused(HTTPStatus.BAD_REQUEST, str(error)) from None
        self._send_json(answer if answer is not None else {})

    @staticmethod
    def _settings(given):
        try:
            return parse_settings(given)
        except (TypeError, ValueError) as error:
            raise Refused(HTTPStatus.BAD_REQUEST, f"bad settings: {error}") from None

    def _configure(self, session, body):
        session.reset(self._settings(body.get("settings", {})))

    def _set_lr(self, session, body):
        settings = parse_settings({**session.settings.to_json(), "lr": body.get("lr")})
        session.set_lr(settings.lr)

    def _set_speed(self, session, body):
        settings = parse_settings({**session.settings.to_json(),
                                   "steps_per_second": body.get("steps_per_second")})
        session.set_speed(settings.steps_per_second)

    def _inspect(self, session, body):
        which, index = body.get("set"), body.get("index")
        if which not in ("train", "test") or isinstance(index, bool) or not isinstance(index, int):
            raise ValueError('inspect needs "set" ("train" or "test") and a point "index"')
        return session.inspect(which, index)


ACTIONS = {
    "play": lambda handler, session, body: session.play(),
    "pause": lambda handler, session, body: session.pause(),
    "step": lambda handler, session, body: session.step(),
    "reset": lambda handler, session, body: session.reset(),
    "configure": PlaygroundHandler._configure,
    "lr": PlaygroundHandler._set_lr,
    "speed": PlaygroundHandler._set_speed,
    "inspect": PlaygroundHandler._inspect,
}

