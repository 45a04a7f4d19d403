"""RocketMQ 5.x management API (2022-08-01) through alibabacloud-rocketmq20220801, under RAM authorization.

Account A owns the 5.x instance rmq-cn-emu5x0001 (topics orders-v5, audit-v5; group GID_v5_orders) and the 4.x
instance MQ_INST_1000000000000001_BXhFHbcq, which this API does not show.
"""

import pytest
from alibabacloud_rocketmq20220801 import models as rmq
from alibabacloud_rocketmq20220801.client import Client as RocketMQClient

INSTANCE = "rmq-cn-emu5x0001"
INSTANCE_4X = "MQ_INST_1000000000000001_BXhFHbcq"


def rocketmq(cloud, key) -> RocketMQClient:
    return RocketMQClient(cloud.config(key))


def instance_arn(cloud, suffix: str = "") -> str:
    return f"acs:rocketmq:*:{cloud.A_UID}:instance/{INSTANCE}{suffix}"


def partner(cloud, *statements) -> RocketMQClient:
    """A management client of B's alice in a role of A that trusts B and allows ``statements``."""
    policies = [("rmq-partner", cloud.document(*statements))] if statements else []
    role = cloud.create_role("rmq-partner", cloud.trust(f"acs:ram::{cloud.B_UID}:root"), policies=policies)
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    return rocketmq(cloud, cloud.assume_role(cloud.B_ALICE, role["Arn"], session="alice-rmq"))


def create_group_request(**extra) -> rmq.CreateConsumerGroupRequest:
    policy = rmq.CreateConsumerGroupRequestConsumeRetryPolicy(retry_policy="DefaultRetryPolicy", max_retry_times=5)
    return rmq.CreateConsumerGroupRequest(delivery_order_type="Concurrently", consume_retry_policy=policy, **extra)


def topic_names(client: RocketMQClient, **paging) -> list:
    data = client.list_topics(INSTANCE, rmq.ListTopicsRequest(**paging)).body.data
    return [t.topic_name for t in data.list]


def test_management_calls_follow_the_granted_actions(cloud):
    client = partner(
        cloud,
        cloud.allow(["rocketmq:GetInstance", "rocketmq:ListTopics", "rocketmq:GetTopic"], instance_arn(cloud, "*")),
        cloud.allow("rocketmq:CreateTopic", instance_arn(cloud, "/topic/partner-*")),
    )
    assert client.get_instance(INSTANCE).body.data.user_id == cloud.A_UID
    assert topic_names(client) == ["audit-v5", "orders-v5"]
    assert client.get_topic(INSTANCE, "orders-v5").body.data.message_type == "NORMAL"
    created = client.create_topic(INSTANCE, "partner-events", rmq.CreateTopicRequest(message_type="NORMAL"))
    assert created.body.success is True and created.body.data is True
    refused = {
        "CreateTopic": lambda: client.create_topic(
            INSTANCE, "other-events", rmq.CreateTopicRequest(message_type="NORMAL")
        ),
        "DeleteTopic": lambda: client.delete_topic(INSTANCE, "partner-events"),
        "ListInstances": lambda: client.list_instances(rmq.ListInstancesRequest()),
        "ListConsumerGroups": lambda: client.list_consumer_groups(INSTANCE, rmq.ListConsumerGroupsRequest()),
    }
    for action, call in refused.items():
        error = cloud.error(call)
        assert (error.code, error.status_code) == ("NoPermission", 403), action
        assert f"rocketmq:{action}" in error.message
    assert "partner-events" in topic_names(client)


def test_consumer_groups_are_authorized_on_the_group_resource(cloud):
    client = partner(cloud, cloud.allow("rocketmq:*", instance_arn(cloud, "/consumerGroup/GID_partner_*")))
    client.create_consumer_group(INSTANCE, "GID_partner_a", create_group_request(remark="partner"))
    group = client.get_consumer_group(INSTANCE, "GID_partner_a").body.data
    assert (group.consumer_group_id, group.remark, group.delivery_order_type) == (
        "GID_partner_a",
        "partner",
        "Concurrently",
    )
    assert group.consume_retry_policy.max_retry_times == 5
    assert cloud.error(lambda: client.get_consumer_group(INSTANCE, "GID_v5_orders")).code == "NoPermission"
    assert cloud.error(lambda: client.list_topics(INSTANCE, rmq.ListTopicsRequest())).code == "NoPermission"
    client.delete_consumer_group(INSTANCE, "GID_partner_a")
    assert cloud.error(lambda: client.get_consumer_group(INSTANCE, "GID_partner_a")).code == "ConsumerGroup.NotFound"


def test_read_only_system_policy_reads_everything_and_writes_nothing(cloud):
    client = partner(cloud)
    cloud.attach(cloud.A_ADMIN, "role", "rmq-partner", "AliyunMQReadOnlyAccess")
    listed = client.list_instances(rmq.ListInstancesRequest()).body.data
    assert [i.instance_id for i in listed.list] == [INSTANCE]  # 5.x only: the 4.x instance is not listed
    assert [
        g.consumer_group_id
        for g in client.list_consumer_groups(INSTANCE, rmq.ListConsumerGroupsRequest()).body.data.list
    ] == ["GID_v5_orders"]
    assert cloud.error(lambda: client.delete_topic(INSTANCE, "orders-v5")).code == "NoPermission"


def test_topic_lifecycle_and_its_error_codes(cloud):
    owner = rocketmq(cloud, cloud.A_ADMIN)
    owner.create_topic(
        INSTANCE, "fifo-events", rmq.CreateTopicRequest(message_type="FIFO", remark="ordered", max_send_tps=500)
    )
    topic = owner.get_topic(INSTANCE, "fifo-events").body.data
    assert (topic.message_type, topic.remark, topic.max_send_tps, topic.status) == ("FIFO", "ordered", 500, "RUNNING")
    duplicate = cloud.error(
        lambda: owner.create_topic(INSTANCE, "fifo-events", rmq.CreateTopicRequest(message_type="NORMAL"))
    )
    assert (duplicate.code, duplicate.status_code) == ("Topic.AlreadyExists", 409)
    assert topic_names(owner, message_types=["FIFO"]) == ["fifo-events"]
    owner.delete_topic(INSTANCE, "fifo-events")
    missing = cloud.error(lambda: owner.get_topic(INSTANCE, "fifo-events"))
    assert (missing.code, missing.status_code, missing.data["success"]) == ("Topic.NotFound", 404, False)
    assert cloud.error(lambda: owner.delete_topic(INSTANCE, "fifo-events")).code == "Topic.NotFound"


@pytest.mark.parametrize(
    "request_, code",
    [
        (rmq.CreateTopicRequest(), "MissingParameter"),
        (rmq.CreateTopicRequest(message_type="BROADCAST"), "InvalidParameter"),
    ],
)
def test_create_topic_validates_its_body(cloud, request_, code):
    error = cloud.error(lambda: rocketmq(cloud, cloud.A_ADMIN).create_topic(INSTANCE, "bad-topic", request_))
    assert (error.code, error.status_code) == (code, 400)


def test_create_consumer_group_needs_its_delivery_settings(cloud):
    owner = rocketmq(cloud, cloud.A_ADMIN)
    error = cloud.error(lambda: owner.create_consumer_group(INSTANCE, "GID_bare", rmq.CreateConsumerGroupRequest()))
    assert (error.code, error.data["dynamicCode"]) == ("MissingParameter", "deliveryOrderType")
    owner.create_consumer_group(INSTANCE, "GID_new", create_group_request())
    assert (
        cloud.error(lambda: owner.create_consumer_group(INSTANCE, "GID_new", create_group_request())).code
        == "ConsumerGroup.AlreadyExists"
    )


def test_lists_are_paged(cloud):
    owner = rocketmq(cloud, cloud.A_ADMIN)
    data = owner.list_topics(INSTANCE, rmq.ListTopicsRequest(page_number=2, page_size=1)).body.data
    assert (data.page_number, data.page_size, data.total_count, [t.topic_name for t in data.list]) == (
        2,
        1,
        2,
        ["orders-v5"],
    )
    assert (
        cloud.error(lambda: owner.list_topics(INSTANCE, rmq.ListTopicsRequest(page_size=0))).code == "InvalidParameter"
    )


@pytest.mark.parametrize("instance_id", ["rmq-cn-unknown", INSTANCE_4X])
def test_unknown_and_4x_instances_are_not_found(cloud, instance_id):
    error = cloud.error(lambda: rocketmq(cloud, cloud.A_ADMIN).get_instance(instance_id))
    assert (error.code, error.status_code) == ("Instance.NotFound", 404)


def test_an_account_sees_only_its_own_instances(cloud):
    b_admin = rocketmq(cloud, cloud.B_ADMIN)
    assert b_admin.list_instances(rmq.ListInstancesRequest()).body.data.total_count == 0
    assert cloud.error(lambda: b_admin.get_instance(INSTANCE)).code == "Instance.NotFound"
    assert cloud.error(lambda: b_admin.list_topics(INSTANCE, rmq.ListTopicsRequest())).code == "Instance.NotFound"
