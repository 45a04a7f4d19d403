"""rocketmq_access: expectations parsed and checked before any call; what counts as a write in check mode."""
import pytest

from ansible_collections.apsaramq.cross_account.plugins.module_utils.rocketmq_access import (
    ALLOWED, DENIED, SKIPPED, OPERATIONS, Probe, _writes, parse_probes)


def test_entries_take_the_default_instance_and_keep_their_order_allowed_first():
    probes = parse_probes([{"operation": "publish", "topic": "orders"}],
                          [{"operation": "get_topic", "instance_id": "rmq-1", "topic": "t"}], "MQ_INST_1")
    assert [(p.operation, p.expected, p.instance_id) for p in probes] == [("publish", ALLOWED, "MQ_INST_1"), ("get_topic", DENIED, "rmq-1")]


@pytest.mark.parametrize("allowed, denied, message", [
    ([], [], "expect_allowed or expect_denied must name at least one operation"),
    ([{"operation": "consume", "topic": "orders"}], [], "expect_allowed[0]: consume needs instance_id and group"),
    ([{"operation": "list_topics"}], [{"operation": "get_group"}], "expect_allowed[0]: list_topics needs instance_id"),
    ([], [{"operation": "list_instances"}, {"operation": "get_group", "instance_id": "rmq-1"}], "expect_denied[1]: get_group needs group"),
])
def test_an_incomplete_entry_is_refused_naming_its_option_and_index(allowed, denied, message):
    with pytest.raises(ValueError) as error:
        parse_probes(allowed, denied, None)
    assert str(error.value) == message


def test_publish_consume_create_and_delete_write_while_reads_do_not():
    writing = {operation for operation in OPERATIONS if _writes(operation)}
    assert writing == {"publish", "consume", "create_topic", "delete_topic", "create_group", "delete_group"}


@pytest.mark.parametrize("expected, actual, matches", [
    (ALLOWED, ALLOWED, True), (DENIED, DENIED, True), (ALLOWED, SKIPPED, True), (ALLOWED, DENIED, False), (DENIED, "error", False)])
def test_a_probe_matches_when_reality_is_the_expectation_or_was_not_tried(expected, actual, matches):
    probe = Probe("publish", expected, "MQ_INST_1", "orders")
    probe.record(actual)
    assert probe.matches is matches
    assert probe.as_row()["ok"] is matches and probe.target == "MQ_INST_1 topic orders"
