"""``chainrule playground``: train a network live in the browser, on the real engine.

    chainrule playground [--port 8765] [--no-browser]

starts the playground's local web server (:mod:`nn.playground.server`) on
127.0.0.1, prints the page's address — which carries this launch's secret
token, so only who holds it can use the server — opens it in the default
browser and serves until Ctrl+C.
Exit status: 0 when stopped, 1 when the port cannot be used.
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
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Carry out ``chainrule playground``; returns the exit status."""
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
