"""What the browser tests read of the playground's page: its latest frame, the
moment a run's own first frame has arrived, and the laptop screen it must fit."""

FRAME = "window.chainrulePlayground.page.frame"
# a run's first frame from its session (the static build's precomputed one is drawn before)
STARTED = f"{FRAME} && {FRAME}.steps === 0 && !{FRAME}.precomputed"
LAPTOP = {"width": 1366, "height": 768}
