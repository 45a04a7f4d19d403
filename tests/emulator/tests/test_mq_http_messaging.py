"""RocketMQ 4.x HTTP messaging through mq-http-sdk, with AssumeRole credentials of the partner account.

Account A owns MQ_INST_1000000000000001_BXhFHbcq (topics orders, payments, audit; groups GID_orders_consumer,
GID_payments_consumer, GID_audit). A trusts account B with a role; B's user alice assumes it and messages with
the temporary key and token, every request authorized against the role's current policies.
"""

import pathlib
import threading
import time

import pytest
from mq_http_sdk.mq_client import MQClient
from mq_http_sdk.mq_exception import MQServerException
from mq_http_sdk.mq_producer import TopicMessage

from acs_emulator.testing import running_emulator

SEED = pathlib.Path(__file__).resolve().parents[1] / "seed-example.yml"
INSTANCE = "MQ_INST_1000000000000001_BXhFHbcq"
ROLE = "mq-partner"
GRANT = "mq-orders-partner"


def mq_arn(name: str) -> str:
    return f"acs:mq:*:*:{INSTANCE}%{name}"


def orders_grant(cloud, instance_right: bool = True) -> str:
    """Publish and subscribe on topic orders with group GID_orders_consumer, nothing else."""
    statements = [
        cloud.allow(["mq:PUB", "mq:SUB"], mq_arn("orders")),
        cloud.allow("mq:SUB", mq_arn("GID_orders_consumer")),
    ]
    if instance_right:
        statements.append(cloud.allow("mq:QueryInstanceBaseInfo", f"acs:mq:*:*:{INSTANCE}"))
    return cloud.document(*statements)


def partner_session(cloud, *policies):
    """B's alice, in a role of A that trusts B and carries ``policies``; the temporary key (with token)."""
    role = cloud.create_role(ROLE, cloud.trust(f"acs:ram::{cloud.B_UID}:root"), policies=policies)
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    return cloud.assume_role(cloud.B_ALICE, role["Arn"], session="alice-mq")


def mq_client(emu, key) -> MQClient:
    return MQClient(emu.url, key.id, key.secret, key.token or "")


def publish(client: MQClient, topic: str, body: str, tag: str = "", key: str = ""):
    message = TopicMessage(body, tag)
    if key:
        message.set_message_key(key)
    return client.get_producer(INSTANCE, topic).publish_message(message)


def consume(client: MQClient, topic: str, group: str, batch: int = 16, wait: int = -1):
    return client.get_consumer(INSTANCE, topic, group).consume_message(batch, wait)


def mq_error(call) -> MQServerException:
    with pytest.raises(MQServerException) as caught:
        call()
    return caught.value


@pytest.fixture
def orders_partner(cloud):
    """An MQ client of B's role session granted topic orders / group GID_orders_consumer."""
    return mq_client(cloud.emu, partner_session(cloud, (GRANT, orders_grant(cloud))))


def test_partner_publishes_and_consumes_the_granted_topic(cloud, orders_partner):
    sent = [publish(orders_partner, "orders", f"order-{n}", tag="created", key=f"k{n}") for n in range(3)]
    received = consume(orders_partner, "orders", "GID_orders_consumer", wait=1)
    assert [m.message_body for m in received] == ["order-0", "order-1", "order-2"]
    assert [m.message_id for m in received] == [s.message_id for s in sent]
    assert [m.message_body_md5 for m in received] == [s.message_body_md5 for s in sent]
    assert received[0].message_tag == "created" and received[0].get_message_key() == "k0"
    assert all(m.consumed_times == 1 for m in received)
    orders_partner.get_consumer(INSTANCE, "orders", "GID_orders_consumer").ack_message(
        [m.receipt_handle for m in received]
    )
    assert mq_error(lambda: consume(orders_partner, "orders", "GID_orders_consumer")).type == "MessageNotExist"
    session_arn = f"acs:ram::{cloud.A_UID}:assumed-role/{ROLE}/alice-mq"
    allowed = {
        (d["action"], d["resource"]) for d in cloud.emu.decisions() if d["identity"] == session_arn and d["allowed"]
    }
    assert allowed == {
        ("mq:QueryInstanceBaseInfo", f"acs:mq:*:*:{INSTANCE}"),
        ("mq:PUB", mq_arn("orders")),
        ("mq:SUB", mq_arn("orders")),
        ("mq:SUB", mq_arn("GID_orders_consumer")),
    }


@pytest.mark.parametrize("operation", ["publish payments", "consume payments", "consume with another group"])
def test_topic_or_group_outside_the_grant_is_refused(cloud, orders_partner, operation):
    calls = {
        "publish payments": lambda: publish(orders_partner, "payments", "x"),
        "consume payments": lambda: consume(orders_partner, "payments", "GID_orders_consumer"),
        "consume with another group": lambda: consume(orders_partner, "orders", "GID_payments_consumer"),
    }
    error = mq_error(calls[operation])
    assert error.type == "AccessDenied"
    assert cloud.emu.decisions()[-1]["allowed"] is False


def test_topic_rights_need_the_instance_level_right(cloud):
    client = mq_client(cloud.emu, partner_session(cloud, (GRANT, orders_grant(cloud, instance_right=False))))
    error = mq_error(lambda: publish(client, "orders", "x"))
    assert error.type == "AccessDenied" and "QueryInstanceBaseInfo" in error.message


def test_system_pub_only_policy_publishes_but_cannot_consume(cloud):
    client = mq_client(cloud.emu, partner_session(cloud, "AliyunMQPubOnlyAccess"))
    assert publish(client, "audit", "audited").message_id
    assert mq_error(lambda: consume(client, "audit", "GID_audit")).type == "AccessDenied"


def test_an_account_reaches_anothers_instance_only_through_a_role(cloud):
    b_admin = mq_client(cloud.emu, cloud.B_ADMIN)  # AdministratorAccess, but in account B
    assert mq_error(lambda: publish(b_admin, "orders", "x")).type == "AccessDenied"
    assert publish(mq_client(cloud.emu, cloud.A_ROOT), "orders", "by the owner").message_id


def test_detaching_the_policy_cuts_a_consumer_mid_stream(cloud, orders_partner):
    for n in range(2):
        publish(mq_client(cloud.emu, cloud.A_ROOT), "orders", f"order-{n}")
    first = consume(orders_partner, "orders", "GID_orders_consumer", batch=1)
    assert [m.message_body for m in first] == ["order-0"]
    ram = cloud.ram(cloud.A_ADMIN)
    ram.detach_policy_from_role(
        cloud.ram_models.DetachPolicyFromRoleRequest(policy_type="Custom", policy_name=GRANT, role_name=ROLE)
    )
    assert mq_error(lambda: consume(orders_partner, "orders", "GID_orders_consumer", batch=1)).type == "AccessDenied"
    consumer = orders_partner.get_consumer(INSTANCE, "orders", "GID_orders_consumer")
    assert mq_error(lambda: consumer.ack_message([first[0].receipt_handle])).type == "AccessDenied"


def test_unacknowledged_message_is_delivered_again_after_its_invisibility_time(cloud, orders_partner):
    publish(orders_partner, "orders", "at-least-once")
    first = consume(orders_partner, "orders", "GID_orders_consumer")
    assert mq_error(lambda: consume(orders_partner, "orders", "GID_orders_consumer")).type == "MessageNotExist"
    assert first[0].next_consume_time - first[0].first_consume_time == 300_000  # the real 5 minutes
    cloud.emu.advance_clock(301)
    again = consume(orders_partner, "orders", "GID_orders_consumer")
    assert [m.message_id for m in again] == [first[0].message_id]
    assert again[0].consumed_times == 2 and again[0].receipt_handle != first[0].receipt_handle
    consumer = orders_partner.get_consumer(INSTANCE, "orders", "GID_orders_consumer")
    stale = mq_error(lambda: consumer.ack_message([first[0].receipt_handle]))
    assert stale.type == "ReceiptHandleError" and stale.sub_errors[0]["ReceiptHandle"] == first[0].receipt_handle
    consumer.ack_message([again[0].receipt_handle])
    cloud.emu.advance_clock(301)
    assert mq_error(lambda: consume(orders_partner, "orders", "GID_orders_consumer")).type == "MessageNotExist"


def test_groups_consume_independently(cloud):
    owner = mq_client(cloud.emu, cloud.A_ROOT)
    publish(owner, "audit", "seen by both")
    for group in ("GID_audit", "GID_orders_consumer"):
        assert [m.message_body for m in consume(owner, "audit", group)] == ["seen by both"]


def test_consume_waits_for_a_publication_within_the_bounded_wait(cloud, orders_partner):
    owner = mq_client(cloud.emu, cloud.A_ROOT)
    started = time.monotonic()
    assert mq_error(lambda: consume(orders_partner, "orders", "GID_orders_consumer", wait=1)).type == "MessageNotExist"
    assert 0.9 <= time.monotonic() - started < 3
    timer = threading.Timer(0.5, lambda: publish(owner, "orders", "late"))
    timer.start()
    started = time.monotonic()
    try:
        received = consume(orders_partner, "orders", "GID_orders_consumer", wait=10)
    finally:
        timer.join()
    assert [m.message_body for m in received] == ["late"]
    assert 0.4 <= time.monotonic() - started < 5


def test_wrong_secret_unknown_topic_and_bad_wait_are_refused(cloud):
    forged = MQClient(cloud.emu.url, cloud.A_ROOT.id, "not-the-secret")
    assert mq_error(lambda: publish(forged, "orders", "x")).type == "SignatureDoesNotMatch"
    owner = mq_client(cloud.emu, cloud.A_ROOT)
    assert mq_error(lambda: publish(owner, "no-such-topic", "x")).type == "TopicNotExist"
    assert mq_error(lambda: consume(owner, "orders", "GID_audit", wait=31)).type == "InvalidArgument"


def test_messages_and_offsets_survive_a_restart_with_state(cloud, tmp_path):
    state = tmp_path / "emulator.sqlite"
    with running_emulator(seed=str(SEED), args=["--state", str(state)]) as first:
        owner = mq_client(first, cloud.A_ROOT)
        for body in ("one", "two"):
            publish(owner, "orders", body)
        received = consume(owner, "orders", "GID_orders_consumer", batch=1)
        owner.get_consumer(INSTANCE, "orders", "GID_orders_consumer").ack_message([received[0].receipt_handle])
    with running_emulator(seed=str(SEED), args=["--state", str(state)]) as second:
        assert [m.message_body for m in consume(mq_client(second, cloud.A_ROOT), "orders", "GID_orders_consumer")] == [
            "two"
        ]


def test_a_non_ascii_signature_is_a_mismatch_not_a_crash(cloud):
    """Signatures are compared as bytes: a forged signature with a character outside ASCII (latin-1 in the header)
    gets the documented SignatureDoesNotMatch, not a server error."""
    import email.utils  # pylint: disable=import-outside-toplevel
    import urllib.error  # pylint: disable=import-outside-toplevel
    import urllib.request  # pylint: disable=import-outside-toplevel

    request = urllib.request.Request(
        f"{cloud.emu.url}/topics/orders/messages?ns={INSTANCE}",
        data=b"<Message><MessageBody>x</MessageBody></Message>",
        method="POST",
        headers={
            "Authorization": f"MQ {cloud.A_ROOT.id}:sign\u00e9",
            "Date": email.utils.formatdate(usegmt=True),
            "Content-Type": "text/xml;charset=UTF-8",
            "x-mq-version": "2015-06-06",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310  # the local emulator
    body = refused.value.read()
    assert refused.value.code == 400 and b"<Code>SignatureDoesNotMatch</Code>" in body, (refused.value.code, body)
