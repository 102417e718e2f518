"""``chainrule playground``: train a network live in the browser, on the real engine.

* :mod:`~nn.playground.settings` — what a run is made of, checked and bounded;
* :mod:`~nn.playground.session` — one tab's run, stepped on the compiled engine:
  the same module behind both transports;
* :mod:`~nn.playground.server` — the local web server and its event streams;
* :mod:`~nn.playground.build` — ``--static``: the page as static files, run in
  the browser by Pyodide;
* :mod:`~nn.playground.worker` — what the static pages' Web Worker calls;
* ``static/`` — the pages: plain HTML, CSS and JavaScript.
"""
