# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Try RocketMQ operations with given credentials and tell, for each, what the answer proves.

Every probe ends as one outcome of module_utils/outcomes.py: ``allowed``, ``denied`` (only the documented
authorization refusals), ``not_found``, ``error`` or ``skipped`` (check mode), and matches its expectation only when
the outcome is the expected one (``skipped`` only in check mode). A missing target is ``not_found`` and fails both
expectations, so a misspelled name never passes.

4.x messaging goes over the HTTP data plane (mq-http-sdk): a probe message with a tag unique to the run is published
and consumed back and acknowledged, so nothing is left behind. 5.x management goes through the client layer
(``client.call(action, params)``, which raises ApiError). Probes never touch what they did not create.

The delete rule: V(delete_topic) and V(delete_group) act on this run's fresh probe name, which does not exist. RAM
authorizes a call before the service looks its names up (the emulator's RocketMQ handlers authorize on the ARN built
from the request, then find the instance, then the topic or group; the real service's OpenAPI gateway decides before
the request reaches the service). So the answer "<that fresh name> not found" (``Topic.NotFound`` for delete_topic,
``ConsumerGroup.NotFound`` for delete_group) is only given after RAM allowed the call, on an instance that exists
(the instance is looked up first and answers ``Instance.NotFound``): it is taken as ``allowed``. Any other not-found
answer, ``Instance.NotFound`` included, stays ``not_found``.
"""

from __future__ import annotations

import functools
import http.client
import importlib.util
import uuid

from ansible_collections.apsaramq.cross_account.plugins.module_utils.client import TlsSettings
from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import (
    ApiError,
    CollectionError,
    certificate_error,
    scrub,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.outcomes import (
    ALLOWED,
    DENIED,
    ERROR,
    NOT_FOUND,
    SKIPPED,
    Outcome,
    classify,
    proof_failure,
    skipped,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import ValidationError

# mq-http-sdk is imported by the first messaging probe: a check of management operations only, or in check mode
# (where publish and consume are skipped), does not pay its import (about 40 ms per task).
HAS_MQ_HTTP_SDK = importlib.util.find_spec("mq_http_sdk") is not None

EXPECTATIONS = (ALLOWED, DENIED)
SUMMARY_KEYS = (ALLOWED, DENIED, NOT_FOUND, SKIPPED, ERROR)
MESSAGING_PRODUCT = "mq"
MANAGEMENT_PRODUCT = "rocketmq"

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
MESSAGING_ACTIONS = {"publish": "PublishMessage", "consume": "ConsumeMessage"}
# The delete rule (module docstring): the not-found code that names this run's own fresh probe name.
FRESH_NAME_NOT_FOUND = {"delete_topic": "Topic.NotFound", "delete_group": "ConsumerGroup.NotFound"}

MQ_EMPTY = "MessageNotExist"
MAX_BATCH = 16
MAX_POLLS = 8
PROBE_PREFIX = "ansible-access-check-"
MAX_WAIT_SECONDS = 30

PROBE_OPTIONS = dict(
    operation=dict(type="str", required=True, choices=list(OPERATIONS)),
    instance_id=dict(type="str"),
    topic=dict(type="str"),
    group=dict(type="str"),
)
ARGUMENT_SPEC = dict(
    expect_allowed=dict(type="list", elements="dict", default=[], options=PROBE_OPTIONS),
    expect_denied=dict(type="list", elements="dict", default=[], options=PROBE_OPTIONS),
    instance_id=dict(type="str"),
    wait_seconds=dict(type="int", default=1),
)
RULES = {}  # no mutually exclusive or required-together options (AnsibleModule keyword arguments)


class Probe:
    """One expectation: an operation on a resource that should be allowed or denied, and its Outcome."""

    def __init__(self, operation, expected, instance_id=None, topic=None, group=None):
        self.operation = operation
        self.expected = expected
        self.instance_id = instance_id
        self.topic = topic
        self.group = group
        self.outcome = None
        self.detail = None
        self.check_mode = False

    def record(self, outcome, detail=None):
        """Keep ``outcome`` (an Outcome) and ``detail`` (what happened, in words); returns the probe."""
        self.outcome = outcome
        self.detail = detail if detail is not None else outcome.message
        return self

    @property
    def actual(self):
        return self.outcome.kind if self.outcome else None

    @property
    def code(self):
        return self.outcome.code if self.outcome else None

    @property
    def action(self):
        if self.operation in MESSAGING_ACTIONS:
            return MESSAGING_ACTIONS[self.operation]
        return MANAGEMENT_OPERATIONS[self.operation][0]

    @property
    def matches(self):
        """The outcome is the expected one; a skipped probe matches only when it was skipped for check mode."""
        return self.actual == self.expected or (self.actual == SKIPPED and self.check_mode)

    @property
    def target(self):
        if self.operation == "list_instances":
            return "the account"
        names = [self.instance_id, self.topic and f"topic {self.topic}", self.group and f"group {self.group}"]
        return " ".join(name for name in names if name) or "account"

    @property
    def tried(self):
        return f"{self.operation} on {self.target}"

    def failure(self, secrets=()):
        """Why this probe does not prove its expectation (for the mismatch message)."""
        return scrub(proof_failure(self.tried, self.expected, self.outcome, self.action), secrets)

    def as_row(self, secrets=()):
        outcome = self.outcome
        return dict(
            operation=self.operation,
            instance_id=self.instance_id,
            topic=self.topic,
            group=self.group,
            expected=self.expected,
            actual=self.actual,
            ok=self.matches,
            code=self.code,
            reason=outcome.reason if outcome else None,
            detail=scrub(self.detail, secrets),
        )


def parse_probes(expect_allowed, expect_denied, default_instance):
    """Probes from the two expectation lists; ValidationError names the option and index of a bad entry."""
    probes = []
    for option, expected, entries in (
        ("expect_allowed", ALLOWED, expect_allowed),
        ("expect_denied", DENIED, expect_denied),
    ):
        for index, entry in enumerate(entries or ()):
            probe = Probe(
                entry["operation"],
                expected,
                entry.get("instance_id") or default_instance,
                entry.get("topic"),
                entry.get("group"),
            )
            needs = MESSAGING_NEEDS.get(probe.operation) or MANAGEMENT_OPERATIONS[probe.operation][1]
            missing = [name for name in needs if not getattr(probe, name)]
            if missing:
                raise ValidationError(f"{option}[{index}]", f"{probe.operation} needs {' and '.join(missing)}")
            probes.append(probe)
    if not probes:
        raise ValidationError("expect_allowed, expect_denied", "must name at least one operation between them")
    return probes


def validated_request(params):
    """The probes of the module's options (ARGUMENT_SPEC), checked before any API call.

    Raises ValidationError naming the option."""
    probes = parse_probes(params.get("expect_allowed"), params.get("expect_denied"), params.get("instance_id"))
    wait = params.get("wait_seconds")
    wait = 1 if wait is None else wait
    if not 0 <= wait <= MAX_WAIT_SECONDS:
        raise ValidationError("wait_seconds", f"must be from 0 to {MAX_WAIT_SECONDS}, got {wait}")
    return probes


def new_probe_tag():
    return PROBE_PREFIX + uuid.uuid4().hex[:12]


def summarize(probes):
    counts = {kind: sum(probe.actual == kind for probe in probes) for kind in SUMMARY_KEYS}
    counts["mismatched"] = sum(not probe.matches for probe in probes)
    return counts


def mismatch_message(probes, secrets=()):
    """Per failed probe: what was tried, the outcome and its code, and why it proves nothing."""
    lines = [probe.failure(secrets) for probe in probes if not probe.matches]
    return f"Access differs from the expectation in {len(lines)} case(s): " + " ".join(
        f"({number}) {line}." for number, line in enumerate(lines, 1)
    )


# ---------------------------------------------------------------------------------------------------- 4.x messaging


def _api_error(exc, action, endpoint=None):
    """ApiError for an mq-http-sdk exception (code and request id; the SDK never echoes credentials)."""
    from mq_http_sdk.mq_exception import MQClientNetworkException

    operation = f"{MESSAGING_PRODUCT}:{action}"
    if isinstance(exc, MQClientNetworkException):
        refused = certificate_error(exc.message, endpoint)
        if refused is not None:
            refused.operation = operation
            return refused
        return ApiError("NetworkError", exc.message, exc.req_id, transport=True, operation=operation)
    return ApiError(exc.type, exc.message, getattr(exc, "req_id", None), operation=operation)


class _HTTPSConnection(http.client.HTTPSConnection):
    """What mq-http-sdk's own HTTPS connection should be: it passes ``strict``, which Python 3's HTTPSConnection no
    longer takes, so mq-http-sdk 1.0.x cannot open one. This one verifies with the task's TLS settings, keeps the
    timeout and counts the request bytes as the SDK's connections do."""

    def __init__(self, host, timeout, context):
        super().__init__(host, timeout=timeout, context=context)
        self.request_length = 0

    def send(self, data):
        super().send(data)
        self.request_length += len(data)

    def request(self, method, url, body=None, headers=None, **kwargs):  # pylint: disable=arguments-differ
        self.request_length = 0
        super().request(method, url, body, headers or {}, **kwargs)


def mq_client(endpoint_url, credentials, timeout_seconds, tls):
    """An mq-http-sdk MQClient for ``endpoint_url``; an https:// one connects with ``tls`` (a TlsSettings)."""
    from mq_http_sdk.mq_client import MQClient

    scheme, _sep, rest = endpoint_url.partition("://")
    https = scheme.lower() == "https"
    client = MQClient(
        f"http://{rest}" if https else endpoint_url,
        credentials.access_key_id,
        credentials.access_key_secret,
        credentials.security_token or "",
    )
    client.set_connection_timeout(timeout_seconds)
    if https:
        client.is_https = client.http.is_https = True
        client.http.conn = _HTTPSConnection(client.http.host, timeout_seconds, tls.ssl_context())
    return client


class MessagingProbes:
    """Publish and consume on 4.x instances over HTTP; remembers its probe messages until they are acknowledged.

    ``credentials`` (access_key_id, access_key_secret, security_token), ``endpoint_url`` (the instance's HTTP
    endpoint), ``retry_policy`` (a RetryPolicy), ``recorder(action, write, attempt, status)`` accounting every attempt,
    ``timeout_seconds`` of one HTTP request, the run's ``tag``, the long-polling ``wait_seconds`` and ``tls`` (a
    TlsSettings: ``validate_certs`` and ``ca_bundle``; verified against the default CAs when None)."""

    def __init__(self, credentials, endpoint_url, retry_policy, recorder, timeout_seconds, tag, wait_seconds, tls=None):
        self._credentials = credentials
        self._tls = tls or TlsSettings()
        self._endpoint_url = endpoint_url
        self._retry = retry_policy
        self._recorder = recorder
        self._timeout = timeout_seconds
        self._tag = tag
        self._wait_seconds = wait_seconds
        self._client = None
        self.unacknowledged = {}  # message id -> (instance, topic)

    def _mq(self):
        if self._client is None:
            from mq_http_sdk.mq_exception import MQExceptionBase

            try:
                self._client = mq_client(self._endpoint_url, self._credentials, max(1, int(self._timeout)), self._tls)
            except MQExceptionBase as exc:
                raise CollectionError(f"mq_http_endpoint: {exc.message} ({self._endpoint_url})") from None
        return self._client

    def _call(self, action, write, operation):
        """``operation()`` with the retry policy; every attempt is recorded; failures raise ApiError."""
        from mq_http_sdk.mq_exception import MQExceptionBase

        def attempt(number):
            try:
                value = operation()
            except MQExceptionBase as exc:
                self._recorder(action, write, number, None)  # nor on an error
                raise _api_error(exc, action, self._endpoint_url) from None
            self._recorder(action, write, number, None)  # mq-http-sdk does not expose the status
            return value

        return self._retry.run(attempt)

    def publish(self, probe):
        from mq_http_sdk.mq_producer import TopicMessage

        message = TopicMessage(f"access check probe {self._tag}", self._tag)
        try:
            producer = self._mq().get_producer(probe.instance_id, probe.topic)
            sent = self._call("PublishMessage", True, lambda: producer.publish_message(message))
        except ApiError as error:
            return probe.record(classify(error, MESSAGING_PRODUCT))
        self.unacknowledged[sent.message_id] = (probe.instance_id, probe.topic)
        return probe.record(classify(None, MESSAGING_PRODUCT), detail=f"published probe message {sent.message_id}")

    def consume(self, probe):
        """Allowed when the group may receive (messages or none); acknowledges only this run's probes."""
        try:
            acknowledged = self._receive(probe.instance_id, probe.topic, probe.group)
        except ApiError as error:
            return probe.record(classify(error, MESSAGING_PRODUCT))
        return probe.record(
            classify(None, MESSAGING_PRODUCT), detail=f"received; acknowledged {acknowledged} probe message(s)"
        )

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
                self._call(
                    "AckMessage",
                    True,
                    functools.partial(consumer.ack_message, [message.receipt_handle for message in ours]),
                )
                for message in ours:
                    del self.unacknowledged[message.message_id]
                acknowledged += len(ours)
            if not messages or not self.pending_on(instance_id, topic):
                break
        return acknowledged

    def _consume_batch(self, consumer, wait):
        """One receive; ``MessageNotExist`` (answered after RAM allowed it and the names were found) is an empty batch."""
        try:
            return self._call("ConsumeMessage", True, lambda: consumer.consume_message(MAX_BATCH, wait))
        except ApiError as error:
            if error.code == MQ_EMPTY:
                return []
            raise

    def stray_messages(self):
        return [
            dict(message_id=message_id, instance_id=place[0], topic=place[1])
            for message_id, place in sorted(self.unacknowledged.items())
        ]


# ---------------------------------------------------------------------------------------------------- 5.x management


class ManagementProbes:
    """5.x management API calls through the client layer; created probe resources are deleted again.

    ``client_factory()`` returns the RocketMQ ApiClient (built on the first probe that runs); ``client.call`` raises
    ApiError, which is classified here: nothing is read back from the module's call log."""

    def __init__(self, client_factory, tag):
        self._client_factory = client_factory
        self._client = None
        self.tag = tag
        self.leftovers = []

    def _api(self):
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def run(self, probe):
        action = MANAGEMENT_OPERATIONS[probe.operation][0]
        params = self._params(probe)
        client = self._api()
        try:
            client.call(action, params)
        except ApiError as error:
            return probe.record(self._judge(probe, action, error))
        probe.record(classify(None, MANAGEMENT_PRODUCT), detail=f"{action} answered")
        if probe.operation.startswith("create_"):
            self._remove_probe_resource(probe, params)
        return probe

    def _judge(self, probe, action, error):
        """The outcome of a failed call, with the delete rule (module docstring) for this run's fresh probe name."""
        if FRESH_NAME_NOT_FOUND.get(probe.operation) == error.code:
            reason = (
                f"{action} answered {error.code} for this run's fresh probe name {self.tag}: RAM authorizes before "
                "the service looks a name up (and the instance was found), so the call was allowed; nothing existed "
                "to delete"
            )
            return Outcome(
                ALLOWED,
                code=error.code,
                reason=reason,
                message=error.message,
                status_code=error.status_code,
                attempts=error.attempts,
                operation=error.operation,
            )
        return classify(error, MANAGEMENT_PRODUCT)

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
            params.update(
                deliveryOrderType="Concurrently",
                consumeRetryPolicy={"retryPolicy": "DefaultRetryPolicy", "maxRetryTimes": 1},
                remark="access check probe (deleted right away)",
            )
        if probe.operation.startswith("list_"):
            params.update(pageNumber=1, pageSize=10)
        return params

    def _remove_probe_resource(self, probe, params):
        delete = "DeleteTopic" if probe.operation == "create_topic" else "DeleteConsumerGroup"
        keys = ("instanceId", "topicName") if delete == "DeleteTopic" else ("instanceId", "consumerGroupId")
        names = {key: params[key] for key in keys}
        try:
            self._api().call(delete, names)
        except ApiError as error:
            self.leftovers.append(dict(operation=delete, code=error.code, **names))


# ---------------------------------------------------------------------------------------------------- the check


def run_probes(probes, check_mode, management, messaging_factory):
    """Run every probe (writes skipped in check mode) and clean up; returns the MessagingProbes, or None if none ran.

    ``management`` is a ManagementProbes; ``messaging_factory()`` builds the MessagingProbes on the first messaging
    probe that is tried (so a run without one resolves no data-plane client). Errors outside the probes' own calls
    (credentials, a missing endpoint) propagate."""
    messaging = None
    # Publish first, so that a consume probe in the same run takes the probe messages back.
    ordered = sorted(probes, key=lambda probe: probe.operation != "publish")
    for probe in ordered:
        probe.check_mode = check_mode
        if check_mode and writes(probe.operation):
            probe.record(skipped("check mode: this probe writes, so it was not tried"))
        elif probe.operation in MESSAGING_OPERATIONS:
            messaging = messaging or messaging_factory()
            getattr(messaging, probe.operation)(probe)
        else:
            management.run(probe)
    _drain_leftover_probes(messaging, probes)
    return messaging


def writes(operation):
    """Receiving writes too: it moves the group's offset and hides the messages for their invisibility time."""
    return operation in MESSAGING_OPERATIONS or MANAGEMENT_OPERATIONS[operation][2]


def _drain_leftover_probes(messaging, probes):
    """A topic that was published to but not consumed in this run is drained with a group its probes name."""
    if messaging is None:
        return
    for probe in probes:
        if (
            probe.group
            and probe.operation in MESSAGING_OPERATIONS
            and messaging.pending_on(probe.instance_id, probe.topic)
        ):
            messaging.drain(probe.instance_id, probe.topic, probe.group)
