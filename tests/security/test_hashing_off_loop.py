"""Password hashing runs off gevent's event loop, so a stream of logins cannot stall a gevent worker's other requests.

Was: while 400 wrong passwords were tried, /healthz went from 6 ms to 1,081 ms p95 and a one-event ingest from 7 to
377 ms. Proof without timing: a greenlet that only counts and yields keeps counting *while* a hash is computed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
if sys.argv[1] == "patched":
    from gevent import monkey
    monkey.patch_all()  # what gunicorn's gevent worker does
import json
import gevent
import passwords

passwords.configure("standard")  # a real hash: tens of milliseconds of work
ticks = 0

def ticker():
    global ticks
    while True:
        ticks += 1
        gevent.sleep(0)

def hashing():
    start = ticks
    stored = passwords.hash_password("a password long enough to hash")
    after_hash = ticks
    passwords.verify(stored, "a wrong password to check")
    after_verify = ticks
    passwords.verify(None, "an unknown account")
    print(json.dumps({"hash": after_hash - start, "verify": after_verify - after_hash,
                      "dummy": ticks - after_verify}))

gevent.spawn(ticker)
gevent.sleep(0)
gevent.spawn(hashing).join()
"""


def run_probe(mode: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, mode], cwd=PROJECT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_under_gevent_other_greenlets_run_while_a_password_is_hashed():
    ticks = run_probe("patched")
    assert ticks["hash"] > 0 and ticks["verify"] > 0 and ticks["dummy"] > 0, ticks


def test_without_gevent_patching_hashing_is_a_plain_call():
    """The counterpart: not under gevent's worker, the hash runs in place (no greenlet runs meanwhile)."""
    assert run_probe("plain") == {"hash": 0, "verify": 0, "dummy": 0}
