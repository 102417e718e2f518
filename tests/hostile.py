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
