"""Password guessing is throttled per client and per user, before any slow hash; signed-in users stay fast."""
from __future__ import annotations

import statistics
import threading
import time

import pytest

from dashboard.web import security, throttle
from dashboard.web.security import AuthConfig
from dashboard.web.throttle import Throttled, ThrottledVerifier
from tests.test_security import HASH, PASSWORD, basic, bare_server


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Passwords:
    """A stand-in verifier: one right password, counting the (slow) checks."""

    def __init__(self) -> None:
        self.checks = 0
        self.good: set[tuple[str, str]] = set()

    def remembered(self, user: str, password: str) -> bool:
        return (user, password) in self.good

    def __call__(self, user: str, password: str) -> bool:
        self.checks += 1
        ok = (user, password) == ("alice", "right")
        if ok:
            self.good.add((user, password))
        return ok


def test_a_client_that_keeps_guessing_is_stopped_before_any_hash_until_the_window_passes():
    clock, passwords = Clock(), Passwords()
    verify = ThrottledVerifier(passwords, per_client=3, per_user=100, window=60, clock=clock)
    for guess in range(3):
        assert verify("10.0.0.1", "alice", f"guess{guess}") is False
    with pytest.raises(Throttled) as stopped:
        verify("10.0.0.1", "alice", "right")  # even the right password waits: guessing must not pay
    assert passwords.checks == 3 and 1 <= stopped.value.retry_after <= 60
    assert verify("10.0.0.2", "alice", "right") is True  # another client is not held up
    clock.now += 61
    assert verify("10.0.0.1", "bob", "guess") is False  # the window has passed


def test_guessing_one_user_from_many_clients_is_stopped_per_user():
    clock, passwords = Clock(), Passwords()
    verify = ThrottledVerifier(passwords, per_client=100, per_user=5, window=300, clock=clock)
    for n in range(5):
        assert verify(f"10.0.1.{n}", "alice", "guess") is False
    with pytest.raises(Throttled):
        verify("10.0.1.99", "alice", "guess")
    assert verify("10.0.1.99", "bob", "guess") is False  # other users are not locked
    assert passwords.checks == 6


def test_a_signed_in_user_is_never_throttled():
    clock, passwords = Clock(), Passwords()
    verify = ThrottledVerifier(passwords, per_client=2, per_user=2, window=300, clock=clock)
    assert verify("10.0.0.1", "alice", "right") is True
    for _ in range(2):
        verify("10.0.0.1", "alice", "wrong")
    for _ in range(20):
        assert verify("10.0.0.1", "alice", "right") is True  # remembered: no hash, no throttle
    assert passwords.checks == 3


@pytest.mark.slow
def test_the_server_answers_429_with_retry_after_and_stops_hashing(monkeypatch):
    hashed = []
    real = security.check_password_hash
    monkeypatch.setattr(security, "check_password_hash", lambda h, p: hashed.append(1) or real(h, p))
    client = bare_server(AuthConfig("basic", {"alice": HASH})).test_client()
    statuses = [client.get("/", headers=basic("alice", f"guess {n}")).status_code for n in range(30)]
    assert statuses[:throttle.MAX_FAILURES_PER_CLIENT] == [401] * throttle.MAX_FAILURES_PER_CLIENT
    assert set(statuses[throttle.MAX_FAILURES_PER_CLIENT:]) == {429}
    assert len(hashed) == throttle.MAX_FAILURES_PER_CLIENT  # a throttled guess costs no hash
    response = client.get("/", headers=basic("alice", "one more"))
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    assert response.headers["Content-Security-Policy"]  # still carries the security headers


@pytest.mark.slow
def test_a_signed_in_user_stays_fast_while_sixteen_clients_guess():
    server = bare_server(AuthConfig("basic", {"alice": HASH}))
    user = server.test_client()
    assert user.get("/", headers=basic("alice", PASSWORD)).status_code == 200  # signs in (one hash)
    stop = threading.Event()
    answered: list[int] = []

    def guesser(n: int) -> None:
        client = server.test_client()
        guess = 0
        while not stop.is_set():
            guess += 1
            answered.append(client.get("/", headers=basic("alice", f"guess {guess}"),
                                       environ_base={"REMOTE_ADDR": f"10.9.{n}.{guess % 250}"}).status_code)

    threads = [threading.Thread(target=guesser, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)
        timings = []
        for _ in range(20):
            t0 = time.perf_counter()
            assert user.get("/", headers=basic("alice", PASSWORD)).status_code == 200
            timings.append(time.perf_counter() - t0)
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert 429 in answered and answered.count(401) <= throttle.MAX_FAILURES_PER_USER + 16
    assert statistics.median(timings) < 0.1, timings
