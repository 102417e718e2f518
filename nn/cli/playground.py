"""``chainrule playground``: train a network live in the browser, on the real engine.

    chainrule playground [--port 8765] [--no-browser]
    chainrule playground --static OUT [--pyodide TARBALL]

starts the playground's local web server (:mod:`nn.playground.server`) on
127.0.0.1, prints the page's address — which carries this launch's secret
token, so only who holds it can use the server — opens it in the default
browser and serves until Ctrl+C.
Exit status: 0 when stopped, 1 when the port cannot be used.

With ``--static OUT`` it writes the playground as static files instead
(:mod:`nn.playground.build`): chainrule runs in the reader's browser, in
Pyodide, and any static host serves the folder. Exit status: 0 when
written, 1 when the build cannot be made (the message says why).
"""

from __future__ import annotations

import argparse
import sys
import webbrowser

DEFAULT_PORT = 8765


def _port(text):
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {text!r}")
    return port


def add_subcommand(subcommands) -> argparse.ArgumentParser:
    """Register ``playground`` on ``subcommands`` (from ``parser.add_subparsers()``)."""
    parser = subcommands.add_parser(
        "playground", help="train a network live in the browser",
        description="Start a local web page where a network trains live on chainrule's "
                    "engine: choose the data, network, loss and optimizer, press play, "
                    "step one update at a time, and open any point's computation graph. "
                    "The server listens on 127.0.0.1 only.")
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT,
                        help=f"the port on 127.0.0.1 (default: {DEFAULT_PORT}; 0: any free port)")
    parser.add_argument("--no-browser", action="store_true",
                        help="do not open the page; only print its address")
    parser.add_argument("--static", metavar="OUT",
                        help="write the playground as static files into the new folder OUT "
                             "(it runs in the browser, in Pyodide; no server needed)")
    parser.add_argument("--pyodide", metavar="TARBALL",
                        help="with --static: the npm tarball of Pyodide to copy (default: "
                             "the cached one, else fetched with npm pack)")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Carry out ``chainrule playground``; returns the exit status."""
    if args.static:
        return _build(args)
    from ..playground.server import PlaygroundServer

    try:
        server = PlaygroundServer(args.port)
    except OSError as error:
        print(f"chainrule playground: error: cannot listen on 127.0.0.1:{args.port} "
              f"({error.strerror or error}); choose another port with --port, or --port 0 "
              f"for any free one", file=sys.stderr)
        return 1
    print(f"chainrule playground at {server.url} (Ctrl+C to stop)", flush=True)
    if not args.no_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped")
    finally:
        server.server_close()
    return 0


def _build(args: argparse.Namespace) -> int:
    from ..playground.build import PYODIDE_VERSION, BuildError, build_static

    try:
        files = build_static(args.static, args.pyodide)
    except (BuildError, OSError) as error:
        print(f"chainrule playground: error: {error}", file=sys.stderr)
        return 1
    size = sum(path.stat().st_size for path in files)
    print(f"wrote {len(files)} files ({size / 1e6:.1f} MB, Pyodide {PYODIDE_VERSION}) to "
          f"{args.static}; serve it with: python -m http.server -d {args.static}")
    return 0
