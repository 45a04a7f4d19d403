"""Policies read back in RocketMQ terms: every grant the rocketmq_policy filter can write comes back as itself, the
system policies and hand-written documents in the same words, and wildcards beyond one instance are named."""

import json

import pytest

from ansible_collections.apsaramq.cross_account.plugins.filter.rocketmq_policy import rocketmq_policy
from ansible_collections.apsaramq.cross_account.plugins.module_utils.rocketmq_rights import (
    describe_grant,
    is_wildcard_resource,
    translate,
)

INSTANCE = "MQ_INST_1234567890_BXxyz"
INSTANCE_5X = "rmq-cn-abc123"
OWNER = "1000000000000001"
FIVE = {"series": "5.x", "instance_id": INSTANCE_5X, "region": "cn-hangzhou", "owner_uid": OWNER}
FOUR = {"series": "4.x", "instance_id": INSTANCE}


def allow(actions, resources, **extra):
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def document(*statements):
    return {"Version": "1", "Statement": list(statements)}


# Grants as the filter takes them, with the defaults left out (management none, namespaced true): what comes back.
ROUND_TRIPS = [
    {**FOUR, "publish_topics": ["audit", "orders"], "subscribe_topics": ["orders"], "subscribe_groups": ["GID_orders"]},
    {**FOUR, "subscribe_topics": ["orders"], "subscribe_groups": ["GID_a", "GID_b"]},
    {**FOUR, "management": "read_only", "publish_topics": ["orders"]},
    {**FOUR, "management": "full"},
    {
        **FOUR,
        "namespaced": False,
        "publish_topics": ["orders"],
        "subscribe_topics": ["orders"],
        "subscribe_groups": ["GID_orders"],
    },
    {**FOUR, "publish_topics": ["orders"], "source_ips": ["192.0.2.0/24", "203.0.113.7"]},
    {**FOUR, "publish_topics": ["orders"], "expires_at": "2027-06-30T00:00:00Z"},
    {**FIVE, "management": "read_only"},
    {**FIVE, "management": "full"},
    {**FIVE, "management": "read_only", "topics": ["orders-v5"]},
    {**FIVE, "management": "full", "topics": ["orders-v5", "audit-v5"], "groups": ["GID_v5"]},
    {
        **FIVE,
        "management": "full",
        "groups": ["GID_v5"],
        "expires_at": "2027-06-30T00:00:00Z",
        "source_ips": ["192.0.2.0/24"],
    },
]


def canonical(grant):
    """The grant as translate() returns it: management always, lists sorted, defaults left out."""
    result = {"management": "none", **grant}
    return {
        key: sorted(value) if isinstance(value, list) else value for key, value in result.items() if value is not True
    }


@pytest.mark.parametrize("grant", ROUND_TRIPS, ids=lambda grant: json.dumps(grant, sort_keys=True)[:90])
def test_what_the_filter_writes_translates_back_into_the_same_grant(grant):
    translated = translate(rocketmq_policy(grant))
    assert translated["grants"] == [canonical(grant)]
    assert translated["wildcard_resources"] == [] or grant.get("namespaced") is False
    assert (translated["other_actions"], translated["denies"], translated["not_actions"]) == ([], 0, 0)


def test_4x_full_management_without_namespace_is_a_wildcard_over_every_instance():
    translated = translate(rocketmq_policy({**FOUR, "namespaced": False, "management": "full"}))
    assert translated["wildcard_resources"] == ["acs:mq:*:*:*"]
    assert {grant["instance_id"]: grant["management"] for grant in translated["grants"]} == {
        "*": "full",
        INSTANCE: "full",
    }


SYSTEM_POLICIES = {
    # Documents as RAM publishes them (tests/emulator/acs_emulator/services/system_policies.py).
    "AliyunMQFullAccess": (
        document(
            allow(["mq:*", "rocketmq:*", "mq-as:*"], "*"),
            allow(
                "ram:CreateServiceLinkedRole", "*", Condition={"StringEquals": {"ram:ServiceName": "ons.aliyuncs.com"}}
            ),
        ),
        ["4.x every instance: full management", "5.x every instance: full management"],
        ["mq-as:*", "ram:CreateServiceLinkedRole"],
    ),
    "AliyunMQPubOnlyAccess": (
        document(allow(["mq:PUB", "mq:OnsInstanceBaseInfo"], "*")),
        ["4.x every instance: publish every topic; no management"],
        [],
    ),
    "AliyunMQSubOnlyAccess": (
        document(allow(["mq:SUB", "mq:OnsInstanceBaseInfo"], "*")),
        ["4.x every instance: subscribe every topic with every group; no management"],
        [],
    ),
    "AliyunMQReadOnlyAccess": (
        document(
            allow(
                [
                    "mq:OnsInstanceBaseInfo",
                    "mq:List*",
                    "mq:Query*",
                    "mq:Get*",
                    "mq:Download*",
                    "mq:Dashboard*",
                    "rocketmq:List*",
                    "rocketmq:SubmitQuery*",
                    "rocketmq:Get*",
                    "rocketmq:Download*",
                    "mq-as:List*",
                    "mq-as:Get*",
                ],
                "*",
            )
        ),
        ["4.x every instance: read-only management", "5.x every instance: read-only management"],
        ["mq-as:Get*", "mq-as:List*"],
    ),
    "AdministratorAccess": (
        document(allow("*", "*")),
        ["4.x every instance: full management", "5.x every instance: full management"],
        ["*"],
    ),
}


@pytest.mark.parametrize("name", sorted(SYSTEM_POLICIES))
def test_system_policies_read_as_rights_on_every_instance_with_their_other_actions_and_the_wildcard(name):
    policy, rights, other_actions = SYSTEM_POLICIES[name]
    translated = translate(policy)
    assert [describe_grant(grant) for grant in translated["grants"]] == rights
    assert translated["other_actions"] == other_actions
    assert translated["wildcard_resources"] == ["*"]


def test_hand_written_rights_keep_their_spelling_and_what_cannot_be_translated_is_counted():
    translated = translate(
        document(
            allow(["mq:OnsTopicCreate", "mq:QueryInstanceBaseInfo"], f"acs:mq:*:*:{INSTANCE}"),
            allow("mq:PUB", [f"acs:mq:*:*:{INSTANCE}%order*"]),
            allow("rocketmq:UpdateTopic", f"acs:rocketmq:cn-hangzhou:{OWNER}:instance/{INSTANCE_5X}/topic/orders-v5"),
            {"Effect": "Deny", "Action": "mq:PUB", "Resource": "*"},
            {"Effect": "Allow", "NotAction": "mq:SUB", "Resource": "*"},
            allow("ecs:DescribeInstances", "*"),
        )
    )
    assert translated["grants"] == [
        {
            "series": "4.x",
            "instance_id": INSTANCE,
            "management": "custom",
            "management_actions": ["mq:OnsTopicCreate"],
            "publish_topics": ["order*"],
        },
        {**FIVE, "management": "custom", "management_actions": ["rocketmq:UpdateTopic"], "topics": ["orders-v5"]},
    ]
    assert translated["wildcard_resources"] == ["*", f"acs:mq:*:*:{INSTANCE}%order*"]
    assert (translated["other_actions"], translated["denies"], translated["not_actions"]) == (
        ["ecs:DescribeInstances"],
        1,
        1,
    )


@pytest.mark.parametrize(
    "resource, wildcard",
    [
        ("*", True),
        (f"acs:mq:*:*:{INSTANCE}", False),  # the 4.x region and account are always written as *
        (f"acs:mq:*:*:{INSTANCE}%*", False),  # the whole instance, as the filter writes it
        (f"acs:mq:*:*:{INSTANCE}*", True),  # also every instance whose ID starts the same
        (f"acs:mq:*:*:{INSTANCE}%GID_*", True),
        ("acs:mq:*:*:*", True),
        (f"acs:rocketmq:*:*:instance/{INSTANCE_5X}/*", False),
        ("acs:rocketmq:cn-hangzhou:1000000000000001:instance/*", True),
        ("acs:*:*:*:*", True),
        ("acs:ecs:*:*:instance/i-1", False),
    ],
)
def test_a_wildcard_resource_is_one_that_reaches_beyond_one_named_instance(resource, wildcard):
    assert is_wildcard_resource(resource) is wildcard


def test_a_bare_name_of_an_instance_without_namespace_joins_the_one_instance_of_the_document():
    translated = translate(
        document(
            allow("mq:QueryInstanceBaseInfo", f"acs:mq:*:*:{INSTANCE}"),
            allow("mq:SUB", ["acs:mq:*:*:GID_old", "acs:mq:*:*:old"]),
        )
    )
    assert translated["grants"] == [
        {
            **FOUR,
            "namespaced": False,
            "management": "none",
            "subscribe_topics": ["old"],
            "subscribe_groups": ["GID_old"],
        }
    ]
    alone = translate(document(allow("mq:PUB", "acs:mq:*:*:old")))
    assert alone["grants"] == [
        {"series": "4.x", "instance_id": None, "namespaced": False, "management": "none", "publish_topics": ["old"]}
    ]
    assert describe_grant(alone["grants"][0]) == "4.x an instance without namespace: publish old; no management"


def test_a_restriction_binds_the_grant_only_when_every_statement_that_gives_it_carries_it():
    partly = translate(
        document(
            allow("mq:QueryInstanceBaseInfo", f"acs:mq:*:*:{INSTANCE}"),
            allow(
                "mq:PUB",
                f"acs:mq:*:*:{INSTANCE}%orders",
                Condition={
                    "DateLessThan": {"acs:CurrentTime": "2027-06-30T00:00:00Z"},
                    "IpAddress": {"acs:SourceIp": "192.0.2.1"},
                },
            ),
        )
    )
    assert "expires_at" not in partly["grants"][0] and "source_ips" not in partly["grants"][0]


def test_the_words_of_a_grant():
    assert describe_grant(
        {
            **FIVE,
            "management": "read_only",
            "topics": ["a"],
            "groups": ["g"],
            "source_ips": ["192.0.2.0/24"],
            "expires_at": "2027-06-30T00:00:00Z",
        }
    ) == (
        f"5.x {INSTANCE_5X}: read-only management of topics a and groups g (from 192.0.2.0/24) until 2027-06-30T00:00:00Z"
    )
