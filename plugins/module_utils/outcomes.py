# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a call's answer proves: the one classifier every proof of this collection uses (pure Python, no SDK).

A proof tries a call and asks what the answer says about authorization. Only four answers exist:

- ``allowed``: the service answered (RAM authorized the call);
- ``denied``: the service's *documented authorization refusal* came back: a code listed in ``DENIED_CODES`` for
  that product, nothing else. A 403 with an authentication code, a throttled call or an unknown code never counts;
- ``not_found``: the named target does not exist (``NOT_FOUND_CODES``): the call says nothing about the right asked,
  and a misspelled name must never pass for a proof;
- ``error``: anything else (authentication errors, throttling after the retries, 5xx, timeouts, connection errors,
  unknown codes): RAM's decision was not seen, so it proves nothing.

``skipped`` is for a probe not tried (check mode). Products are the client layer's: ``sts``, ``ram``, ``rocketmq``
(5.x management API) and ``mq`` (the 4.x HTTP data plane of mq-http-sdk)."""

from __future__ import annotations

ALLOWED = "allowed"
DENIED = "denied"
NOT_FOUND = "not_found"
ERROR = "error"
SKIPPED = "skipped"
OUTCOMES = (ALLOWED, DENIED, NOT_FOUND, ERROR, SKIPPED)

HTTP_FORBIDDEN = 403

# The documented authorization refusals, per product: code -> (HTTP status, where the code comes from).
# This is the only table that makes an answer "denied".
DENIED_CODES = {
    "sts": {
        "NoPermission": (
            HTTP_FORBIDDEN,
            "STS AssumeRole (403 NoPermission): the role's trust policy does not name the "
            "caller, or the caller's own RAM policies lack sts:AssumeRole on the role",
        ),
    },
    "ram": {
        "NoPermission": (
            HTTP_FORBIDDEN,
            "RAM API (403 NoPermission): the caller's RAM policies do not allow the action",
        ),
    },
    "rocketmq": {
        "NoPermission": (
            HTTP_FORBIDDEN,
            "RocketMQ 5.x management API (403 NoPermission, with accessDeniedDetail): RAM "
            "refused rocketmq:<Action> on the instance, topic or group ARN",
        ),
        "Forbidden.RAM": (
            HTTP_FORBIDDEN,
            "RocketMQ 5.x management API through the OpenAPI gateway (403 Forbidden.RAM): "
            "the older spelling of RAM's refusal",
        ),
    },
    "mq": {
        "AccessDenied": (
            HTTP_FORBIDDEN,
            "RocketMQ 4.x HTTP data plane (mq-http-sdk error codes, 403 AccessDenied): RAM "
            "refused mq:QueryInstanceBaseInfo, mq:PUB or mq:SUB, or the instance belongs "
            "to another account",
        ),
        "NoPermission": (
            HTTP_FORBIDDEN,
            "RocketMQ 4.x HTTP data plane (403 NoPermission): RAM's refusal of a session "
            "whose role was deleted (the session ended with its role)",
        ),
    },
}

# Codes that say the named target does not exist: code -> what is missing.
NOT_FOUND_CODES = {
    "sts": {"EntityNotExist.Role": "the role"},
    "ram": {
        "EntityNotExist.Role": "the role",
        "EntityNotExist.User": "the user",
        "EntityNotExist.Policy": "the policy",
        "EntityNotExist.Policy.Version": "the policy version",
        "EntityNotExist.Role.Policy": "the role's attachment",
        "EntityNotExist.User.Policy": "the user's attachment",
    },
    "rocketmq": {
        "Instance.NotFound": "the instance",
        "Topic.NotFound": "the topic",
        "ConsumerGroup.NotFound": "the consumer group",
    },
    "mq": {"InstanceNotExist": "the instance", "TopicNotExist": "the topic", "GroupNotExist": "the consumer group"},
}

# Authentication failures (the request was not accepted as the caller's): the code or its dotted family.
AUTHENTICATION_CODES = (
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidSecurityToken",
    "MissingSecurityToken",
    "SignatureNonceUsed",
    "MissingSignatureNonce",
    "InvalidTimeStamp",
    "MissingTimestamp",
    "MissingAuthorizationHeader",
    "InvalidAuthorizationHeader",
    "MissingDateHeader",
    "InvalidDateHeader",
    "TimeExpired",
    "IncompleteSignature",
    "InvalidAccessKeySecret",
)
THROTTLING_CODES = ("Throttling", "QpsLimitExceeded")
SERVER_ERROR_CODES = ("InternalError", "InternalServerError", "ServiceUnavailable")
TOO_MANY_REQUESTS = 429

REASON_ALLOWED = "the service answered: the credentials were accepted and RAM allowed the call"
REASON_AUTHENTICATION = "an authentication error: the credentials were not accepted, so RAM never decided"
REASON_THROTTLED = "throttled: the service refused to serve the call at all, so RAM's decision was never seen"
REASON_TRANSPORT = "no answer (connection error or timeout): the call never reached a decision"
REASON_SERVER = "a server error: the service failed before answering, so nothing was decided"
REASON_UNKNOWN = "an answer that is not a documented authorization refusal, so it proves neither allowed nor denied"


class Outcome:
    """How one call ended: ``kind`` (one of OUTCOMES), the error ``code``, the ``reason`` in words (what it proves, or
    why it proves nothing), the server's ``message``, the HTTP ``status_code``, the ``attempts`` made and the
    ``operation`` (``product:Action``) when known."""

    __slots__ = ("kind", "code", "reason", "message", "status_code", "attempts", "operation")

    def __init__(self, kind, code=None, reason=None, message=None, status_code=None, attempts=1, operation=None):
        if kind not in OUTCOMES:
            raise ValueError(f"unknown outcome {kind!r}")
        self.kind = kind
        self.code = code
        self.reason = reason
        self.message = message
        self.status_code = status_code
        self.attempts = attempts
        self.operation = operation

    def __repr__(self):
        return f"Outcome({self.kind!r}, code={self.code!r})"

    def as_dict(self):
        return dict(outcome=self.kind, code=self.code, reason=self.reason)


def skipped(reason):
    """The outcome of a probe that was not tried (check mode)."""
    return Outcome(SKIPPED, reason=reason)


def allowed(reason=REASON_ALLOWED):
    return Outcome(ALLOWED, reason=reason)


def classify(error, product):
    """The Outcome of a call of ``product`` that raised ``error`` (an ApiError), or of a successful call (None)."""
    if error is None:
        return allowed()
    code = str(error.code or "")
    found = dict(
        code=code or None,
        message=error.message,
        status_code=error.status_code,
        attempts=getattr(error, "attempts", 1) or 1,
        operation=getattr(error, "operation", None),
    )
    if getattr(error, "transport", False):
        return Outcome(ERROR, reason=_after_attempts(REASON_TRANSPORT, found["attempts"]), **found)
    refusal = DENIED_CODES.get(product, {}).get(code)
    if refusal is not None:
        status, source = refusal
        if error.status_code and error.status_code != status:
            return Outcome(
                ERROR,
                reason=f"{code} came with HTTP status {error.status_code}, not the documented {status} of "
                f"the refusal, so it is not taken for one",
                **found,
            )
        return Outcome(DENIED, reason=f"an authorization refusal: {source}", **found)
    missing = NOT_FOUND_CODES.get(product, {}).get(code)
    if missing is not None:
        return Outcome(
            NOT_FOUND,
            reason=f"{missing} does not exist: a call on a missing target proves neither allowed nor "
            "denied (check the name)",
            **found,
        )
    return Outcome(ERROR, reason=_after_attempts(_error_reason(code, error.status_code), found["attempts"]), **found)


def _error_reason(code, status):
    if _in_family(code, AUTHENTICATION_CODES):
        return REASON_AUTHENTICATION
    if _in_family(code, THROTTLING_CODES) or status == TOO_MANY_REQUESTS:
        return REASON_THROTTLED
    if code in SERVER_ERROR_CODES or (status or 0) >= 500:
        return REASON_SERVER
    return REASON_UNKNOWN


def _in_family(code, families):
    """``code`` is one of ``families`` or a dotted member of one (``InvalidAccessKeyId.NotFound``)."""
    return any(code == family or code.startswith(family + ".") for family in families)


def _after_attempts(reason, attempts):
    return f"{reason} (after {attempts} attempts)" if attempts and attempts > 1 else reason


def proof_failure(tried, expected, outcome, action=None):
    """One line for a failed proof: what was tried, what came back, and why that is not the expected outcome.

    ``tried`` names the operation and its target (``publish on MQ_INST_x topic orders``); ``expected`` is the accepted
    outcome (or outcomes, joined with "or"); ``action`` the API action tried, when the outcome does not name it."""
    expected = " or ".join(expected) if isinstance(expected, (list, tuple)) else expected
    line = f"{tried}: expected {expected}, was {outcome.kind}"
    if outcome.code:
        line += f" ({outcome.code})"
    answer = _answer(outcome, action)
    if answer:
        line += f"; {answer}"
    if outcome.kind == ALLOWED:
        return line + f": {outcome.reason or REASON_ALLOWED}, so the expected refusal did not happen"
    if outcome.kind == DENIED:
        return line + f": {outcome.reason}"
    return line + f": proves nothing, {outcome.reason}"


def _answer(outcome, action):
    """What came back, in words: ``PublishMessage answered "<server message>"``."""
    # The action that answered (an AckMessage after a ConsumeMessage) wins over the probe's own.
    action = (outcome.operation or "").split(":")[-1] or action
    if outcome.kind == ALLOWED:
        return f"{action} succeeded" if action else None
    if outcome.message:
        return f'{action or "the call"} answered "{outcome.message}"'
    return None
