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

Safety. The server listens on 127.0.0.1 only, and each launch makes a
secret token, as Jupyter does: :attr:`PlaygroundServer.url` (the address
``chainrule playground`` prints and opens) carries it as ``?token=``, and
the page it serves sets it as an HttpOnly, SameSite=Strict cookie, so
every request of that page carries it. Everything but the page's files
(``/static/``) needs the token (the cookie, or ``?token=``): without it,
403. So no other local user or program can create, drive or watch a
session. A request whose ``Host`` is
not this server's local address is refused (403): that is what a DNS
rebinding attack sends, a page of another site that resolved its own
name to 127.0.0.1. A request with a foreign ``Origin`` is refused too, and
a ``POST`` must carry this server's own ``Origin`` and a JSON body of at
most ``LIMITS["body_bytes"]`` (413 beyond). Bodies are parsed with
``json.loads`` and checked by :func:`~nn.playground.settings.parse_settings`;
nothing is evaluated; any body of any shape is answered (400 with a
message naming what was wrong, the session unchanged). At most
``LIMITS["sessions"]`` sessions live at once: a new one first drops those
whose page has gone, then the one left unused the longest. A session has
at most one event stream (a newer one ends the older). A request must
send its headers and body within ``REQUEST_SECONDS`` (408 or a closed
connection beyond), and every read or write on a connection gives up
after ``SOCKET_SECONDS``, so no client holds a thread by sending slowly
or not reading. A client that has gone is forgotten without a word.
Every response, the standard library's own error pages included,
carries ``SECURITY_HEADERS``: it forbids the page any network access
beyond this server (``Content-Security-Policy``), sniffing and caching.
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import sys
import threading
import time
from http import HTTPStatus, cookies
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

from .session import ACTIONS, ThreadedSession, json_text
from .settings import LIMITS, Settings, choices, parse_settings, shown

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
REQUEST_SECONDS = 10.0  # to send a request's headers and body
SOCKET_SECONDS = 15.0   # for any one read or write on a connection
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


class Sessions:
    """The live sessions by id, at most ``LIMITS["sessions"]``, each with
    at most one event stream."""

    def __init__(self):
        self._lock = threading.Lock()
        self._sessions: dict[str, ThreadedSession] = {}
        self._used: dict[str, float] = {}  # when a request last named each session
        self._streams: dict[str, int] = {}  # the number of each session's live stream
        self._stream_numbers = iter(range(1, sys.maxsize))

    def create(self, settings: Settings) -> str:
        session = ThreadedSession(settings)
        with self._lock:
            self._drop_stale()
            while len(self._sessions) >= LIMITS["sessions"]:
                self._drop(min(self._used, key=self._used.get))
            identifier = secrets.token_urlsafe(16)
            self._sessions[identifier] = session
            self._used[identifier] = time.monotonic()
            return identifier

    def get(self, identifier: str) -> ThreadedSession:
        with self._lock:
            session = self._sessions.get(identifier)
            if session is not None:
                self._used[identifier] = time.monotonic()
        if session is None:
            raise Refused(HTTPStatus.NOT_FOUND,
                          "this session has ended (the server restarted, the tab was "
                          "idle, or more tabs opened since): reload the page")
        return session

    def open_stream(self, identifier: str) -> int:
        """A number for a new event stream of the session; the older one ends."""
        with self._lock:
            self._streams[identifier] = number = next(self._stream_numbers)
            return number

    def stream_is_current(self, identifier: str, number: int) -> bool:
        with self._lock:
            return self._streams.get(identifier) == number

    def close(self, identifier: str):
        with self._lock:
            self._drop(identifier)

    def _drop(self, identifier: str):
        session = self._sessions.pop(identifier, None)
        self._used.pop(identifier, None)
        self._streams.pop(identifier, None)
        if session is not None:
            session.close()

    def close_all(self):
        with self._lock:
            for identifier in list(self._sessions):
                self._drop(identifier)

    def _drop_stale(self):
        now = time.monotonic()
        for identifier, session in list(self._sessions.items()):
            if now - max(session.last_seen, self._used[identifier]) > STALE_SECONDS:
                self._drop(identifier)


class PlaygroundServer(ThreadingHTTPServer):
    """The playground on ``127.0.0.1:port`` (port 0: any free port)."""

    daemon_threads = True

    def __init__(self, port: int = 0, host: str = "127.0.0.1"):
        super().__init__((host, port), PlaygroundHandler)
        self.port = self.server_address[1]
        self.allowed_hosts = {f"{name}:{self.port}" for name in ("127.0.0.1", "localhost")}
        self.allowed_origins = {f"http://{address}" for address in self.allowed_hosts}
        self.token = secrets.token_urlsafe(32)
        self.cookie_name = f"chainrule-playground-{self.port}"
        self.sessions = Sessions()
        self.static = _static_files()
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        """The page's address, with this launch's token."""
        return f"http://127.0.0.1:{self.port}/?token={self.token}"

    def server_close(self):
        self.stopping.set()
        self.sessions.close_all()
        super().server_close()

    def handle_error(self, request, client_address):
        """A client that went away is no error; anything else is one line, no traceback."""
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            print(f"chainrule playground: a request from {client_address[0]} failed: "
                  f"{type(error).__name__}: {error}", file=sys.stderr)


class PlaygroundHandler(BaseHTTPRequestHandler):
    server: PlaygroundServer
    server_version = "chainrule-playground"
    timeout = SOCKET_SECONDS  # each read and write on the connection

    def log_message(self, format, *args):
        pass  # quiet: the terminal shows only what the command prints

    def setup(self):
        super().setup()
        # NOTE: a client that sends its request slowly (or a body shorter
        # than its Content-Length) has its connection shut at the deadline.
        self._deadline = threading.Timer(REQUEST_SECONDS, self._expire)
        self._deadline.daemon = True
        self._deadline.start()

    def _expire(self):
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def finish(self):
        self._deadline.cancel()
        try:
            super().finish()
        except OSError:
            pass  # the client has gone

    def end_headers(self):
        """Every response's headers end with ``SECURITY_HEADERS``, the
        standard library's error pages (414, 431, 501...) included."""
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    # --- the checks every request passes -------------------------------------------

    def _check_token(self):
        """The launch's token, from ``?token=`` or the page's cookie: 403 without it."""
        query = self.path.partition("?")[2]
        given = [value for name, _, value in (part.partition("=") for part in query.split("&"))
                 if name == "token"]
        jar = cookies.SimpleCookie()
        try:
            jar.load(self.headers.get("Cookie", ""))
        except cookies.CookieError:
            pass
        if self.server.cookie_name in jar:
            given.append(jar[self.server.cookie_name].value)
        if not any(secrets.compare_digest(value.encode(), self.server.token.encode())
                   for value in given):
            raise Refused(HTTPStatus.FORBIDDEN,
                          "refused: this needs the playground's token; open the address "
                          "chainrule playground printed (it ends with ?token=...)")

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
        text = self.headers.get("Content-Length", "")
        if not (text.isascii() and text.isdigit() and len(text) <= 9):
            raise Refused(HTTPStatus.LENGTH_REQUIRED, "a POST needs a Content-Length")
        length = int(text)
        if length > LIMITS["body_bytes"]:
            raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                          f"the request body is {length} bytes; at most "
                          f"{LIMITS['body_bytes']} are accepted")
        data = self.rfile.read(length)
        self._deadline.cancel()
        if len(data) != length:
            raise Refused(HTTPStatus.REQUEST_TIMEOUT,
                          f"the body ended after {len(data)} of its {length} bytes "
                          f"(Content-Length), or took over {REQUEST_SECONDS:g} s")
        try:
            body = json.loads(data or b"{}")
        except (UnicodeDecodeError, ValueError) as error:
            raise Refused(HTTPStatus.BAD_REQUEST, f"the body is not JSON: {error}") from None
        except RecursionError:
            raise Refused(HTTPStatus.BAD_REQUEST, "the body is not JSON this server reads: "
                                                  "it is nested too deeply") from None
        if not isinstance(body, dict):
            raise Refused(HTTPStatus.BAD_REQUEST, "the body must be a JSON object")
        return body

    # --- responses -------------------------------------------------------------------

    def _send(self, status, content_type, payload: bytes, extra_headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _send_json(self, value, status=HTTPStatus.OK):
        self._send(status, "application/json", json_text(value).encode())

    def _handle(self, respond):
        """``respond()``, and any error it meets answered with a message;
        a client that has gone is left alone."""
        try:
            try:
                respond()
            except Refused as refusal:
                self._send_json({"error": str(refusal)}, refusal.status)
            except OSError:
                raise
            except Exception as error:  # a bug: answered, and told in one line
                self.server.handle_error(self.request, self.client_address)
                self._send_json({"error": f"the playground failed: {type(error).__name__}: "
                                          f"{error}"}, HTTPStatus.INTERNAL_SERVER_ERROR)
        except OSError:
            self.close_connection = True  # the page went away, or timed out

    def do_GET(self):
        self._handle(self._get)

    def do_POST(self):
        self._handle(self._post)

    # --- GET ----------------------------------------------------------------------------

    def _get(self):
        self._deadline.cancel()
        self._check_origin(needs_origin=False)
        path = self.path.split("?", 1)[0]
        if path.startswith("/static/"):
            name = path[len("/static/"):]
            if name not in self.server.static:
                raise Refused(HTTPStatus.NOT_FOUND, f"no file {name!r}")
            self._send(HTTPStatus.OK, STATIC_TYPES[name[name.rfind("."):]],
                       self.server.static[name])
            return
        self._check_token()
        if path == "/":
            cookie = (f"{self.server.cookie_name}={self.server.token}; Path=/; HttpOnly; "
                      f"SameSite=Strict")
            self._send(HTTPStatus.OK, STATIC_TYPES[".html"], self.server.static["index.html"],
                       [("Set-Cookie", cookie)])
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
            self._stream(match[1])
        else:
            raise Refused(HTTPStatus.NOT_FOUND, f"nothing at {path}")

    def _stream(self, identifier: str):
        """Server-sent events: each new frame of the session, until the page
        goes or a newer stream of the session starts."""
        sessions = self.server.sessions
        session = sessions.get(identifier)
        stream = sessions.open_stream(identifier)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        sent = 0
        while True:
            # the latest frame at once, then each newer one as it comes
            number, frame = (session.wait_for_frame(sent, HEARTBEAT_SECONDS) if sent
                             else session.frame())
            if (session.closed or self.server.stopping.is_set()
                    or not sessions.stream_is_current(identifier, stream)):
                break
            if number > sent:
                message = f"event: frame\ndata: {json_text(frame)}\n\n"
                sent = number
            else:
                message = ": still here\n\n"  # a write to a closed page fails: the end
            self.wfile.write(message.encode())
            self.wfile.flush()
        self.wfile.write(b"event: closed\ndata: {}\n\n")

    # --- POST ---------------------------------------------------------------------------

    def _post(self):
        self._check_origin(needs_origin=True)
        self._check_token()
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
        if not isinstance(action, str) or action not in [*ACTIONS, "close"]:
            raise Refused(HTTPStatus.BAD_REQUEST, f"unknown action {shown(action)}; the "
                                                  f"actions are {', '.join([*ACTIONS, 'close'])}")
        if action == "close":
            self.server.sessions.close(match[1])
            self._send_json({})
            return
        session = self.server.sessions.get(match[1])
        try:
            answer = session.act(action, body)
        except (TypeError, ValueError) as error:
            raise Refused(HTTPStatus.BAD_REQUEST, str(error)) from None
        self._send_json(answer if answer is not None else {})

    @staticmethod
    def _settings(given):
        try:
            return parse_settings(given)
        except ValueError as error:
            raise Refused(HTTPStatus.BAD_REQUEST, f"bad settings: {error}") from None
