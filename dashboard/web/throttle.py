"""Throttling of password guessing for basic auth: per client and per user, never for signed-in users.

An adversarial run answered 150 wrong guesses in 22 s, and 16 parallel guessers slowed a
signed-in user's request from 2 ms to 1.37 s: every guess ran the deliberately slow password
hash on the same two cores. Here:

- failed attempts are counted per client address and per user name over a sliding window;
  past the limit an attempt gets 429 with ``Retry-After`` *before* any hash is computed;
- at most ``HASHING_AT_ONCE`` slow hashes run at a time in a process; an attempt that cannot
  start one soon gets 429 too, so guessers (from however many addresses) cannot take the CPU;
- a user whose password this process has already verified is let in from the remembered
  HMAC without a hash, a throttle or a queue: signed-in users are never slowed by guessing.

An in-process limiter rather than Flask-Limiter: what is limited is failures (not requests),
the check has to sit inside the password check (before the hash, after the remembered-password
fast path), and counts per gunicorn worker are enough to bound guessing (a worker's limit times
the workers). Behind a reverse proxy every client has the proxy's address: use header auth there.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from typing import Callable, Protocol

MAX_FAILURES_PER_CLIENT = 10  # failed attempts from one address in WINDOW_SECONDS
MAX_FAILURES_PER_USER = 10  # failed attempts at one user name in WINDOW_SECONDS
WINDOW_SECONDS = 300.0
HASHING_AT_ONCE = 1  # slow hashes computed at once per process (a worker has 4 threads)
HASH_QUEUE_SECONDS = 2.0  # how long an attempt may wait for its turn to be hashed
MAX_KEYS = 10_000  # addresses and names remembered (the oldest are forgotten first)


class Throttled(Exception):
    """Too many failed attempts (or too many at once): try again after `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many failed sign-in attempts; retry after {retry_after:.0f} s")
        self.retry_after = max(1, int(retry_after + 0.999))


class FailureWindow:
    """Failed attempts per key over a sliding window; a key with `limit` failures in it is blocked."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = MAX_KEYS) -> None:
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> float:
        """Return the seconds until `key` may try again (0: it may try now)."""
        now = self.clock()
        with self._lock:
            times = self._failures.get(key)
            if not times:
                return 0.0
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) < self.limit:
                return 0.0
            return times[len(times) - self.limit] + self.window - now

    def failed(self, key: str) -> None:
        """Record a failed attempt by `key`."""
        now = self.clock()
        with self._lock:
            times = self._failures.pop(key, None) or deque(maxlen=self.limit)
            times.append(now)
            self._failures[key] = times  # most recent last, so the oldest key goes first
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)


class Verifier(Protocol):
    def __call__(self, user: str, password: str) -> bool: ...

    def remembered(self, user: str, password: str) -> bool: ...


class ThrottledVerifier:
    """A password check that throttles failures per client and per user and bounds concurrent hashing."""

    def __init__(self, verify: Verifier, *, per_client: int = MAX_FAILURES_PER_CLIENT,
                 per_user: int = MAX_FAILURES_PER_USER, window: float = WINDOW_SECONDS,
                 hashing_at_once: int = HASHING_AT_ONCE, queue_seconds: float = HASH_QUEUE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._verify = verify
        self.clients = FailureWindow(per_client, window, clock)
        self.users = FailureWindow(per_user, window, clock)
        self._hashing = threading.BoundedSemaphore(hashing_at_once)
        self._queue_seconds = queue_seconds

    def __call__(self, client: str, user: str, password: str) -> bool:
        """Return whether the password is right; raise Throttled when this attempt must wait."""
        if self._verify.remembered(user, password):
            return True  # verified before: no hash, no throttle (signed-in users stay fast)
        user_key = user[:256]
        wait = max(self.clients.retry_after(client), self.users.retry_after(user_key))
        if wait > 0:
            raise Throttled(wait)
        if not self._hashing.acquire(timeout=self._queue_seconds):
            raise Throttled(self._queue_seconds)
        try:
            ok = self._verify(user, password)
        finally:
            self._hashing.release()
        if not ok:
            self.clients.failed(client)
            self.users.failed(user_key)
        return ok
