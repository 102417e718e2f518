"""Writing files so that a reader never sees half of one.

``write_atomic(path, data)`` is the one way chainrule writes a file: model
files (:mod:`nn.serialization`), drawings and step-by-step pages
(:mod:`autograd.drawing`) and the command line's outputs all go through it.
"""

from __future__ import annotations

import contextlib
import os


def write_atomic(path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the whole new one.

    The bytes go to a temporary file in the same directory (created if
    missing), are flushed to disk, then ``os.replace`` puts the file in
    place; on any failure the temporary file is removed and an existing file
    at ``path`` is left as it was. An ``OSError`` names ``path``.
    """
    directory, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(directory, f".{name}.{os.urandom(6).hex()}.tmp")
    try:
        os.makedirs(directory, exist_ok=True)
        # NOTE: os.open with 0o666 gives the file the usual umask permissions;
        # tempfile.mkstemp would leave it readable by its owner only.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                             | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as error:
        raise OSError(error.errno, f"cannot write {path}: {error.strerror}") from error
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise
