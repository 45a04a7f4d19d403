"""ram_roles.wait_until, the bounded wait behind ram_role's ``wait`` and the sweep's proof of deletion: it asks again
with the retry policy's backoff until the check answers, and fails naming wait_timeout when the time is up."""

import pytest

from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import CollectionError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_roles import wait_until


def test_the_wait_returns_the_first_answer_and_counts_the_reads():
    answers = iter([None, None, "role"])
    value, stats = wait_until(lambda: next(answers), 30, "the role")
    assert value == "role" and stats["attempts"] == 3 and 0 <= stats["waited"] < 30


def test_the_wait_fails_naming_wait_timeout_when_the_time_is_up():
    reads = []
    with pytest.raises(CollectionError, match=r"^wait_timeout: gave up waiting for the trust after") as caught:
        wait_until(lambda: reads.append(1), 0.3, "the trust")
    assert caught.value.details["wait"]["attempts"] == len(reads) >= 1
    assert caught.value.details["wait"]["waited"] <= 0.3
