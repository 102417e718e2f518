"""Ctrl-C anywhere in ``chainrule``: one line, exit status 130, no traceback,
and any model file it leaves loads.

SIGINT is sent to real ``python -m nn train`` processes at random moments
from the interpreter's first line (its own start-up runs before any
chainrule code: the child says ``up`` first) to past the end of a run:
during the imports, training, saving and plotting.
"""

import os
import random
import signal
import subprocess
import sys
import time

import nn

RUNS = 6


def start(tmp_path, index):
    path = tmp_path / f"model{index}.json"
    command = ["train", "--epochs", "40", "--save", str(path),
               "--out", str(tmp_path / f"plots{index}")]
    process = subprocess.Popen(
        [sys.executable, "-c", f"import sys, runpy; sys.argv = ['nn', *{command!r}]; "
                               f"print('up'); runpy.run_module('nn', run_name='__main__')"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1"})
    assert process.stdout.readline() == "up\n"
    return process, path


def test_sigint_at_random_moments_never_prints_a_traceback(tmp_path):
    runs = []
    for _ in range(2):  # the second: the first may also fill caches (fonts, bytecode)
        started = time.monotonic()
        process, _ = start(tmp_path, "whole")
        assert process.wait(timeout=120) == 0
        runs.append(time.monotonic() - started)
    whole_run = runs[-1]
    rng = random.Random(2024)
    outcomes = []
    for index in range(RUNS):
        process, path = start(tmp_path, index)
        time.sleep(rng.uniform(0.0, whole_run * 1.1))
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
        outcomes.append(process.returncode)
        assert "Traceback" not in err and "Traceback" not in out, err
        if process.returncode == 130:
            last = err.strip().splitlines()[-1].split("\r")[-1]
            assert last.startswith(("chainrule train: interrupted", "chainrule: interrupted"))
            assert ("saved to" in last) == path.exists(), last
        else:
            # NOTE: finished before the signal came; while the interpreter
            # shuts down (after chainrule's last line) SIGINT has its
            # default action again: killed by the signal, with nothing printed.
            assert process.returncode in (0, -signal.SIGINT), err
            assert out.rstrip().splitlines()[-1].startswith("wrote ")
        if path.exists():
            nn.load(path)  # whole, never half-written
    assert outcomes.count(130) >= RUNS // 2


def test_an_interrupted_training_saves_the_last_whole_step_and_says_so(tmp_path):
    path = tmp_path / "model.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "nn", "train", "--epochs", "100000", "--save", str(path),
         "--out", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1"})
    assert process.stdout.readline().startswith("moons: 100 examples")
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    last = err.strip().splitlines()[-1].split("\r")[-1]
    assert last.startswith("chainrule train: interrupted after ")
    assert last.endswith(f"whole steps; the model is saved to {path}")
    assert nn.load(path).state_dict() != nn.MLP(2, [16, 16, 1], seed=1337).state_dict()
