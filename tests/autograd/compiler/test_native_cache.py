"""The native cache loads only what this user built.

Each case plants something under the exact name a compile will look for
(found by compiling once into a clean folder) and runs the compile in a
subprocess, so a library that crashes the loader (SIGBUS on a truncated
file) fails the test instead of the test run. The answers are checked
against tanh's closed-form derivative. The planted files come from the
hostile-input corpus (tests/hostile.py).
"""

import errno
import hashlib
import math
import os
import subprocess
import sys
import textwrap

import pytest

from autograd import Value, compile
from autograd.compiler import native

from ... import hostile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))

# The compile every case runs: loss tanh(w·x) at w = 0.5, x = 2.
SCRIPT = textwrap.dedent("""
    import warnings
    warnings.simplefilter("always")
    from autograd import Value, compile
    w = Value(0.5)
    step = compile(lambda x: (w * x).tanh(), [w], backend="c")
    print(repr(step(2.0)), repr(w.grad), step.backend)
""")
LOSS = math.tanh(1.0)
GRADIENT = (1 - math.tanh(1.0) ** 2) * 2.0
NOBODY = 65534


def run(cache, extra_environment=None):
    """The SCRIPT's ``(return code, stdout, stderr)`` with ``cache`` as the cache folder."""
    environment = {**os.environ, "CHAINRULE_NATIVE_CACHE": os.fspath(cache),
                   "PYTHONPATH": ROOT, **(extra_environment or {})}
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            env=environment, timeout=120)
    return result.returncode, result.stdout, result.stderr


def assert_trained_natively(outcome):
    code, out, err = outcome
    assert code == 0, err
    loss, gradient, backend = out.split()
    assert float(loss) == pytest.approx(LOSS, rel=1e-15)
    assert float(gradient) == pytest.approx(GRADIENT, rel=1e-14)
    assert backend == "c"
    assert "Traceback" not in err


@pytest.fixture(scope="module")
def library_name(tmp_path_factory):
    """The file name the SCRIPT's library has in any cache."""
    folder = tmp_path_factory.mktemp("clean") / "cache"
    assert_trained_natively(run(folder))
    names = [name for name in os.listdir(folder) if name.endswith(".so")]
    assert len(names) == 1 and (folder / (names[0] + native.DIGEST)).is_file()
    return names[0]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """The corpus's libraries, compiled: ``{name: path}``; the marker file
    that the constructor of ``constructor`` creates when it is loaded."""
    folder = tmp_path_factory.mktemp("planted")
    marker = folder / "constructor-ran"
    built = {}
    for name, source in hostile.PLANTED_LIBRARIES.items():
        c_file = folder / f"{name}.c"
        c_file.write_text(source.replace("MARKER", os.fspath(marker)))
        built[name] = folder / f"{name}.so"
        subprocess.run([*native.find_compiler(), "-shared", "-fPIC", os.fspath(c_file), "-o",
                        os.fspath(built[name])], check=True, capture_output=True)
    return built, marker


def plant(folder, name, data, digest_of=None):
    """``data`` under ``name`` in ``folder``, with the digest of ``digest_of``
    (default: of ``data``; None: no digest) beside it."""
    folder.mkdir(mode=0o700, exist_ok=True)
    (folder / name).write_bytes(data)
    if digest_of is not False:
        digest = hashlib.sha256(data if digest_of is None else digest_of).hexdigest()
        (folder / (name + native.DIGEST)).write_text(digest)


def test_a_library_planted_in_a_folder_of_another_user_is_never_loaded(
        tmp_path, library_name, planted):
    built, marker = planted
    cache = tmp_path / "shared"
    plant(cache, library_name, built["constructor"].read_bytes())
    for path in (cache, *cache.iterdir()):
        os.chown(path, NOBODY, NOBODY)
    outcome = run(cache)
    assert_trained_natively(outcome)
    assert not marker.exists()
    assert f"{cache}" in outcome[2] and f"belongs to user id {NOBODY}" in outcome[2]
    assert outcome[2].count("RuntimeWarning") == 1
    assert "private temporary folder" in outcome[2]


def test_a_folder_others_may_write_to_is_refused(tmp_path, library_name, planted):
    built, marker = planted
    cache = tmp_path / "open"
    plant(cache, library_name, built["constructor"].read_bytes())
    cache.chmod(0o777)
    outcome = run(cache)
    assert_trained_natively(outcome)
    assert not marker.exists()
    assert "is writable by other users (mode 777)" in outcome[2]


def test_a_library_without_its_build_digest_is_never_loaded(tmp_path, library_name, planted):
    built, marker = planted
    for digest_of in (False, b"what the build stored"):
        cache = tmp_path / f"mine-{bool(digest_of)}"
        plant(cache, library_name, built["constructor"].read_bytes(), digest_of=digest_of)
        outcome = run(cache)
        assert_trained_natively(outcome)
        assert not marker.exists()
        # it was built again in place, with its digest: the next run loads it
        assert_trained_natively(run(cache))
        assert "compiled in" not in outcome[1]
    assert "does not match the digest stored beside it" in outcome[2]


def test_a_symbolic_link_under_the_name_is_not_followed(tmp_path, library_name, planted):
    built, marker = planted
    cache = tmp_path / "linked"
    cache.mkdir(mode=0o700)
    (cache / library_name).symlink_to(built["constructor"])
    digest = hashlib.sha256(built["constructor"].read_bytes()).hexdigest()
    (cache / (library_name + native.DIGEST)).write_text(digest)
    outcome = run(cache)
    assert_trained_natively(outcome)
    assert not marker.exists()
    assert "is a symbolic link (links are not followed)" in outcome[2]
    assert not (cache / library_name).is_symlink()  # replaced by a real build


@pytest.mark.parametrize("size", [1_000, 3_000, 8_000])
def test_a_truncated_library_is_built_again_not_loaded(tmp_path, library_name, size):
    cache = tmp_path / "cache"
    assert_trained_natively(run(cache))
    library = cache / library_name
    library.write_bytes(library.read_bytes()[:size])  # the digest stays the whole one's
    outcome = run(cache)
    assert_trained_natively(outcome)  # was SIGBUS, return code 135
    assert f"{library} does not match the digest" in outcome[2]


@pytest.mark.parametrize("case", ["corrupt", "missing symbol"])
def test_a_verified_library_that_does_not_load_falls_back_to_a_fresh_build(
        tmp_path, library_name, planted, case):
    # the digest matches (as if the user had stored both): the loader
    # itself fails, and a private build replaces it
    built, _ = planted
    data = hostile.CORRUPT_LIBRARY if case == "corrupt" else built["other_symbol"].read_bytes()
    cache = tmp_path / "cache"
    plant(cache, library_name, data)
    outcome = run(cache)
    assert_trained_natively(outcome)
    assert f"{cache / library_name} does not load" in outcome[2]
    assert outcome[2].count("RuntimeWarning") == 1


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_a_cache_path_that_is_no_folder_builds_in_a_temporary_folder(tmp_path, where):
    file = tmp_path / "file"
    file.write_text("not a folder")
    cache = file if where == "a file" else file / "native"
    outcome = run(cache)
    assert_trained_natively(outcome)
    reason = ("is not a folder" if where == "a file"
              else f"cannot be created ({file} is not a folder)")
    assert f"{cache} {reason}" in outcome[2]


@pytest.mark.parametrize("error", [errno.EROFS, errno.ENOSPC])
def test_a_read_only_or_full_cache_builds_in_a_temporary_folder(tmp_path, monkeypatch, error):
    # NOTE: simulated (the tests run as root, whom no permission stops, and
    # may not mount a small disk): every new file in the cache is refused.
    cache = tmp_path / "cache"
    monkeypatch.setenv("CHAINRULE_NATIVE_CACHE", os.fspath(cache))
    replace = os.replace

    def refusing(source, destination):
        if os.fspath(destination).startswith(os.fspath(cache)):
            raise OSError(error, os.strerror(error))
        return replace(source, destination)
    monkeypatch.setattr(os, "replace", refusing)
    w = Value(0.5)
    with pytest.warns(RuntimeWarning, match=f"{cache} refuses a new file "
                                            f"\\({os.strerror(error)}\\)"):
        step = compile(lambda x: (w * x).tanh(), [w], backend="c")
        loss = step(2.0)
    assert (loss, w.grad, step.backend) == (pytest.approx(LOSS, rel=1e-15),
                                            pytest.approx(GRADIENT, rel=1e-14), "c")


def test_a_new_cache_folder_is_private(tmp_path):
    cache = tmp_path / "new" / "native"
    assert_trained_natively(run(cache))
    assert cache.stat().st_mode & 0o777 == 0o700


def test_train_engine_c_with_an_unusable_cache_trains_without_a_traceback(tmp_path):
    cache = tmp_path / "file"
    cache.write_text("not a folder")
    result = subprocess.run(
        [sys.executable, "-m", "nn", "train", "--dataset", "iris", "--hidden", "4",
         "--epochs", "1", "--batch-size", "30", "--engine", "c", "--out", os.fspath(tmp_path)],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "CHAINRULE_NATIVE_CACHE": os.fspath(cache), "PYTHONPATH": ROOT})
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{cache} is not a folder" in result.stderr
    assert "native (C) engine" in result.stdout


@pytest.mark.parametrize("name", hostile.FUNCTION_NAMES)
def test_a_function_name_python_would_read_differently_compiles(name):
    w = Value(0.5)

    def f(x):
        return (w * x).tanh()
    f.__name__ = name
    step = compile(f, [w])
    assert step(2.0) == pytest.approx(LOSS, rel=1e-15)
    assert step.source.startswith("def compiled(rows, gradient):")
