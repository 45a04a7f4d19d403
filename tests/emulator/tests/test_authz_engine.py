"""The policy engine's rules on their own (the request tests show them through the SDKs)."""

import pytest

from acs_emulator.identity import Identity, decide
from acs_emulator.policy_engine import (
    Principal,
    conditions_hold,
    document_errors,
    evaluate,
    evaluate_all,
    evaluate_trust,
)


def doc(*statements):
    return {"Version": "1", "Statement": list(statements)}


def stmt(effect, action, resource="*", **extra):
    return {"Effect": effect, "Action": action, "Resource": resource, **extra}


def test_no_statement_means_implicit_deny():
    decision = evaluate([("p", doc(stmt("Allow", "ram:GetUser")))], "ram:ListUsers", "*")
    assert (decision.allowed, decision.statement_ref) == (False, None)
    assert "implicit" in decision.reason


def test_explicit_deny_wins_whatever_the_order():
    policies = [("allow", doc(stmt("Allow", "*"))), ("deny", doc(stmt("Allow", "mq:SUB"), stmt("Deny", "mq:PUB")))]
    decision = evaluate(policies, "mq:PUB", "acs:mq:*:*:MQ_INST_1%orders")
    assert (decision.allowed, decision.statement_ref) == (False, "deny#Statement[1]")
    assert evaluate(list(reversed(policies)), "mq:SUB", "x").statement_ref == "deny#Statement[0]"


@pytest.mark.parametrize(
    "pattern, resource, matches",
    [
        ("acs:mq:*:*:MQ_INST_1%orders", "acs:mq:cn-hangzhou:1000000000000001:MQ_INST_1%orders", True),
        ("acs:mq:*:*:MQ_INST_1%orders", "acs:mq:cn-hangzhou:1000000000000001:MQ_INST_1%orders2", False),
        ("acs:mq:*:*:MQ_INST_1*", "acs:mq:cn-hangzhou:1:MQ_INST_1%anything", True),
        ("acs:rocketmq:*:*:instance/rmq-?", "acs:rocketmq:cn-hangzhou:1:instance/rmq-a", True),
        ("acs:rocketmq:*:*:instance/rmq-?", "acs:rocketmq:cn-hangzhou:1:instance/rmq-ab", False),
        ("acs:mq:*:*:MQ_INST_1%Orders", "acs:mq:r:1:MQ_INST_1%orders", False),  # non-RAM resources keep their case
        ("acs:mq:*:*:[ab]", "acs:mq:r:1:a", False),  # no character classes
    ],
)
def test_resource_wildcards(pattern, resource, matches):
    assert evaluate([("p", doc(stmt("Allow", "mq:PUB", pattern)))], "mq:PUB", resource).allowed is matches


def test_not_action_and_not_resource():
    policy = [("p", doc({"Effect": "Allow", "NotAction": "ram:Delete*", "NotResource": "acs:ram:*:*:role/protected"}))]
    assert evaluate(policy, "ram:GetRole", "acs:ram:*:1:role/other").allowed
    assert not evaluate(policy, "ram:DeleteRole", "acs:ram:*:1:role/other").allowed
    assert not evaluate(policy, "ram:GetRole", "acs:ram:*:1:role/protected").allowed


@pytest.mark.parametrize(
    "condition, context, holds",
    [
        ({"StringEquals": {"sts:ExternalId": ["a", "b"]}}, {"sts:ExternalId": "b"}, True),  # values of a key: any
        (
            {"StringEquals": {"sts:ExternalId": "a", "acs:SourceIp": "1.2.3.4"}},
            {"sts:ExternalId": "a"},
            False,
        ),  # keys: all
        ({"StringNotEquals": {"sts:ExternalId": "a"}}, {}, True),  # a missing key makes a negated operator true
        ({"StringEqualsIgnoreCase": {"sts:externalid": "ABC"}}, {"sts:ExternalId": "abc"}, True),
        ({"NumericLessThan": {"acs:Age": "10"}}, {"acs:Age": "9"}, True),
        ({"NumericGreaterThanEquals": {"acs:Age": "10"}}, {"acs:Age": "nine"}, False),
        (
            {"DateLessThan": {"acs:CurrentTime": "2030-01-01T00:00:00Z"}},
            {"acs:CurrentTime": "2026-11-28T10:00:00Z"},
            True,
        ),
        ({"IpAddress": {"acs:SourceIp": "203.0.113.0/24"}}, {"acs:SourceIp": "203.0.113.9"}, True),
        ({"NotIpAddress": {"acs:SourceIp": "203.0.113.0/24"}}, {"acs:SourceIp": "203.0.113.9"}, False),
        ({"Bool": {"acs:MFAPresent": "true"}}, {"acs:MFAPresent": "false"}, False),
        ({"NoSuchOperator": {"acs:SourceIp": "x"}}, {"acs:SourceIp": "x"}, False),
    ],
)
def test_condition_operators(condition, context, holds):
    assert conditions_hold(condition, context) is holds


def test_session_policy_set_must_allow_too():
    role = ("role policies", [("AdministratorAccess", doc(stmt("Allow", "*")))])
    session = ("session policy", [("session policy", doc(stmt("Allow", "ram:Get*")))])
    assert evaluate_all([role, session], "ram:GetRole", "*").allowed
    refused = evaluate_all([role, session], "ram:DeleteRole", "*")
    assert not refused.allowed and refused.reason.startswith("session policy")


TRUST_B = doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": ["acs:ram::2000000000000002:root"]}})


@pytest.mark.parametrize(
    "principal, admitted",
    [
        (Principal("2000000000000002", ("acs:ram::2000000000000002:user/alice",)), True),
        (Principal("3000000000000003", ("acs:ram::3000000000000003:user/carol",)), False),
    ],
)
def test_trust_of_an_account_root(principal, admitted):
    assert evaluate_trust(TRUST_B, principal).allowed is admitted


def test_trust_of_a_role_arn_and_of_a_service():
    trust = doc(
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"RAM": ["acs:ram::2000000000000002:role/Ops"], "Service": ["ecs.aliyuncs.com"]},
        }
    )
    assert evaluate_trust(trust, Principal("2000000000000002", ("acs:ram::2000000000000002:role/ops",))).allowed
    assert not evaluate_trust(trust, Principal("2000000000000002", ("acs:ram::2000000000000002:user/ops",))).allowed
    assert evaluate_trust(trust, Principal("", (), service="ecs.aliyuncs.com")).allowed


def test_trust_deny_statement_wins():
    trust = doc(
        TRUST_B["Statement"][0],
        {"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": {"RAM": ["acs:ram::2000000000000002:user/alice"]}},
    )
    assert not evaluate_trust(trust, Principal("2000000000000002", ("acs:ram::2000000000000002:user/alice",))).allowed
    assert evaluate_trust(trust, Principal("2000000000000002", ("acs:ram::2000000000000002:user/bob",))).allowed


def test_document_grammar():
    assert document_errors(doc(stmt("Allow", "*"))) == []
    assert document_errors({"Version": "1"}) == ["Statement is missing or empty"]
    assert document_errors(doc({"Effect": "Allow", "Action": "*"})) == ["Statement[0] has no Resource"]


class _NoState:
    """decide() must refuse a foreign resource before it looks at any policy."""

    def account(self, uid):
        raise AssertionError(f"policies of {uid} were consulted")


@pytest.mark.parametrize("kind", ["root", "user"])
def test_identities_act_only_in_their_own_account(kind):
    caller = Identity(kind, "2000000000000002", "AK", user_name="admin")
    decision = decide(_NoState(), caller, "ram:GetRole", "acs:ram:*:1000000000000001:role/x")
    assert not decision.allowed and "1000000000000001" in decision.reason
