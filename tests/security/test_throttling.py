"""Brute force against /login and /register, replayed: the guesses are counted in PostgreSQL and stopped.

Was: 400 wrong passwords for one account in 23.5 s, all plain 401s, and the right password still worked at once.
"""

from __future__ import annotations

import threading

from sqlalchemy import text

from tests.conftest import ANALYST_EMAIL, ANALYST_PASSWORD, form_token, logout
from tests.security.conftest import (
    ATTACKER,
    OWNER,
    address,
    auth_error,
    blocks,
    counters,
    end_blocks,
    is_logged_in,
    login_from,
    register_from,
    user_count,
)

WRONG = "not the password at all"


def test_the_fifth_wrong_password_from_one_address_blocks_it_with_429_retry_after_and_a_message(
    client, analyst, engine, hashes
):
    statuses = [login_from(client, ATTACKER, ANALYST_EMAIL, WRONG).status_code for _ in range(5)]
    assert statuses == [401] * 5
    assert blocks(engine, "login:account+address") == [15.0]

    refused = login_from(client, ATTACKER, ANALYST_EMAIL, WRONG)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 15
    assert auth_error(refused).startswith("Too many attempts. Please wait")
    assert refused.headers["Cache-Control"] == "no-store"
    # even the right password waits: the block is checked before any password
    assert login_from(client, ATTACKER, ANALYST_EMAIL, ANALYST_PASSWORD).status_code == 429
    assert not is_logged_in(client)
    assert len(hashes) == 5  # refused attempts cost no hashing
    assert counters(engine) == {"login:account": [5], "login:account+address": [5], "login:address": [5]}


def test_the_counters_store_no_typed_email_or_address(client, analyst, engine):
    login_from(client, ATTACKER, "typed.by.someone@example.com", WRONG)
    with engine.connect() as conn:
        subjects = conn.execute(text("SELECT subject FROM auth_throttle")).scalars().all()
    assert len(subjects) == 3
    for subject in subjects:
        assert len(subject) == 32  # HMAC-SHA256
        assert b"typed.by.someone" not in subject and ATTACKER.encode() not in subject


def test_blocks_grow_15_30_60_seconds_and_refused_attempts_are_not_counted(client, analyst, engine):
    for _ in range(5):
        login_from(client, ATTACKER, ANALYST_EMAIL, WRONG)
    for expected_block, failures in ((30.0, 6), (60.0, 7), (120.0, 8)):
        assert login_from(client, ATTACKER, ANALYST_EMAIL, WRONG).status_code == 429
        end_blocks(engine)
        assert login_from(client, ATTACKER, ANALYST_EMAIL, WRONG).status_code == 401
        assert blocks(engine, "login:account+address") == [expected_block]
        assert counters(engine)["login:account+address"] == [failures]


def test_the_tenth_failure_for_one_account_blocks_it_whatever_addresses_they_come_from(client, analyst, engine, hashes):
    statuses = [login_from(client, f"203.0.113.{i}", ANALYST_EMAIL, WRONG).status_code for i in range(1, 11)]
    assert statuses == [401] * 10
    assert blocks(engine, "login:account") == [60.0]
    refused = login_from(client, "203.0.113.11", ANALYST_EMAIL, WRONG)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert len(hashes) == 10
    assert counters(engine) == {
        "login:account": [10],
        "login:account+address": [1] * 10,
        "login:address": [1] * 10,
    }


def test_a_burst_of_parallel_guesses_gets_exactly_ten_through(dash_app, analyst, engine, hashes):
    """The counters are reserved under row locks before the hash: parallel requests cannot slip past the count."""
    attackers = []
    for i in range(30):
        attacker = dash_app.server.test_client()
        token = form_token(attacker, **address(f"203.0.113.{i + 1}"))
        attackers.append((attacker, token, f"203.0.113.{i + 1}"))
    start = threading.Barrier(len(attackers))
    statuses: list[int] = []

    def guess(attacker, token, ip):
        start.wait()
        response = attacker.post(
            "/login", data={"csrf_token": token, "email": ANALYST_EMAIL, "password": WRONG}, **address(ip)
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=a) for a in attackers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [401] * 10 + [429] * 20
    assert len(hashes) == 10
    assert counters(engine)["login:account"] == [10]


def test_the_owner_on_a_known_device_logs_in_while_the_account_is_under_attack(dash_app, client, analyst, engine):
    owner = dash_app.server.test_client()
    assert login_from(owner, OWNER, ANALYST_EMAIL, ANALYST_PASSWORD).status_code == 302  # a known device from now on
    assert logout(owner).status_code == 302

    for i in range(1, 11):
        login_from(client, f"203.0.113.{i}", ANALYST_EMAIL, WRONG)
    assert login_from(client, "203.0.113.11", ANALYST_EMAIL, WRONG).status_code == 429  # the account is blocked

    assert login_from(owner, OWNER, ANALYST_EMAIL, ANALYST_PASSWORD).status_code == 302
    assert is_logged_in(owner)

    # the documented bound: the owner in a browser never used before waits for the current block (here 1 minute)
    new_browser = dash_app.server.test_client()
    waiting = login_from(new_browser, "198.51.100.8", ANALYST_EMAIL, ANALYST_PASSWORD)
    assert waiting.status_code == 429
    assert blocks(engine, "login:account") == [60.0]
    assert 1 <= int(waiting.headers["Retry-After"]) <= 60
    end_blocks(engine)
    assert login_from(new_browser, "198.51.100.8", ANALYST_EMAIL, ANALYST_PASSWORD).status_code == 302


def test_a_good_login_clears_its_own_counter_and_takes_its_attempt_back(client, analyst, engine):
    for _ in range(4):
        login_from(client, OWNER, ANALYST_EMAIL, WRONG)
    assert login_from(client, OWNER, ANALYST_EMAIL, ANALYST_PASSWORD).status_code == 302
    assert counters(engine) == {"login:account": [4], "login:address": [4]}  # the pair counter is gone


def test_password_spraying_from_one_address_is_blocked_by_the_twentieth_failure(client, engine):
    statuses = [login_from(client, ATTACKER, f"user{i}@example.com", WRONG).status_code for i in range(20)]
    assert statuses == [401] * 20
    assert login_from(client, ATTACKER, "user20@example.com", WRONG).status_code == 429
    assert counters(engine)["login:address"] == [20]


def registration(email: str) -> dict:
    return {"name": "Reg", "email": email, "password": "violet tractor sunrise", "age": "30", "gender": "Other"}


def test_registration_is_throttled_per_address(client, analyst, engine, hashes):
    emails = ["r1@example.com", ANALYST_EMAIL, "r2@example.com", "r3@example.com", "r4@example.com"]
    assert [register_from(client, ATTACKER, registration(e)).status_code for e in emails] == [200] * 5
    refused = register_from(client, ATTACKER, registration("r5@example.com"))
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert auth_error(refused).startswith("Too many attempts")
    assert user_count(engine) == 1 + 4  # the analyst and the four new emails; the taken one changed nothing
    assert len(hashes) == 5
    assert blocks(engine, "register:address") == [60.0]
    # another address may still register
    assert register_from(client, "198.51.100.20", registration("r5@example.com")).status_code == 200
    assert user_count(engine) == 6


def test_registration_is_throttled_per_email(client, engine):
    statuses = [register_from(client, f"203.0.113.{i}", registration("x@example.com")).status_code for i in (1, 2, 3)]
    assert statuses == [200, 200, 200]
    assert register_from(client, "203.0.113.4", registration("x@example.com")).status_code == 429
    assert user_count(engine) == 1
    assert counters(engine)["register:email"] == [3]


def test_x_forwarded_for_is_ignored_unless_a_proxy_is_trusted(client, make_app, analyst, engine):
    for i in range(5):  # a different forged address each time, all from one real peer
        login_from(client, ATTACKER, ANALYST_EMAIL, WRONG, headers={"X-Forwarded-For": f"192.0.2.{i}"})
    assert login_from(client, ATTACKER, ANALYST_EMAIL, WRONG).status_code == 429
    assert counters(engine)["login:account+address"] == [5]

    end_blocks(engine)
    proxied = make_app(trusted_proxies=1).server.test_client()
    for i in range(3):  # behind one trusted proxy, its X-Forwarded-For names the client
        login_from(proxied, "127.0.0.1", ANALYST_EMAIL, WRONG, headers={"X-Forwarded-For": f"192.0.2.{i}"})
    assert counters(engine)["login:account+address"] == [1, 1, 1, 5]


def test_counters_are_shared_by_every_instance_of_the_app(make_app, analyst, engine):
    """Two app instances (two workers, or two servers) on one database: the guesses add up."""
    first, second = make_app().server.test_client(), make_app().server.test_client()
    statuses = [login_from((first, second)[i % 2], ATTACKER, ANALYST_EMAIL, WRONG).status_code for i in range(6)]
    assert statuses == [401] * 5 + [429]


def test_counters_untouched_for_a_day_are_deleted_at_the_next_good_login(client, analyst, engine):
    login_from(client, ATTACKER, "old@example.com", WRONG)
    login_from(client, "203.0.113.2", "older@example.com", WRONG)
    with engine.begin() as conn:
        conn.execute(text("UPDATE auth_throttle SET last_failure_at = now() - interval '1 day 1 second'"))
    login_from(client, ATTACKER, "fresh@example.com", WRONG)  # touches the attacker's address counter again
    assert login_from(client, OWNER, ANALYST_EMAIL, ANALYST_PASSWORD).status_code == 302
    assert counters(engine) == {
        "login:account": [0, 1],  # the owner's (attempt taken back), fresh@
        "login:account+address": [1],  # fresh@ from the attacker; the owner's own is cleared
        "login:address": [0, 1],  # the owner's, the attacker's (forgotten after a quiet day, then counted anew)
    }
