"""Killing a push mid-run, the same way for every live target's tests: the
journal's states, and a push stopped with SIGKILL right after a comment
reached the target and before the journal heard of it. Not a test module."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter


def journal_states(state) -> Counter:
    """How many journal rows are in each state ('done', 'in-flight', ...)."""
    if not os.path.exists(state):
        return Counter()
    db = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=5)
    try:
        return Counter(dict(db.execute("SELECT state, count(*) FROM comments GROUP BY state")))
    except sqlite3.OperationalError:
        return Counter()
    finally:
        db.close()


def kill_mid_push(cmd: list, env: dict, state, *, done: int = 8, wait: float = 60) -> Counter:
    """Run ``cmd`` (a push) with one worker and ``--delay``, which pauses after
    each POST before the journal hears of it; once ``done`` comments are in
    and one is in flight, SIGKILL it inside that pause. Returns the
    journal's states afterwards."""
    proc = subprocess.Popen(cmd + ["--workers", "1", "--delay", "0.4"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + wait
        while time.time() < deadline:
            st = journal_states(state)
            if st["done"] >= done and st["in-flight"] >= 1:
                break
            time.sleep(0.05)
        time.sleep(0.15)  # inside the pause after a POST
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return journal_states(state)
