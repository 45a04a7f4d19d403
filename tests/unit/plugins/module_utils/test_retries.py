# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The retry policy: what it retries, how long it waits, and that it always stops within its bounds."""

from __future__ import annotations

import random

import pytest

from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import ApiError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.retries import RetryPolicy, is_retryable


class FakeTime:
    """A clock that only moves when the policy sleeps (or when an attempt is said to take time)."""

    def __init__(self, attempt_seconds=0.0):
        self.now = 1000.0
        self.sleeps = []
        self.attempt_starts = []
        self.attempt_seconds = attempt_seconds

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def make_policy(time_source, **kwargs):
    return RetryPolicy(sleep=time_source.sleep, clock=time_source.clock, **kwargs)


def failing(error_factory, time_source, succeed_on=None):
    """An operation that fails with a fresh error until attempt ``succeed_on``; records the attempt numbers."""
    attempts = []

    def operation(attempt):
        attempts.append(attempt)
        time_source.attempt_starts.append(time_source.now)
        time_source.now += time_source.attempt_seconds
        if succeed_on is not None and attempt >= succeed_on:
            return {"RequestId": "ok"}
        raise error_factory()

    return operation, attempts


def server_error():
    return ApiError("ServiceUnavailable", "try later", request_id="r-1", status_code=503)


def throttled(retry_after=None):
    return ApiError("Throttling.User", "slow down", status_code=400, retry_after=retry_after)


def connection_refused():
    return ApiError("ConnectionError", "connection refused", transport=True)


@pytest.mark.parametrize(
    "error",
    [
        ApiError("Throttling", "", status_code=400),
        ApiError("Throttling.User", "", status_code=400),
        ApiError("Throttling.Api", "", status_code=403),
        ApiError("TooManyRequests", "", status_code=429),
        ApiError("AnyCode", "", status_code=400, retry_after=0.2),
        ApiError("ServiceUnavailable", "", status_code=503),
        ApiError("InternalError", "", status_code=500),
        ApiError("BadGateway", "", status_code=502),
        ApiError("ConnectionError", "refused", transport=True),
        ApiError("RequestTimeout", "read timed out", transport=True),
    ],
    ids=lambda error: f"{error.code}-{error.status_code}",
)
def test_transient_failures_are_retryable(error):
    assert is_retryable(error)


@pytest.mark.parametrize(
    "code,status",
    [
        ("EntityNotExist.Role", 404),
        ("EntityAlreadyExists.Role", 409),
        ("NoPermission", 403),
        ("InvalidParameter.RoleName.InvalidChars", 400),
        ("SignatureDoesNotMatch", 400),
        ("InvalidResponse", None),
    ],
)
def test_client_errors_are_final(code, status):
    assert not is_retryable(ApiError(code, "", status_code=status))


def test_codes_named_by_the_call_are_retryable():
    not_yet_visible = ApiError("EntityNotExist.Role", "", status_code=404)
    assert is_retryable(not_yet_visible, retry_on=("EntityNotExist.Role",))
    assert not is_retryable(not_yet_visible, retry_on=("EntityNotExist.Policy",))


def test_success_after_transient_failures_returns_the_result():
    time_source = FakeTime()
    operation, attempts = failing(server_error, time_source, succeed_on=3)
    assert make_policy(time_source).run(operation) == {"RequestId": "ok"}
    assert attempts == [1, 2, 3]
    assert len(time_source.sleeps) == 2


def test_stops_after_max_attempts_and_reraises_the_last_error():
    time_source = FakeTime()
    operation, attempts = failing(server_error, time_source)
    with pytest.raises(ApiError) as raised:
        make_policy(time_source, max_attempts=4, max_seconds=3600).run(operation)
    assert attempts == [1, 2, 3, 4]
    assert raised.value.attempts == 4
    assert raised.value.code == "ServiceUnavailable"
    assert len(time_source.sleeps) == 3


def test_max_attempts_one_means_no_retry():
    time_source = FakeTime()
    operation, attempts = failing(server_error, time_source)
    with pytest.raises(ApiError):
        make_policy(time_source, max_attempts=1).run(operation)
    assert attempts == [1]
    assert not time_source.sleeps


def test_never_sleeps_past_the_time_budget():
    # Slow attempts (2 s each) and long waits: the budget, not the attempt count, must end this.
    time_source = FakeTime(attempt_seconds=2.0)
    operation, attempts = failing(server_error, time_source)
    policy = make_policy(
        time_source, max_attempts=100, max_seconds=10.0, base_delay=1.0, max_delay=4.0, random=lambda: 0.99
    )
    with pytest.raises(ApiError):
        policy.run(operation)
    assert 1 < len(attempts) < 100
    assert time_source.attempt_starts[-1] - time_source.attempt_starts[0] <= 10.0
    # and it did use the budget: one more backoff would have crossed it
    assert time_source.now - time_source.attempt_starts[0] + 4.0 * 0.99 > 10.0


def test_time_budget_zero_means_a_single_attempt():
    time_source = FakeTime()
    operation, attempts = failing(server_error, time_source)
    with pytest.raises(ApiError):
        make_policy(time_source, max_seconds=0, random=lambda: 0.5).run(operation)
    assert attempts == [1]


@pytest.mark.parametrize(
    "factory",
    [
        lambda: ApiError("EntityNotExist.Role", "gone", status_code=404),
        lambda: ApiError("NoPermission", "denied", status_code=403),
        lambda: ApiError("InvalidParameter", "bad", status_code=400),
    ],
)
def test_client_errors_fail_on_the_first_attempt(factory):
    time_source = FakeTime()
    operation, attempts = failing(factory, time_source)
    with pytest.raises(ApiError) as raised:
        make_policy(time_source).run(operation)
    assert attempts == [1]
    assert raised.value.attempts == 1
    assert not time_source.sleeps


def test_retry_on_waits_out_eventual_consistency():
    time_source = FakeTime()
    operation, attempts = failing(
        lambda: ApiError("EntityNotExist.Role", "", status_code=404), time_source, succeed_on=3
    )
    assert make_policy(time_source).run(operation, retry_on=("EntityNotExist.Role",)) == {"RequestId": "ok"}
    assert attempts == [1, 2, 3]


def test_connection_errors_are_retried():
    time_source = FakeTime()
    operation, attempts = failing(connection_refused, time_source, succeed_on=2)
    make_policy(time_source).run(operation)
    assert attempts == [1, 2]


def test_server_retry_after_is_honoured_exactly():
    time_source = FakeTime()
    operation = failing(lambda: throttled(retry_after=2.5), time_source, succeed_on=3)[0]
    make_policy(time_source, base_delay=0.01, max_delay=0.01).run(operation)
    assert time_source.sleeps == [2.5, 2.5]


def test_retry_after_beyond_the_budget_gives_up_instead_of_sleeping():
    time_source = FakeTime()
    operation, attempts = failing(lambda: throttled(retry_after=60.0), time_source)
    with pytest.raises(ApiError):
        make_policy(time_source, max_seconds=30.0).run(operation)
    assert attempts == [1]
    assert not time_source.sleeps


def test_backoff_ceiling_grows_exponentially_up_to_max_delay():
    policy = RetryPolicy(base_delay=0.5, max_delay=3.0, random=lambda: 1.0)
    assert [policy.backoff(attempt) for attempt in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_full_jitter_stays_within_zero_and_the_ceiling():
    rng = random.Random(7)
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0, random=rng.random)
    for attempt in range(1, 8):
        ceiling = min(8.0, 0.5 * 2 ** (attempt - 1))
        delays = list(map(policy.backoff, [attempt] * 200))
        assert all(0.0 <= delay <= ceiling for delay in delays)
        assert max(delays) > ceiling * 0.8  # spread over the whole range, not a constant
        assert min(delays) < ceiling * 0.2


@pytest.mark.parametrize("kwargs", [dict(max_attempts=0), dict(max_seconds=-1)])
def test_rejects_impossible_bounds(kwargs):
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)
