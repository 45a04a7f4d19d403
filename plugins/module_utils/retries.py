# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When to try an API call again and how long to wait first (pure logic, no SDK).

Transient failures (throttling, 5xx, no answer at all) are retried with "full jitter" exponential backoff,
bounded both by a number of attempts and by a total time budget. Client errors (4xx) are final unless the
caller names the code in ``retry_on``, which is how eventual consistency is waited out (a role that was
created a moment ago and is not visible yet).

A write is never retried blindly after its answer may have been lost (``answer_may_be_lost``): the client layer reads
back first whether it was applied (module_utils/reconcile.py)."""

from __future__ import annotations

import random as _random
import time

from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import ApiError

DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_MAX_SECONDS = 30.0
DEFAULT_BASE_DELAY = 0.5
DEFAULT_MAX_DELAY = 10.0

TRANSIENT_CODES = frozenset(("ServiceUnavailable", "InternalError"))
TOO_MANY_REQUESTS = 429
# What the HTTP stack says of a connection that never carried the request: refused, a name that does not resolve, a
# connect timeout (urllib3's NewConnectionError, NameResolutionError, ConnectTimeoutError, as the SDK passes them on).
NOT_SENT_MARKERS = (
    "NewConnectionError",
    "NameResolutionError",
    "ConnectTimeoutError",
    "Failed to establish a new connection",
    "connect timeout=",
)


def is_retryable(error, retry_on=()):
    """True when the same call may succeed later."""
    if error.transport or error.code in retry_on:
        return True
    if error.retry_after is not None or error.status_code == TOO_MANY_REQUESTS:
        return True
    if error.code and (error.code.startswith("Throttling") or error.code in TRANSIENT_CODES):
        return True
    return bool(error.status_code) and error.status_code >= 500


def answer_may_be_lost(error):
    """True when the request may have reached the server and been applied, though no answer came back: a connection
    reset or closed after the request was sent, or a read timeout. A connection that was never made is not such a
    failure, nor is any answer (an error code is an answer)."""
    if not error.transport:
        return False
    text = f"{error.code} {error.message}"
    return not any(marker in text for marker in NOT_SENT_MARKERS)


class RetryPolicy:
    """Bounded, jittered exponential backoff. ``sleep``, ``clock`` and ``random`` are injectable for tests."""

    def __init__(
        self,
        max_attempts=DEFAULT_MAX_ATTEMPTS,
        max_seconds=DEFAULT_MAX_SECONDS,
        base_delay=DEFAULT_BASE_DELAY,
        max_delay=DEFAULT_MAX_DELAY,
        sleep=time.sleep,
        clock=time.monotonic,
        random=_random.random,
    ):
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if max_seconds < 0:
            raise ValueError("max_seconds must not be negative")
        self.max_attempts = max_attempts
        self.max_seconds = max_seconds
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._sleep = sleep
        self._clock = clock
        self._random = random

    def backoff(self, attempt, retry_after=None):
        """Seconds to wait after failed attempt number ``attempt`` (1-based).

        A server hint (x-acs-retry-after) wins; otherwise a uniform draw below an exponentially growing
        ceiling ("full jitter"), so that many Ansible forks throttled together do not retry in lockstep."""
        if retry_after is not None:
            return float(retry_after)
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return self._random() * ceiling

    def now(self):
        """The policy's clock (monotonic seconds), for budgets shared by several calls."""
        return self._clock()

    def within(self, max_seconds, max_attempts=None):
        """The same policy with another budget: how a caller waits out eventual consistency for a given time."""
        return RetryPolicy(
            max_attempts=max_attempts or self.max_attempts,
            max_seconds=max_seconds,
            base_delay=self.base_delay,
            max_delay=self.max_delay,
            sleep=self._sleep,
            clock=self._clock,
            random=self._random,
        )

    def run(self, operation, retry_on=(), stats=None):
        """Return ``operation(attempt)``, retrying ApiErrors that :func:`is_retryable` accepts.

        Stops at ``max_attempts`` attempts, and never sleeps past ``max_seconds`` after the first attempt
        started; the last ApiError is then re-raised with ``attempts`` and ``waited`` set. ``stats`` (a dict), when
        given, receives the same two numbers for a success too."""
        started = self._clock()
        attempt, waited = 1, 0.0
        stats = {} if stats is None else stats
        while True:
            stats.update(attempts=attempt, waited=waited)
            try:
                return operation(attempt)
            except ApiError as error:
                error.attempts, error.waited = attempt, waited
                delay = self._delay_before_next(error, attempt, started, retry_on)
                if delay is None:
                    raise
            self._sleep(delay)
            waited += delay
            attempt += 1

    def _delay_before_next(self, error, attempt, started, retry_on):
        """Seconds to sleep before another attempt, or None when the error is final or the budget spent.

        A backoff that would cross the time budget is cut short, so that the last attempt comes at its end (what a
        caller waiting "up to N seconds" for a new role expects); a server's retry-after beyond it is obeyed by
        giving up instead."""
        if attempt >= self.max_attempts or not is_retryable(error, retry_on):
            return None
        remaining = self.max_seconds - (self._clock() - started)
        delay = self.backoff(attempt, error.retry_after)
        if remaining <= 0 or (error.retry_after is not None and delay > remaining):
            return None
        return min(delay, remaining)
