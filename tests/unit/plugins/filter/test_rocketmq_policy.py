"""The rocketmq_policy filter: each series and access level gives exactly the least-privilege document."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.apsaramq.cross_account.plugins.filter.rocketmq_policy import FilterModule, rocketmq_policy
from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import validate_document

INSTANCE_4X = "MQ_INST_1234567890_BXxyz"
INSTANCE_5X = "rmq-cn-abc123"
OWNER = "1000000000000001"
ARN_5X = f"acs:rocketmq:cn-hangzhou:{OWNER}:instance/{INSTANCE_5X}"


def allow(actions, resources, **extra):
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def grant_4x(**keys):
    return {"series": "4.x", "instance_id": INSTANCE_4X, **keys}


def grant_5x(**keys):
    return {"series": "5.x", "instance_id": INSTANCE_5X, "region": "cn-hangzhou", "owner_uid": OWNER, **keys}


def statements(grant):
    document = rocketmq_policy(grant)
    assert document["Version"] == "1"
    validate_document(document, kind="permission")
    return document["Statement"]


def test_the_filter_is_registered_under_its_documented_name():
    assert FilterModule().filters()["rocketmq_policy"] is rocketmq_policy


def test_4x_publish_and_subscribe_names_each_topic_and_group_with_the_instance_right_first():
    assert statements(
        grant_4x(publish_topics=["orders", "audit"], subscribe_topics=["orders"], subscribe_groups=["GID_orders"])
    ) == [
        allow(["mq:QueryInstanceBaseInfo"], [f"acs:mq:*:*:{INSTANCE_4X}"]),
        allow(["mq:PUB"], [f"acs:mq:*:*:{INSTANCE_4X}%audit"]),
        allow(["mq:PUB", "mq:SUB"], [f"acs:mq:*:*:{INSTANCE_4X}%orders"]),
        allow(["mq:SUB"], [f"acs:mq:*:*:{INSTANCE_4X}%GID_orders"]),
    ]


def test_4x_publish_only_grants_no_subscription():
    assert statements(grant_4x(publish_topics=["orders"])) == [
        allow(["mq:QueryInstanceBaseInfo"], [f"acs:mq:*:*:{INSTANCE_4X}"]),
        allow(["mq:PUB"], [f"acs:mq:*:*:{INSTANCE_4X}%orders"]),
    ]


def test_4x_subscribe_only_covers_topic_and_group_with_sub():
    assert statements(grant_4x(subscribe_topics=["orders"], subscribe_groups=["GID_a", "GID_b"])) == [
        allow(["mq:QueryInstanceBaseInfo"], [f"acs:mq:*:*:{INSTANCE_4X}"]),
        allow(["mq:SUB"], [f"acs:mq:*:*:{INSTANCE_4X}%{name}" for name in ("orders", "GID_a", "GID_b")]),
    ]


def test_4x_read_only_management_reads_the_whole_instance_but_publishes_only_where_granted():
    assert statements(grant_4x(management="read_only", publish_topics=["orders"])) == [
        allow(["mq:PUB"], [f"acs:mq:*:*:{INSTANCE_4X}%orders"]),
        allow(["mq:Get*", "mq:List*", "mq:Query*"], [f"acs:mq:*:*:{INSTANCE_4X}", f"acs:mq:*:*:{INSTANCE_4X}%*"]),
    ]


def test_4x_full_management_is_one_statement_that_cannot_match_a_longer_instance_id():
    resources = [f"acs:mq:*:*:{INSTANCE_4X}", f"acs:mq:*:*:{INSTANCE_4X}%*"]
    assert statements(grant_4x(management="full", publish_topics=["orders"])) == [allow(["mq:*"], resources)]
    assert not any(resource.endswith(f"{INSTANCE_4X}*") for resource in resources)


def test_4x_instance_without_namespace_names_topics_and_groups_bare():
    assert statements(grant_4x(namespaced=False, subscribe_topics=["orders"], subscribe_groups=["GID_orders"]))[
        1
    ] == allow(["mq:SUB"], ["acs:mq:*:*:orders", "acs:mq:*:*:GID_orders"])


def test_source_ips_condition_every_statement():
    condition = {"IpAddress": {"acs:SourceIp": ["203.0.113.0/24", "198.51.100.7"]}}
    found = statements(grant_4x(publish_topics=["orders"], source_ips=["203.0.113.0/24", "198.51.100.7"]))
    assert [statement["Condition"] for statement in found] == [condition, condition]


def test_duplicate_names_are_granted_once():
    assert statements(grant_4x(publish_topics=["orders", "orders"]))[1] == allow(
        ["mq:PUB"], [f"acs:mq:*:*:{INSTANCE_4X}%orders"]
    )


def test_5x_read_only_whole_instance_is_get_and_list_on_the_instance_and_its_children():
    assert statements(grant_5x(management="read_only")) == [
        allow(["rocketmq:Get*", "rocketmq:List*"], [ARN_5X, f"{ARN_5X}/*"]),
    ]


def test_5x_full_management_whole_instance():
    assert statements(grant_5x(management="full")) == [allow(["rocketmq:*"], [ARN_5X, f"{ARN_5X}/*"])]


def test_5x_full_management_of_named_topics_reads_the_instance_and_manages_only_those_topics():
    assert statements(grant_5x(management="full", topics=["orders", "refunds"])) == [
        allow(["rocketmq:*"], [f"{ARN_5X}/topic/orders", f"{ARN_5X}/topic/refunds"]),
        allow(["rocketmq:GetInstance", "rocketmq:ListTopics"], [ARN_5X]),
    ]


def test_5x_read_only_of_named_groups_lists_groups_and_reads_only_those():
    assert statements(grant_5x(management="read_only", groups=["GID_orders"])) == [
        allow(["rocketmq:Get*", "rocketmq:List*"], [f"{ARN_5X}/consumerGroup/GID_orders"]),
        allow(["rocketmq:GetInstance", "rocketmq:ListConsumerGroups"], [ARN_5X]),
    ]


def test_an_unquoted_numeric_owner_uid_is_accepted():
    assert statements(grant_5x(owner_uid=int(OWNER), management="read_only"))[0]["Resource"][0] == ARN_5X


@pytest.mark.parametrize(
    "grant, message",
    [
        ("not a dict", "the grant must be a dict"),
        (grant_4x(publish_topic=["orders"]), "grant.publish_topic: unknown key"),
        ({"series": "4.x", "publish_topics": ["orders"]}, "grant.instance_id: is required"),
        (grant_4x(series="6.x", publish_topics=["orders"]), "grant.series: must be one of 4.x, 5.x"),
        (grant_4x(publish_topics=["orders", "ord*"]), "grant.publish_topics[1]: is not a valid name (no wildcards)"),
        (grant_4x(instance_id="MQ INST"), "grant.instance_id: is not a valid instance id"),
        (grant_4x(subscribe_topics=["orders"]), "grant.subscribe_groups: consuming needs both"),
        (grant_4x(), "grant.management: the grant gives no access"),
        (grant_4x(management="admin"), "grant.management: must be one of none, read_only, full"),
        (grant_4x(topics=["orders"], management="full"), "grant.topics: applies to 5.x only"),
        (grant_4x(publish_topics=["orders"], source_ips=["any"]), "grant.source_ips[0]"),
        (
            grant_5x(publish_topics=["orders"], management="full"),
            "grant.publish_topics: 5.x messaging is authorized by the instance's ACL",
        ),
        (grant_5x(region=None, management="full"), "grant.region: is required for a 5.x instance"),
        (grant_5x(owner_uid="12345", management="full"), "grant.owner_uid: must be an Alibaba Cloud account UID"),
        (grant_5x(), "grant.management: a 5.x grant needs read_only or full"),
        (grant_5x(namespaced=False, management="full"), "grant.namespaced: applies to 4.x only"),
    ],
)
def test_a_grant_that_cannot_be_expressed_is_refused_naming_the_key(grant, message):
    with pytest.raises(AnsibleFilterError) as error:
        rocketmq_policy(grant)
    assert message in str(error.value)
