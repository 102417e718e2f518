"""autograd.files: atomic writes."""

import os
import stat

from autograd.files import write_atomic


def test_write_atomic_replaces_whole_files_with_umask_permissions(tmp_path):
    target = tmp_path / "new" / "picture.svg"
    write_atomic(target, b"first")
    write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert os.listdir(target.parent) == ["picture.svg"]  # no temporary file left
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
