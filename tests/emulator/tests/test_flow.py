"""The seed document's cross-account flow at API level, through the official SDKs only.

Account A owns the RocketMQ 5.x instance; it lets partner B in through a role with a topic-level policy, and
revokes that access step by step. Every decision is taken at request time from the current state.
"""

from alibabacloud_rocketmq20220801.client import Client as RocketMQClient

INSTANCE = "rmq-cn-emu5x0001"
EXTERNAL_ID = "partner-b-7f3a"


def topic_policy(cloud, topic):
    return cloud.document(
        cloud.allow("rocketmq:GetTopic", f"acs:rocketmq:*:{cloud.A_UID}:instance/{INSTANCE}/topic/{topic}")
    )


def trust_of(cloud, uid):
    return cloud.trust(f"acs:ram::{uid}:root", conditions={"StringEquals": {"sts:ExternalId": EXTERNAL_ID}})


def refusal(cloud, call):
    error = cloud.error(call)
    return error.code, error.status_code


def test_cross_account_role_flow(cloud):
    ram_a, models = cloud.ram(cloud.A_ADMIN), cloud.ram_models
    # A creates the role trusting B, with a policy on one topic only
    role = cloud.create_role(
        "PartnerOps", trust_of(cloud, cloud.B_UID), policies=[("OrdersTopicRead", topic_policy(cloud, "orders-v5"))]
    )

    def assume(external_id=EXTERNAL_ID):
        return cloud.assume_role(cloud.B_ALICE, role["Arn"], session="alice", external_id=external_id)

    # B's user without sts:AssumeRole is refused; with the grant, AssumeRole succeeds
    assert refusal(cloud, assume) == ("NoPermission", 403)
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    session = assume()
    rocketmq = RocketMQClient(cloud.config(session))

    # the token works for the granted topic and is refused for another one
    assert rocketmq.get_topic(INSTANCE, "orders-v5").body.data.topic_name == "orders-v5"
    assert refusal(cloud, lambda: rocketmq.get_topic(INSTANCE, "audit-v5")) == ("NoPermission", 403)

    # a wrong ExternalId is refused
    assert refusal(cloud, lambda: assume(external_id="guessed")) == ("NoPermission", 403)

    # detaching the policy makes the live token fail at once
    ram_a.detach_policy_from_role(
        models.DetachPolicyFromRoleRequest(policy_type="Custom", policy_name="OrdersTopicRead", role_name="PartnerOps")
    )
    assert refusal(cloud, lambda: rocketmq.get_topic(INSTANCE, "orders-v5")) == ("NoPermission", 403)

    # removing B from the trust refuses new AssumeRole
    ram_a.update_role(
        models.UpdateRoleRequest(role_name="PartnerOps", new_assume_role_policy_document=trust_of(cloud, cloud.C_UID))
    )
    assert refusal(cloud, assume) == ("NoPermission", 403)

    # deleting the role ends the old session entirely, even for calls that need no permission
    assert cloud.identity(session)["RoleId"] == role["RoleId"]
    ram_a.delete_role(models.DeleteRoleRequest(role_name="PartnerOps"))
    assert refusal(cloud, lambda: cloud.identity(session)) == ("NoPermission", 403)

    # ... and a new role of the same name does not revive it
    cloud.create_role("PartnerOps", trust_of(cloud, cloud.B_UID), policies=["AliyunMQReadOnlyAccess"])
    assert refusal(cloud, lambda: rocketmq.get_topic(INSTANCE, "orders-v5")) == ("NoPermission", 403)
    assert cloud.emu.decisions()[-1]["reason"] == "role PartnerOps no longer exists: its sessions have ended"
