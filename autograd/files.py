"""Writing files so that a reader never sees half of one, and reading
only what is a file.

``write_atomic(path, data)`` is the one way chainrule writes a file: model
files (:mod:`nn.serialization`), drawings and step-by-step pages
(:mod:`autograd.drawing`) and the command line's outputs all go through it.
``read_regular(path, limit)`` is the way it reads a file someone else may
have put there (a model file, a cached library): a FIFO, a device, a
socket or a folder is refused before anything could block on it, and at
most ``limit + 1`` bytes are read.

What it promises, as careful tools do (editors, ``rsync``, git):

* a reader sees the old file or the whole new one, never a part, even if
  the writer is killed (the bytes go to a hidden temporary file in the same
  folder, are flushed to disk, then renamed over the target);
* a symbolic link is followed: its target is replaced, the link stays;
* an existing file keeps its permissions (a 0600 file stays 0600);
* anything that is not a regular file (a folder, a device) is refused, not
  replaced;
* every error names the path and what to do; a temporary file left by a
  writer killed earlier (older than ``STALE_SECONDS``) is removed on the
  next write of the same file.
"""

from __future__ import annotations

import contextlib
import glob
import os
import stat
import time

# A temporary file this old is a leftover of a killed writer: no write takes
# this long.
STALE_SECONDS = 600


def write_atomic(path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the whole new one.

    See the module docstring for what is promised. The folder is created if
    missing. An ``OSError`` names ``path``; on any failure (Ctrl-C too) the
    temporary file is removed and an existing file is left as it was.
    """
    target = _target(path)
    directory, name = os.path.split(target)
    mode = _existing_mode(path, target)
    _remove_stale_temporaries(directory, name)
    temporary = os.path.join(directory, f".{name}.{os.urandom(6).hex()}.tmp")
    try:
        os.makedirs(directory, exist_ok=True)
        # NOTE: os.open with 0o666 gives a new file the usual umask
        # permissions; tempfile.mkstemp would leave it readable by its owner only.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                             | getattr(os, "O_BINARY", 0), 0o666)
    except (FileExistsError, NotADirectoryError) as error:
        raise _error(error, path, "a part of its folder is a file, not a folder") from error
    except OSError as error:
        raise _error(error, path, error.strerror) from error
    try:
        with os.fdopen(descriptor, "wb") as file:
            if mode is not None:
                os.chmod(temporary, mode)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException as failure:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        if isinstance(failure, OSError):
            raise _error(failure, path, f"{failure.strerror}; the old file is unchanged") \
                from failure
        raise


class NotRegularFile(ValueError):
    """What :func:`read_regular` refuses; ``kind`` says what it is ("a FIFO")."""

    def __init__(self, path, kind: str):
        super().__init__(f"{path} is {kind}, not a regular file: only files are read")
        self.kind = kind


def file_kind(mode: int) -> str:
    """What a file of ``st_mode`` ``mode`` is, in words ("" for a regular file)."""
    kinds = [(stat.S_ISREG, ""), (stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link"),
             (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")]
    return next((kind for test, kind in kinds if test(mode)), "not a regular file")


def read_regular(path, limit: int, follow_links: bool = True) -> tuple:
    """``(data, status)``: at most ``limit + 1`` bytes of the regular file
    ``path`` (a caller compares ``len(data)`` with ``limit``) and its
    ``os.fstat``. Anything else is :class:`NotRegularFile`, found by
    ``stat`` before it is opened (``open`` alone blocks forever on a FIFO
    no one writes to), and again on what was opened, without blocking,
    in case it was swapped in between. ``follow_links=False`` refuses a
    link too. A missing or unreadable file is the ``OSError``.
    """
    kind = file_kind(os.stat(path, follow_symlinks=follow_links).st_mode)
    if kind:
        raise NotRegularFile(path, kind)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    with os.fdopen(os.open(path, flags), "rb") as file:
        status = os.fstat(file.fileno())
        kind = file_kind(status.st_mode)
        if kind:
            raise NotRegularFile(path, kind)
        return file.read(limit + 1), status


def check_writable(path) -> None:
    """Raise the ``OSError`` :func:`write_atomic` would meet at ``path``'s
    folder, without writing: for a program to ask before long work."""
    target = _target(path)
    _existing_mode(path, target)
    folder = os.path.dirname(target)
    while not os.path.exists(folder):  # the first folder that exists is written in
        folder = os.path.dirname(folder)
    if not os.path.isdir(folder):
        raise OSError(20, f"cannot write {path}: a part of its folder is a file, not a folder")
    # NOTE: a real file made and removed, since permissions alone do not say
    # (root passes os.access; /proc refuses new files to anyone).
    probe = os.path.join(folder, f".chainrule-check.{os.urandom(6).hex()}.tmp")
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as error:
        raise _error(error, path, f"cannot make a file in {folder} ({error.strerror})") \
            from error
    os.remove(probe)


def _error(error: OSError, path, problem: str) -> OSError:
    return OSError(error.errno, f"cannot write {path}: {problem}")


def _target(path) -> str:
    """The file a write of ``path`` replaces: symbolic links followed."""
    text = os.fspath(path)
    if not text:
        raise OSError(2, "cannot write '': the path is empty; give a file name")
    if text.endswith((os.sep, "/")):
        raise OSError(21, f"cannot write {text}: it names a folder; give a file name in it, "
                          f"e.g. {os.path.join(text, 'model.json')}")
    return os.path.realpath(text)


def _existing_mode(path, target) -> int | None:
    """The permissions of the file being replaced (None if there is none);
    refuses what is not a regular file."""
    try:
        status = os.stat(target)
    except FileNotFoundError:
        return None
    except NotADirectoryError as error:
        raise _error(error, path, "a part of its folder is a file, not a folder") from error
    if not stat.S_ISREG(status.st_mode):
        kind = "a folder" if stat.S_ISDIR(status.st_mode) else "not a regular file"
        raise OSError(21 if stat.S_ISDIR(status.st_mode) else 22,
                      f"cannot write {path}: it is {kind}; give the path of a file")
    return stat.S_IMODE(status.st_mode)


def _remove_stale_temporaries(directory, name) -> None:
    """Temporary files of ``name`` left by writers killed long ago."""
    pattern = os.path.join(glob.escape(directory), f".{glob.escape(name)}.{'[0-9a-f]' * 12}.tmp")
    for leftover in glob.glob(pattern):
        with contextlib.suppress(OSError):
            if time.time() - os.stat(leftover).st_mtime > STALE_SECONDS:
                os.remove(leftover)
