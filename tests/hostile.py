"""The hostile-input corpus: every input that once broke chainrule.

Each list is read by the tests of the part it attacks; a new failure found
is added here with the fix, so the corpus only grows.
"""

# --- the native cache (tests/autograd/compiler/test_native_cache.py) ---------------

# C sources planted under a library's name. MARKER is replaced by a path
# the constructor creates: if it exists, the library was loaded.
PLANTED_LIBRARIES = {
    "constructor": """
        #include <stdio.h>
        __attribute__((constructor)) static void planted(void)
        {
            FILE *file = fopen("MARKER", "w");
            if (file) fclose(file);
        }
        int chainrule_map(void) { return 0; }
    """,
    "other_symbol": "int not_the_function_asked_for(void) { return 0; }\n",
}

# Not a library at all (the loader says "invalid ELF header").
CORRUPT_LIBRARY = b"\x7fELF" + b"\x02\x01\x01" + bytes(range(256)) * 16

# Function names Python reads as another name (NFKC), or that are not code.
FUNCTION_NAMES = ["\ufb01", "\U0001d465", "x\nimport os", "class", "", "ｘ"]


# --- the playground server (tests/nn/playground/test_server_hostile.py) ------------

HUGE = "9" * 400  # a number no float holds

# Bodies that once crashed a handler (no answer, a traceback in the terminal):
# (what, "create" or "action", the raw body, a part of the 400's message).
PLAYGROUND_BODIES = [
    ("400-digit examples", "create", f'{{"settings": {{"examples": {HUGE}}}}}',
     "examples must be from 10 to 500, got a number of about 400 digits"),
    ("400-digit lr", "action", f'{{"action": "lr", "lr": {HUGE}}}', "lr must be from"),
    ("400-digit speed", "action", f'{{"action": "speed", "steps_per_second": {HUGE}}}',
     "steps_per_second must be from"),
    ("400-digit configure", "action",
     f'{{"action": "configure", "settings": {{"hidden": [{HUGE}]}}}}',
     "each hidden layer size must be from 1 to 32"),
    ("400-digit float lr", "action", f'{{"action": "lr", "lr": {HUGE}.5}}',
     "lr must be a number from"),
    ("8,000-deep JSON", "create", "[" * 8000 + "]" * 8000, "nested too deeply"),
    ("8,000-deep settings", "create", '{"settings": ' + "[" * 8000 + "]" * 8000 + "}",
     "nested too deeply"),
    ("5,000-digit integer", "create", '{"settings": {"seed": ' + "1" * 5000 + "}}",
     "the body is not JSON"),
    ("float iris features", "create",
     '{"settings": {"dataset": "iris", "loss": "cross_entropy", "iris_features": [2.0, 3.0]}}',
     "iris_features must be two different whole feature numbers"),
    ("float iris features in configure", "action",
     '{"action": "configure", "settings": {"dataset": "iris", "loss": "cross_entropy", '
     '"iris_features": [2.0, 3.0]}}', "iris_features must be two different whole"),
    ("action a list", "action", '{"action": ["play"]}', "unknown action ['play']"),
    ("action a dict", "action", '{"action": {"play": 1}}', "unknown action {'play': 1}"),
    ("dataset a list", "create", '{"settings": {"dataset": ["moons"]}}',
     "dataset must be one of"),
    ("optimizer a dict", "create", '{"settings": {"optimizer": {}}}', "optimizer must be one of"),
    ("inspect index huge", "action", f'{{"action": "inspect", "set": "train", "index": {HUGE}}}',
     "there is no train point"),
    ("NaN lr", "action", '{"action": "lr", "lr": NaN}', "lr must be a number"),
    ("settings a string", "action", '{"action": "configure", "settings": "iris"}',
     "settings must be a JSON object"),
    ("long unknown setting", "create", '{"settings": {"' + "x" * 5000 + '": 1}}',
     "unknown setting xxx"),
    ("not UTF-8", "create", b'{"settings": "\xff"}', "the body is not JSON"),
]


# --- formulas (tests/autograd/test_formula.py) -------------------------------------

# Texts within the 10,000-character limit that once ended in a MemoryError or
# RecursionError traceback, and a part of the ValueError each gets now.
DEEP_FORMULAS = [
    ("-" * 9999 + "x", "too deep for Python's parser: 9999 signs in a row"),
    ("x**" * 3333 + "x", "3333 powers in a row"),
    ("a " * 4999 + "$", "4999 names and numbers side by side"),
    ("+".join(["x"] * 3333), "a chain of 3332 operators"),
    ("*".join(["x"] * 4999), "a chain of 4998 operators"),
    ("-(" * 3000 + "x" + ")" * 3000, "too many nested parentheses"),
    ("tanh(" * 1600 + "x" + ")" * 1600, "too many nested parentheses"),
]

# Names Python's parser folds (NFKC): {formula: (variables, value or message)}.
FOLDED_NAMES = [
    ("\U0001d465*2", {"x": 5.0}, 10.0),                       # mathematical italic x
    ("\uff58*2", {"\uff58": 5.0}, 10.0),                        # fullwidth x, both sides
    ("x*2", {"\U0001d465": 5.0}, 10.0),
    ("\ufb01+1", {"fi": 1.0}, 2.0),                            # the ligature fi
    ("\U0001d465*2", {"x": 1.0, "\U0001d465": 5.0}, "'x' and '\U0001d465' are one name"),
    ("\U0001d466*2", {"x": 1.0}, "unknown name '\U0001d466'"),  # named as typed
]


# --- model files (tests/nn/test_serialization.py) ---------------------------------

# What nn.load is pointed at instead of a file: (what, how to make it at a path, message).
NOT_FILES = [
    ("FIFO no one writes to", "fifo", "it is a FIFO (named pipe)"),
    ("device", "device", "it is a device"),
    ("folder", "folder", "it is a folder"),
    ("socket", "socket", "it is a socket"),
]

# Files whose parse would make millions of objects: (what, text, message).
CROWDED_FILES = [
    ("1,000,101 keys", "{" + ",".join(f'"{i:x}":0' for i in range(1_000_101)) + "}",
     "more than 1,000,100 keys"),
    ("9 million numbers", "[" + ",".join(["0"] * 9_000_000) + "]",
     "more than 1,000,100 values"),
]
