"""``chainrule playground``: train a network live in the browser, on the real engine.

* :mod:`~nn.playground.settings` — what a run is made of, checked and bounded;
* :mod:`~nn.playground.session` — one tab's run, stepped on the compiled engine;
* :mod:`~nn.playground.server` — the local web server and its event streams;
* ``static/`` — the page: plain HTML, CSS and JavaScript, served locally.
"""
