# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""outcomes: only the documented refusals are "denied"; missing targets are "not_found"; everything else is an error
that proves nothing, and the failure message of a proof says what was tried, what came back and why."""

from __future__ import annotations

import pytest

from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import ApiError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.outcomes import (
    ALLOWED,
    DENIED,
    DENIED_CODES,
    ERROR,
    NOT_FOUND,
    NOT_FOUND_CODES,
    SKIPPED,
    Outcome,
    classify,
    proof_failure,
    skipped,
)

PRODUCTS = ("sts", "ram", "rocketmq", "mq")


def api_error(code, status=None, transport=False, attempts=1, message="what the server said", operation=None):
    error = ApiError(code, message, request_id="REQ-1", status_code=status, transport=transport, operation=operation)
    error.attempts = attempts
    return error


def test_a_call_that_succeeded_is_allowed():
    outcome = classify(None, "rocketmq")
    assert (outcome.kind, outcome.code) == (ALLOWED, None)
    assert "RAM allowed" in outcome.reason


# Every entry of the table, with its documented status: the one way to "denied".
DENIED_ENTRIES = [(product, code, entry[0]) for product, codes in DENIED_CODES.items() for code, entry in codes.items()]


def test_the_table_names_exactly_the_documented_refusals():
    assert sorted((product, code) for product, code, status in DENIED_ENTRIES) == [
        ("mq", "AccessDenied"),
        ("mq", "NoPermission"),
        ("ram", "NoPermission"),
        ("rocketmq", "Forbidden.RAM"),
        ("rocketmq", "NoPermission"),
        ("sts", "NoPermission"),
    ]
    assert {entry[2] for entry in DENIED_ENTRIES} == {403}


@pytest.mark.parametrize("product, code, status", DENIED_ENTRIES)
def test_each_documented_refusal_is_denied_and_names_its_source(product, code, status):
    for answered_status in (status, None):  # the mq-http-sdk does not expose the status: the code decides
        outcome = classify(api_error(code, answered_status), product)
        assert (outcome.kind, outcome.code) == (DENIED, code)
        assert outcome.reason.startswith("an authorization refusal: ")
        assert code in outcome.reason


@pytest.mark.parametrize("product, code, status", DENIED_ENTRIES)
def test_a_refusal_code_with_another_status_is_not_taken_for_a_refusal(product, code, status):
    outcome = classify(api_error(code, 400), product)
    assert outcome.kind == ERROR and "not the documented 403" in outcome.reason


@pytest.mark.parametrize(
    "product, code",
    [
        ("mq", "Forbidden.RAM"),  # a 5.x management code on the data plane
        ("rocketmq", "AccessDenied"),  # a data-plane code on the management API
        ("rocketmq", "Forbidden"),  # not documented for the product
        ("rocketmq", "Forbidden.NoPermission"),
        ("sts", "AccessDenied"),
    ],
)
def test_a_refusal_code_of_another_product_is_an_error(product, code):
    assert classify(api_error(code, 403), product).kind == ERROR


NOT_FOUND_ENTRIES = [(product, code) for product, codes in NOT_FOUND_CODES.items() for code in codes]


@pytest.mark.parametrize("product, code", NOT_FOUND_ENTRIES)
def test_each_missing_target_code_is_not_found_and_says_to_check_the_name(product, code):
    outcome = classify(api_error(code, 404), product)
    assert (outcome.kind, outcome.code) == (NOT_FOUND, code)
    assert "does not exist" in outcome.reason and "check the name" in outcome.reason


def test_the_not_found_table_covers_the_emulators_and_the_documented_codes():
    assert set(NOT_FOUND_CODES["rocketmq"]) == {"Instance.NotFound", "Topic.NotFound", "ConsumerGroup.NotFound"}
    assert set(NOT_FOUND_CODES["mq"]) == {"InstanceNotExist", "TopicNotExist", "GroupNotExist"}
    assert "EntityNotExist.Role" in NOT_FOUND_CODES["sts"] and "EntityNotExist.Role" in NOT_FOUND_CODES["ram"]


@pytest.mark.parametrize(
    "code, status",
    [
        ("InvalidAccessKeyId.NotFound", 404),  # a 404 that is not a missing target
        ("InvalidAccessKeyId", 403),  # the data plane's spelling, with 403
        ("InvalidAccessKeyId.Inactive", 400),
        ("SignatureDoesNotMatch", 400),
        ("SignatureDoesNotMatch", 403),  # the data plane answers it with 403
        ("InvalidSecurityToken.Expired", 403),  # a 403 that is not a refusal
        ("InvalidSecurityToken.Malformed", 400),
        ("InvalidSecurityToken.MismatchWithAccessKey", 400),
        ("MissingSecurityToken", 400),
        ("InvalidTimeStamp.Expired", 400),
        ("SignatureNonceUsed", 400),
        ("MissingAuthorizationHeader", 400),
        ("InvalidAuthorizationHeader", 400),
    ],
)
@pytest.mark.parametrize("product", PRODUCTS)
def test_authentication_errors_are_errors_even_with_403(product, code, status):
    outcome = classify(api_error(code, status), product)
    assert (outcome.kind, outcome.code) == (ERROR, code)
    assert outcome.reason == "an authentication error: the credentials were not accepted, so RAM never decided"


@pytest.mark.parametrize(
    "code, status",
    [
        ("Throttling.User", 400),
        ("Throttling", 400),
        ("Throttling.Api", 503),
        ("QpsLimitExceeded", 400),
        ("SomethingElse", 429),
    ],
)
def test_throttling_after_the_retries_is_an_error_that_counts_the_attempts(code, status):
    outcome = classify(api_error(code, status, attempts=3), "mq")
    assert outcome.kind == ERROR and outcome.attempts == 3
    assert outcome.reason.startswith("throttled: ") and outcome.reason.endswith("(after 3 attempts)")


@pytest.mark.parametrize(
    "code, status",
    [("InternalError", 500), ("ServiceUnavailable", 503), ("InternalServerError", None), ("Whatever", 502)],
)
def test_server_errors_are_errors(code, status):
    outcome = classify(api_error(code, status), "rocketmq")
    assert outcome.kind == ERROR and outcome.reason.startswith("a server error")


@pytest.mark.parametrize("code", ["ConnectionError", "RequestTimeout", "NetworkError", "NoPermission", "AccessDenied"])
def test_no_answer_is_an_error_whatever_the_code(code):
    """A transport failure never reached a decision, even if a code that looks like a refusal was put on it."""
    outcome = classify(api_error(code, None, transport=True, attempts=2), "mq")
    assert outcome.kind == ERROR
    assert (
        outcome.reason
        == "no answer (connection error or timeout): the call never reached a decision (after 2 attempts)"
    )


@pytest.mark.parametrize(
    "code, status",
    [
        ("InvalidParameter", 400),
        ("Topic.AlreadyExists", 409),
        ("UnknownError", None),
        ("Forbidden", 403),
        ("MessageNotExist", 404),
        ("InvalidAction.NotFound", 404),
    ],
)
def test_unknown_codes_are_errors(code, status):
    outcome = classify(api_error(code, status), "rocketmq")
    assert outcome.kind == ERROR
    assert (
        outcome.reason
        == "an answer that is not a documented authorization refusal, so it proves neither allowed nor denied"
    )


def test_an_unknown_product_has_no_refusal_and_no_missing_target():
    assert classify(api_error("NoPermission", 403), "ecs").kind == ERROR
    assert classify(api_error("Topic.NotFound", 404), "ecs").kind == ERROR


def test_the_outcome_keeps_what_came_back():
    outcome = classify(
        api_error("AccessDenied", 403, message="forbidden for this operation", operation="mq:PublishMessage"), "mq"
    )
    assert (outcome.message, outcome.status_code, outcome.operation) == (
        "forbidden for this operation",
        403,
        "mq:PublishMessage",
    )
    assert outcome.as_dict() == {"outcome": DENIED, "code": "AccessDenied", "reason": outcome.reason}


def test_skipped_and_unknown_kinds():
    assert skipped("check mode").kind == SKIPPED
    with pytest.raises(ValueError):
        Outcome("maybe")


def test_a_proof_failure_says_what_was_tried_what_came_back_and_why_it_proves_nothing():
    error = classify(api_error("InvalidAccessKeyId.NotFound", 404, message="Specified access key is not found."), "mq")
    line = proof_failure("publish on MQ_INST_1 topic orders", "allowed", error, "PublishMessage")
    assert line == (
        "publish on MQ_INST_1 topic orders: expected allowed, was error (InvalidAccessKeyId.NotFound); "
        "PublishMessage answered \"Specified access key is not found.\": proves nothing, an authentication "
        "error: the credentials were not accepted, so RAM never decided"
    )


def test_a_proof_failure_of_a_refusal_or_a_success_says_what_it_proved_instead():
    refused = classify(api_error("AccessDenied", 403, message="forbidden", operation="mq:PublishMessage"), "mq")
    line = proof_failure("publish on MQ_INST_1 topic payments", "allowed", refused)
    assert line.startswith(
        "publish on MQ_INST_1 topic payments: expected allowed, was denied (AccessDenied); "
        "PublishMessage answered \"forbidden\": an authorization refusal: RocketMQ 4.x HTTP data plane"
    )
    line = proof_failure("get_topic on rmq-1 topic t", "denied", classify(None, "rocketmq"), "GetTopic")
    assert line == (
        "get_topic on rmq-1 topic t: expected denied, was allowed; GetTopic succeeded: the service answered: the "
        "credentials were accepted and RAM allowed the call, so the expected refusal did not happen"
    )
    missing = classify(api_error("Topic.NotFound", 404, message="The topic cannot be found: tpoic."), "rocketmq")
    line = proof_failure("get_topic on rmq-1 topic tpoic", ("denied",), missing, "GetTopic")
    assert (
        "expected denied, was not_found (Topic.NotFound); GetTopic answered \"The topic cannot be found: tpoic.\": proves "
        "nothing, the topic does not exist" in line
    )
