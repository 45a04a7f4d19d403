# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Try RocketMQ operations with given credentials and tell, for each, whether it was allowed or denied.

4.x messaging goes over the HTTP data plane (mq-http-sdk): a probe message with a tag unique to the run is published
and consumed back and acknowledged, so nothing is left behind. 5.x management goes through the client layer
(ApiClient of product "rocketmq"). Probes never touch what they did not create: a delete is tried on a name that
does not exist (RAM decides before the service looks the name up, so the answer is "denied" or "not found").
"""

from __future__ import annotations

import importlib.util
import uuid

from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import ApiError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.retries import RetryPolicy

# mq-http-sdk is imported by the first messaging probe: a check of management operations only, or in check mode
# (where publish and consume are skipped), does not pay its import (about 40 ms per task).
HAS_MQ_HTTP_SDK = importlib.util.find_spec("mq_http_sdk") is not None

ALLOWED = "allowed"
DENIED = "denied"
SKIPPED = "skipped"
ERROR = "error"
EXPECTATIONS = (ALLOWED, DENIED)

MESSAGING_OPERATIONS = ("publish", "consume")
# operation -> (API action, the names it needs, writes)
MANAGEMENT_OPERATIONS = {
    "list_instances": ("ListInstances", (), False),
    "get_instance": ("GetInstance", ("instance_id",), False),
    "list_topics": ("ListTopics", ("instance_id",), False),
    "get_topic": ("GetTopic", ("instance_id", "topic"), False),
    "create_topic": ("CreateTopic", ("instance_id",), True),
    "delete_topic": ("DeleteTopic", ("instance_id",), True),
    "list_groups": ("ListConsumerGroups", ("instance_id",), False),
    "get_group": ("GetConsumerGroup", ("instance_id", "group"), False),
    "create_group": ("CreateConsumerGroup", ("instance_id",), True),
    "delete_group": ("DeleteConsumerGroup", ("instance_id",), True),
}
OPERATIONS = MESSAGING_OPERATIONS + tuple(MANAGEMENT_OPERATIONS)
MESSAGING_NEEDS = {"publish": ("instance_id", "topic"), "consume": ("instance_id", "topic", "group")}

DENIED_CODES = ("NoPermission", "Forbidden.RAM", "Forbidden.NoPermission", "Forbidden", "AccessDenied")
NOT_FOUND_CODES = ("Instance.NotFound", "Topic.NotFound", "ConsumerGroup.NotFound")
HTTP_FORBIDDEN = 403
# AccessDenied: RAM refused the action; NoPermission: the session's role itself is gone or lost its rights.
MQ_DENIED_CODES = ("AccessDenied", "NoPermission")
MQ_EMPTY = "MessageNotExist"
MAX_BATCH = 16
MAX_POLLS = 8
PROBE_PREFIX = "ansible-access-check-"


class Probe:
    """One expectation: an operation on a resource that should be allowed or denied, and what happened."""

    def __init__(self, operation, expected, instance_id=None, topic=None, group=None):
        self.operation = operation
        self.expected = expected
        self.instance_id = instance_id
        self.topic = topic
        self.group = group
        self.actual = None
        self.code = None
        self.detail = None

    def record(self, actual, code=None, detail=None):
        self.actual, self.code, self.detail = actual, code, detail

    @property
    def matches(self):
        return self.actual in (self.expected, SKIPPED)

    @property
    def target(self):
        names = [self.instance_id, self.topic and f"topic {self.topic}", self.group and f"group {self.group}"]
        return " ".join(name for name in names if name) or "account"

    def as_row(self):
        return dict(operation=self.operation, instance_id=self.instance_id, topic=self.topic, group=self.group,
                    expected=self.expected, actual=self.actual, ok=self.matches, code=self.code, detail=self.detail)


def parse_probes(expect_allowed, expect_denied, default_instance):
    """Probes from the two expectation lists; ValueError names the option and index of a bad entry."""
    probes = []
    for option, expected, entries in (("expect_allowed", ALLOWED, expect_allowed), ("expect_denied", DENIED, expect_denied)):
        for index, entry in enumerate(entries or ()):
            probe = Probe(entry["operation"], expected, entry.get("instance_id") or default_instance, entry.get("topic"), entry.get("group"))
            needs = MESSAGING_NEEDS.get(probe.operation) or MANAGEMENT_OPERATIONS[probe.operation][1]
            missing = [name for name in needs if not getattr(probe, name)]
            if missing:
                raise ValueError(f"{option}[{index}]: {probe.operation} needs {' and '.join(missing)}")
            probes.append(probe)
    if not probes:
        raise ValueError("expect_allowed or expect_denied must name at least one operation")
    return probes


def new_probe_tag():
    return PROBE_PREFIX + uuid.uuid4().hex[:12]


# ---------------------------------------------------------------------------------------------------- 4.x messaging

def _api_error(exc):
    """ApiError for an mq-http-sdk exception (code and request id; the SDK never echoes credentials)."""
    from mq_http_sdk.mq_exception import MQClientNetworkException
    if isinstance(exc, MQClientNetworkException):
        return ApiError("NetworkError", exc.message, exc.req_id, transport=True)
    return ApiError(exc.type, exc.message, getattr(exc, "req_id", None))


class MessagingProbes:
    """Publish and consume on 4.x instances over HTTP; remembers its probe messages until they are acknowledged."""

    def __init__(self, module, tag, wait_seconds):
        self._module = module
        self._tag = tag
        self._wait_seconds = wait_seconds
        self._client = None
        self._retry = RetryPolicy(max_attempts=module.params["retry_max_attempts"], max_seconds=module.params["retry_max_seconds"])
        self.unacknowledged = {}  # message id -> (instance, topic)

    def _mq(self):
        if self._client is None:
            from mq_http_sdk.mq_client import MQClient
            credentials = self._module.credentials()
            self._client = MQClient(self._module.endpoint("mq").url, credentials.access_key_id, credentials.access_key_secret,
                                    credentials.security_token or "")
            timeout = self._module.params["connect_timeout"] + self._module.params["read_timeout"] + self._wait_seconds
            self._client.set_connection_timeout(int(timeout))
        return self._client

    def _call(self, action, write, operation):
        """``operation()`` with the shared retry policy; every attempt is accounted like an API call."""
        from mq_http_sdk.mq_exception import MQExceptionBase

        def attempt(_number):
            try:
                value = operation()
            except MQExceptionBase as exc:
                error = _api_error(exc)
                self._module.record_api_call("mq", action, write, status=None)
                raise error from None
            self._module.record_api_call("mq", action, write)
            return value
        return self._retry.run(attempt)

    def publish(self, probe):
        from mq_http_sdk.mq_producer import TopicMessage
        producer = self._mq().get_producer(probe.instance_id, probe.topic)
        message = TopicMessage(f"access check probe {self._tag}", self._tag)
        try:
            sent = self._call("PublishMessage", True, lambda: producer.publish_message(message))
        except ApiError as error:
            return _refusal(probe, error)
        self.unacknowledged[sent.message_id] = (probe.instance_id, probe.topic)
        return probe.record(ALLOWED, detail=f"published probe message {sent.message_id}")

    def consume(self, probe):
        """Allowed when the group may receive (messages or none); acknowledges only this run's probes."""
        try:
            acknowledged = self._receive(probe.instance_id, probe.topic, probe.group)
        except ApiError as error:
            return _refusal(probe, error)
        return probe.record(ALLOWED, detail=f"received; acknowledged {acknowledged} probe message(s)")

    def drain(self, instance_id, topic, group):
        """Consume back this run's probes on ``topic`` with ``group``; failures leave them listed as stray."""
        try:
            self._receive(instance_id, topic, group)
        except ApiError:
            pass  # reported through self.unacknowledged

    def pending_on(self, instance_id, topic):
        return any(place == (instance_id, topic) for place in self.unacknowledged.values())

    def _receive(self, instance_id, topic, group):
        """Poll until this run's probes on the topic are acknowledged (bounded); other messages are not acknowledged.

        Messages of other publishers become visible to the group again after their invisibility time."""
        consumer = self._mq().get_consumer(instance_id, topic, group)
        acknowledged = 0
        for poll in range(MAX_POLLS):
            wait = self._wait_seconds if poll == 0 or self.pending_on(instance_id, topic) else 0
            messages = self._consume_batch(consumer, wait)
            ours = [message for message in messages if message.message_id in self.unacknowledged]
            if ours:
                self._call("AckMessage", True, lambda: consumer.ack_message([message.receipt_handle for message in ours]))
                for message in ours:
                    del self.unacknowledged[message.message_id]
                acknowledged += len(ours)
            if not messages or not self.pending_on(instance_id, topic):
                break
        return acknowledged

    def _consume_batch(self, consumer, wait):
        try:
            return self._call("ConsumeMessage", True, lambda: consumer.consume_message(MAX_BATCH, wait))
        except ApiError as error:
            if error.code == MQ_EMPTY:
                return []
            raise

    def stray_messages(self):
        return [dict(message_id=message_id, instance_id=place[0], topic=place[1]) for message_id, place in sorted(self.unacknowledged.items())]


def _refusal(probe, error):
    if error.code in MQ_DENIED_CODES or error.code.startswith("Forbidden"):
        return probe.record(DENIED, code=error.code, detail=error.message)
    return probe.record(ERROR, code=error.code, detail=error.message)


# ---------------------------------------------------------------------------------------------------- 5.x management

class ManagementProbes:
    """5.x management API calls through the client layer; created probe resources are deleted again."""

    def __init__(self, module, tag):
        self._module = module
        self.tag = tag
        self.leftovers = []

    def run(self, probe):
        action, _needs, _writes = MANAGEMENT_OPERATIONS[probe.operation]
        params = self._params(probe)
        body = self._module.client("rocketmq").call(action, params, ignore=DENIED_CODES + NOT_FOUND_CODES)
        status = self._module.api_calls[-1]["status"] if self._module.api_calls else None
        if body is None and status == HTTP_FORBIDDEN:
            return probe.record(DENIED, code=str(status), detail=f"{action} refused by RAM")
        probe.record(ALLOWED, detail=f"{action} answered" + (" (not found)" if body is None else ""))
        if probe.operation.startswith("create_"):
            self._remove_probe_resource(probe, params)
        return probe

    def _params(self, probe):
        """API parameters; creates and deletes act on a fresh probe name, never on an existing resource."""
        name = self.tag if probe.operation.startswith(("create_", "delete_")) else None
        params = {"instanceId": probe.instance_id} if probe.instance_id and probe.operation != "list_instances" else {}
        if probe.operation.endswith("_topic"):
            params["topicName"] = name or probe.topic
        if probe.operation.endswith("_group"):
            params["consumerGroupId"] = name or probe.group
        if probe.operation == "create_topic":
            params.update(messageType="NORMAL", remark="access check probe (deleted right away)")
        if probe.operation == "create_group":
            params.update(deliveryOrderType="Concurrently", consumeRetryPolicy={"retryPolicy": "DefaultRetryPolicy", "maxRetryTimes": 1},
                          remark="access check probe (deleted right away)")
        if probe.operation.startswith("list_"):
            params.update(pageNumber=1, pageSize=10)
        return params

    def _remove_probe_resource(self, probe, params):
        delete = "DeleteTopic" if probe.operation == "create_topic" else "DeleteConsumerGroup"
        keys = ("instanceId", "topicName") if delete == "DeleteTopic" else ("instanceId", "consumerGroupId")
        removed = self._module.client("rocketmq").call(delete, {key: params[key] for key in keys}, ignore=DENIED_CODES)
        if removed is None:
            self.leftovers.append(dict(operation=delete, **{key: params[key] for key in keys}))


# ---------------------------------------------------------------------------------------------------- the check

def run_probes(module, probes, wait_seconds):
    """Run every probe (writes skipped in check mode) and clean up; returns (messaging, management) helpers."""
    tag = new_probe_tag()
    messaging = MessagingProbes(module, tag, wait_seconds) if HAS_MQ_HTTP_SDK else None
    management = ManagementProbes(module, tag)
    # Publish first, so that a consume probe in the same run takes the probe messages back.
    ordered = sorted(probes, key=lambda probe: probe.operation != "publish")
    for probe in ordered:
        if module.check_mode and _writes(probe.operation):
            probe.record(SKIPPED, detail="check mode: this probe writes, so it was not tried")
        elif probe.operation in MESSAGING_OPERATIONS:
            getattr(messaging, probe.operation)(probe)
        else:
            management.run(probe)
    _drain_leftover_probes(messaging, probes)
    return messaging, management


def _writes(operation):
    """Receiving writes too: it moves the group's offset and hides the messages for their invisibility time."""
    return operation in MESSAGING_OPERATIONS or MANAGEMENT_OPERATIONS[operation][2]


def _drain_leftover_probes(messaging, probes):
    """A topic that was published to but not consumed in this run is drained with a group its probes name."""
    if messaging is None:
        return
    for probe in probes:
        if probe.group and probe.operation in MESSAGING_OPERATIONS and messaging.pending_on(probe.instance_id, probe.topic):
            messaging.drain(probe.instance_id, probe.topic, probe.group)
