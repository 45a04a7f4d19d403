"""rocketmq_access: expectations parsed and checked before any call; what counts as a write in check mode."""

import pytest

from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import ApiError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.outcomes import ERROR, NOT_FOUND, Outcome, classify
from ansible_collections.apsaramq.cross_account.plugins.module_utils.rocketmq_access import (
    ALLOWED,
    DENIED,
    OPERATIONS,
    SKIPPED,
    ManagementProbes,
    Probe,
    mismatch_message,
    parse_probes,
    run_probes,
    summarize,
    validated_request,
    writes,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import ValidationError


def test_entries_take_the_default_instance_and_keep_their_order_allowed_first():
    probes = parse_probes(
        [{"operation": "publish", "topic": "orders"}],
        [{"operation": "get_topic", "instance_id": "rmq-1", "topic": "t"}],
        "MQ_INST_1",
    )
    assert [(p.operation, p.expected, p.instance_id) for p in probes] == [
        ("publish", ALLOWED, "MQ_INST_1"),
        ("get_topic", DENIED, "rmq-1"),
    ]


@pytest.mark.parametrize(
    "allowed, denied, message",
    [
        ([], [], "expect_allowed, expect_denied: must name at least one operation between them"),
        ([{"operation": "consume", "topic": "orders"}], [], "expect_allowed[0]: consume needs instance_id and group"),
        (
            [{"operation": "list_topics"}],
            [{"operation": "get_group"}],
            "expect_allowed[0]: list_topics needs instance_id",
        ),
        (
            [],
            [{"operation": "list_instances"}, {"operation": "get_group", "instance_id": "rmq-1"}],
            "expect_denied[1]: get_group needs group",
        ),
    ],
)
def test_an_incomplete_entry_is_refused_naming_its_option_and_index(allowed, denied, message):
    with pytest.raises(ValueError) as error:
        parse_probes(allowed, denied, None)
    assert str(error.value) == message


def test_publish_consume_create_and_delete_write_while_reads_do_not():
    writing = {operation for operation in OPERATIONS if writes(operation)}
    assert writing == {"publish", "consume", "create_topic", "delete_topic", "create_group", "delete_group"}


@pytest.mark.parametrize(
    "expected, actual, check_mode, matches",
    [
        (ALLOWED, ALLOWED, False, True),
        (DENIED, DENIED, False, True),
        (ALLOWED, SKIPPED, True, True),
        (ALLOWED, SKIPPED, False, False),
        (ALLOWED, DENIED, False, False),
        (DENIED, ERROR, False, False),
        (ALLOWED, NOT_FOUND, False, False),
        (DENIED, NOT_FOUND, False, False),
        (ALLOWED, ERROR, True, False),
    ],
)
def test_a_probe_matches_only_when_reality_is_the_expectation_or_it_was_skipped_in_check_mode(
    expected, actual, check_mode, matches
):
    probe = Probe("publish", expected, "MQ_INST_1", "orders")
    probe.check_mode = check_mode
    probe.record(Outcome(actual))
    assert probe.matches is matches
    assert probe.as_row()["ok"] is matches and probe.target == "MQ_INST_1 topic orders"


def test_validated_request_names_the_option_and_checks_the_wait():
    params = {
        "expect_allowed": [{"operation": "list_topics"}],
        "expect_denied": [],
        "instance_id": "rmq-1",
        "wait_seconds": 1,
    }
    assert [p.operation for p in validated_request(params)] == ["list_topics"]
    with pytest.raises(ValidationError) as error:
        validated_request(dict(params, wait_seconds=31))
    assert str(error.value) == "wait_seconds: must be from 0 to 30, got 31" and error.value.field == "wait_seconds"
    with pytest.raises(ValidationError) as error:
        validated_request(dict(params, instance_id=None))
    assert error.value.field == "expect_allowed[0]"


class FakeClient:
    """The RocketMQ ApiClient as the probes see it: ``call`` returns a body or raises the ApiError it is given."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def call(self, action, params=None):
        self.calls.append((action, dict(params or {})))
        answer = self.answers.get(action, {})
        if isinstance(answer, ApiError):
            raise answer
        return answer


def management(answers):
    client = FakeClient(answers)
    return ManagementProbes(lambda: client, "ansible-access-check-0123456789ab"), client


def not_found(code, status=404):
    return ApiError(code, "cannot be found", status_code=status, operation="rocketmq:X")


@pytest.mark.parametrize(
    "operation, code, actual",
    [
        ("delete_topic", "Topic.NotFound", ALLOWED),  # the fresh probe name: RAM allowed the delete
        ("delete_group", "ConsumerGroup.NotFound", ALLOWED),
        ("delete_topic", "ConsumerGroup.NotFound", NOT_FOUND),  # not the code that names the probe's own name
        ("delete_topic", "Instance.NotFound", NOT_FOUND),  # the instance is missing: nothing is proved
        ("delete_group", "Instance.NotFound", NOT_FOUND),
        ("get_topic", "Topic.NotFound", NOT_FOUND),  # a read of a missing (misspelled) name never passes
        ("get_group", "ConsumerGroup.NotFound", NOT_FOUND),
        ("get_instance", "Instance.NotFound", NOT_FOUND),
    ],
)
def test_the_delete_rule_accepts_only_the_probes_own_fresh_name(operation, code, actual):
    probes, client = management({})
    client.answers = {
        action: not_found(code)
        for action in ("DeleteTopic", "DeleteConsumerGroup", "GetTopic", "GetConsumerGroup", "GetInstance")
    }
    probe = Probe(operation, ALLOWED, "rmq-1", topic="orders", group="GID_x")
    probes.run(probe)
    assert (probe.actual, probe.code) == (actual, code)
    if operation.startswith("delete_"):
        names = client.calls[0][1]
        assert "ansible-access-check-0123456789ab" in names.values(), "a delete acts on the run's fresh name only"
        if actual == ALLOWED:
            assert "fresh probe name" in probe.outcome.reason


def test_management_probes_classify_what_the_client_raises():
    probes, client = management(
        {
            "GetTopic": ApiError("NoPermission", "refused", status_code=403),
            "ListTopics": ApiError("InvalidAccessKeyId.NotFound", "who?", status_code=404),
            "GetInstance": ApiError("Throttling.User", "slow down", status_code=400),
        }
    )
    rows = [
        probes.run(Probe(op, ALLOWED, "rmq-1", topic="t"))
        for op in ("get_topic", "list_topics", "get_instance", "list_groups")
    ]
    assert [(p.actual, p.code) for p in rows] == [
        (DENIED, "NoPermission"),
        (ERROR, "InvalidAccessKeyId.NotFound"),
        (ERROR, "Throttling.User"),
        (ALLOWED, None),
    ]


def test_a_created_probe_resource_is_deleted_and_a_failed_delete_is_a_leftover():
    probes, client = management({"DeleteTopic": ApiError("NoPermission", "refused", status_code=403)})
    probe = probes.run(Probe("create_topic", ALLOWED, "rmq-1"))
    assert probe.actual == ALLOWED
    assert [call[0] for call in client.calls] == ["CreateTopic", "DeleteTopic"]
    assert probes.leftovers == [
        {
            "operation": "DeleteTopic",
            "code": "NoPermission",
            "instanceId": "rmq-1",
            "topicName": "ansible-access-check-0123456789ab",
        }
    ]


def test_check_mode_skips_the_writes_and_builds_no_messaging_client():
    probes, client = management({})
    entries = [
        Probe("publish", ALLOWED, "MQ_1", "orders"),
        Probe("create_topic", DENIED, "rmq-1"),
        Probe("list_topics", ALLOWED, "rmq-1"),
    ]

    def no_messaging():
        raise AssertionError("no messaging probe runs in check mode")

    assert run_probes(entries, True, probes, no_messaging) is None
    assert [p.actual for p in entries] == [SKIPPED, SKIPPED, ALLOWED] and all(p.matches for p in entries)
    assert [call[0] for call in client.calls] == ["ListTopics"]
    assert summarize(entries) == {"allowed": 1, "denied": 0, "not_found": 0, "skipped": 2, "error": 0, "mismatched": 0}


def test_the_mismatch_message_explains_each_failed_probe_and_hides_secrets():
    ok = Probe("get_topic", ALLOWED, "rmq-1", topic="orders").record(classify(None, "rocketmq"))
    missing = Probe("get_topic", ALLOWED, "rmq-1", topic="ordres").record(
        classify(ApiError("Topic.NotFound", "The topic cannot be found: ordres.", status_code=404), "rocketmq")
    )
    leaked = Probe("publish", DENIED, "MQ_1", topic="orders").record(
        classify(ApiError("SignatureDoesNotMatch", "string to sign used s3cr3t", status_code=403), "mq")
    )
    message = mismatch_message([ok, missing, leaked], secrets={"s3cr3t"})
    assert message.startswith(
        "Access differs from the expectation in 2 case(s): (1) get_topic on rmq-1 topic ordres: expected "
        "allowed, was not_found (Topic.NotFound); GetTopic answered \"The topic cannot be found: ordres.\""
    )
    assert (
        " (2) publish on MQ_1 topic orders: expected denied, was error (SignatureDoesNotMatch); PublishMessage answered"
        in message
    )
    assert message.endswith("so RAM never decided.")
    assert "an authentication error" in message and "s3cr3t" not in message
    assert leaked.as_row(secrets={"s3cr3t"})["detail"] == "string to sign used ********"
