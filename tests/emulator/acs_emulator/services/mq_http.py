"""ApsaraMQ for RocketMQ 4.x HTTP data plane, as the mq-http-sdk 1.0.3 client speaks it.

Requests (the instance id travels as ``ns``; the signature is checked by ``protocol/mq_signature.py``):
- ``POST   /topics/<topic>/messages?ns=<instance>`` with ``<Message><MessageBody/><MessageTag/><Properties/></Message>``
  -> 201 ``<Message><MessageId/><MessageBodyMD5/></Message>``                        (PublishMessage)
- ``GET    /topics/<topic>/messages?consumer=<group>&numOfMessages=N&ns=..[&waitseconds=S][&tag=a||b]``
  -> 200 ``<Messages><Message>...</Message></Messages>`` or 404 ``MessageNotExist``  (ConsumeMessage)
- ``DELETE /topics/<topic>/messages?consumer=<group>&ns=..`` with ``<ReceiptHandles><ReceiptHandle/>...``
  -> 204, or 404 ``<Errors><Error><ErrorCode/><ErrorMessage/><ReceiptHandle/></Error>...</Errors>`` (AckMessage)

Authorization, decided on every request (so a detached policy stops a consumer at its next poll):
- the caller must belong to the account that owns the instance (the owner is found from the instance id);
- the instance-level right on ``acs:mq:*:*:<instance>``: the documentation requires ``mq:QueryInstanceBaseInfo``
  before topic or group rights take effect; the system policies made for SDK clients (AliyunMQPubOnlyAccess,
  AliyunMQSubOnlyAccess) carry the older name ``mq:OnsInstanceBaseInfo`` instead, so either name is accepted;
- publish: ``mq:PUB`` on ``acs:mq:*:*:<instance>%<topic>``;
- consume and ack: ``mq:SUB`` on ``acs:mq:*:*:<instance>%<topic>`` and on ``acs:mq:*:*:<instance>%<group>``.
A refusal is 403 ``AccessDenied`` (the HTTP SDK's documented code). Errors are MNS-style XML
``<Error><Code/><Message/><RequestId/><HostId/></Error>``.
"""

import threading
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from werkzeug.wrappers import Response

from ..errors import ApiError
from ..protocol.rendering import HOSTS, register_renderers
from .base import Call, action
from .rocketmq_model import Instance, body_md5, find_instance_owner

XMLNS = "http://mq.aliyuncs.com/doc/v1/"
PATH = "/topics/{topic}/messages"
MAX_BATCH = 16
MAX_WAIT_SECONDS = 30

# One condition per state lock: consumers waiting with ``waitseconds`` sleep on it (releasing the state lock the
# server holds around the call) and publishers wake them.
_SIGNALS: Dict[int, threading.Condition] = {}
_SIGNALS_LOCK = threading.Lock()


def cloud_ms(state) -> int:
    """The cloud clock (which tests may move forward) in epoch milliseconds."""
    return int(state.clock.now() * 1000)


def message_signal(state) -> threading.Condition:
    with _SIGNALS_LOCK:
        return _SIGNALS.setdefault(id(state.lock), threading.Condition(state.lock))


# ---- request parsing ------------------------------------------------------------------------------------


def invalid_argument(message: str) -> ApiError:
    return ApiError(400, "InvalidArgument", message)


def _int_param(call: Call, name: str, default: int, low: int, high: int) -> int:
    raw = call.param(name, default=None)
    if raw is None:
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise invalid_argument(f"The value of {name} should be an integer between {low} and {high}.") from exc
    if not low <= value <= high:
        raise invalid_argument(f"The value of {name} should between {low} and {high}.")
    return value


def _xml_children(body: Optional[bytes], root_name: str) -> List[Tuple[str, str]]:
    """``[(local tag, text), ...]`` of the children of the expected root element."""
    try:
        root = ElementTree.fromstring(body or b"")
    except ElementTree.ParseError as exc:
        raise ApiError(400, "MalformedXML", "The XML you provided was not well-formed.") from exc
    if root.tag.rsplit("}", 1)[-1] != root_name:
        raise invalid_argument(
            f"The XML you provided did not validate against our published schema, cause by {root.tag}."
        )
    return [(child.tag.rsplit("}", 1)[-1], child.text or "") for child in root]


@dataclass(frozen=True)
class Target:
    """The instance and topic (and group, when consuming) a request addresses."""

    instance: Instance
    topic: str
    group: Optional[str] = None


def _target(call: Call, with_group: bool) -> Target:
    instance_id = call.param("ns")
    if not instance_id:
        raise invalid_argument("The instance id (ns) is required: instances without a namespace are not emulated.")
    group = call.param("consumer") if with_group else None
    if with_group and not group:
        raise invalid_argument("The consumer (group id) is required.")
    found = find_instance_owner(call.state.iter_accounts(), instance_id)
    if found is None or found[1].series != "4.x":
        raise ApiError(404, "InstanceNotExist", f"The instance {instance_id} does not exist.")
    return Target(found[1], call.param("topic", required=True), group)


# ---- authorization --------------------------------------------------------------------------------------


def topic_arn(instance_id: str, topic: str) -> str:
    return f"acs:mq:*:*:{instance_id}%{topic}"


def _authorize(call: Call, target: Target, topic_action: str) -> None:
    instance = target.instance
    if call.identity.account_uid != instance.owner:
        raise _access_denied(f"instance {instance.instance_id} belongs to another account")
    instance_arn = f"acs:mq:*:*:{instance.instance_id}"
    if not _allowed(call, "mq:QueryInstanceBaseInfo", instance_arn) and not _allowed(
        call, "mq:OnsInstanceBaseInfo", instance_arn
    ):
        raise _access_denied(f"mq:QueryInstanceBaseInfo on {instance_arn} is not allowed")
    checks = [(topic_action, topic_arn(instance.instance_id, target.topic))]
    if target.group:
        checks.append(("mq:SUB", topic_arn(instance.instance_id, target.group)))
    for action_name, resource in checks:
        if not _allowed(call, action_name, resource):
            raise _access_denied(f"{action_name} on {resource} is not allowed")


def _allowed(call: Call, action_name: str, resource: str) -> bool:
    try:
        call.authorize(action_name, resource)
    except ApiError as error:
        if error.code != "NoPermission":
            raise
        return False
    return True


def _access_denied(detail: str) -> ApiError:
    return ApiError(
        403,
        "AccessDenied",
        f"The OwnerId that your Access Key Id associated to is forbidden for this operation: {detail}.",
    )


def _check_exists(target: Target) -> None:
    """Topic and group must exist (checked after authorization, so existence does not leak)."""
    if target.topic not in target.instance.topics:
        raise ApiError(404, "TopicNotExist", f"The topic {target.topic} does not exist.")
    if target.group and target.group not in target.instance.groups:
        raise ApiError(404, "GroupNotExist", f"The group {target.group} does not exist.")


# ---- handlers -------------------------------------------------------------------------------------------


@action("mq", "PublishMessage", write=True, method="POST", path=PATH)
def publish_message(call: Call) -> dict:
    target = _target(call, with_group=False)
    _authorize(call, target, "mq:PUB")
    _check_exists(target)
    fields = dict(_xml_children(call.body, "Message"))
    if not fields.get("MessageBody"):
        raise invalid_argument("The message body should not be empty.")
    signal = message_signal(call.state)
    with signal:
        message = target.instance.publish(
            target.topic,
            fields["MessageBody"],
            cloud_ms(call.state),
            fields.get("MessageTag", ""),
            fields.get("Properties", ""),
        )
        signal.notify_all()
    return {"Message": {"MessageId": message.message_id, "MessageBodyMD5": body_md5(message.body)}}


@action("mq", "ConsumeMessage", write=True, method="GET", path=PATH)
def consume_message(call: Call) -> dict:
    target = _target(call, with_group=True)
    batch = _int_param(call, "numOfMessages", 1, 1, MAX_BATCH)
    wait = _int_param(call, "waitseconds", 0, 0, MAX_WAIT_SECONDS)
    _authorize(call, target, "mq:SUB")
    _check_exists(target)
    deadline = time.monotonic() + wait
    deliveries = _receive_waiting(call.state, target, batch, call.param("tag", default=""), deadline)
    if not deliveries:
        raise ApiError(404, "MessageNotExist", "Message not exist.")
    return {"Messages": [_message_view(message, delivery) for message, delivery in deliveries]}


def _receive_waiting(state, target: Target, batch: int, tag: str, deadline: float) -> list:
    """Long polling: wait for a publish or a redelivery until ``deadline`` (monotonic seconds)."""
    instance, signal = target.instance, message_signal(state)
    with signal:
        while True:
            now = cloud_ms(state)
            deliveries = instance.receive(target.group, target.topic, batch, now, tag)
            remaining = deadline - time.monotonic()
            if deliveries or remaining <= 0:
                return deliveries
            next_visible = instance.next_visible_ms(target.group, target.topic)
            if next_visible is not None:
                remaining = min(remaining, max(0.01, (next_visible - now) / 1000.0))
            signal.wait(remaining)


def _message_view(message, delivery) -> dict:
    return {
        "MessageId": message.message_id,
        "ReceiptHandle": delivery.handle,
        "MessageBodyMD5": body_md5(message.body),
        "MessageBody": message.body,
        "PublishTime": str(message.publish_ms),
        "FirstConsumeTime": str(delivery.first_consume_ms),
        "NextConsumeTime": str(delivery.visible_at_ms),
        "ConsumedTimes": str(delivery.consumed_times),
        "MessageTag": message.tag,
        "Properties": message.properties,
    }


@action("mq", "AckMessage", write=True, method="DELETE", path=PATH)
def ack_message(call: Call) -> dict:
    target = _target(call, with_group=True)
    _authorize(call, target, "mq:SUB")
    _check_exists(target)
    handles = [text for tag, text in _xml_children(call.body, "ReceiptHandles") if tag == "ReceiptHandle" and text]
    if not handles:
        raise ApiError(400, "MissingReceiptHandle", "ReceiptHandle is required.")
    with call.state.lock:
        failures = target.instance.ack(target.group, target.topic, handles, cloud_ms(call.state))
    if failures:
        raise ApiError(
            404,
            "ReceiptHandleError",
            failures[0][1],
            ack_errors=[
                {"ErrorCode": "ReceiptHandleError", "ErrorMessage": reason, "ReceiptHandle": handle}
                for handle, reason in failures
            ],
        )
    return {}


# ---- rendering (called by the protocol layer for product "mq") -------------------------------------------


def _element(name: str, text: str) -> str:
    return f"<{name}>{escape(text)}</{name}>"


def _document(root: str, inner: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{XMLNS}">{inner}</{root}>'.encode("utf-8")


def _xml_response(status: int, body: bytes, request_id: str) -> Response:
    response = Response(body, status=status)
    response.headers["Content-Type"] = "text/xml;charset=utf-8"
    response.headers["x-mq-request-id"] = request_id
    return response


def render_success(body: dict, request_id: str) -> Response:
    """A handler's body is the XML document as a dict: ``{"Message": {...}}``, ``{"Messages": [...]}`` or ``{}``."""
    if "Message" in body:
        inner = "".join(_element(k, v) for k, v in body["Message"].items())
        return _xml_response(201, _document("Message", inner), request_id)
    if "Messages" in body:
        inner = "".join(
            "<Message>" + "".join(_element(k, v) for k, v in m.items()) + "</Message>" for m in body["Messages"]
        )
        return _xml_response(200, _document("Messages", inner), request_id)
    return _xml_response(204, b"", request_id)


def render_error(error: ApiError, request_id: str) -> Response:
    """A data plane error, in the form the SDK's decoders expect (``<Errors>`` for a partly failed ack)."""
    ack_errors = error.extra.get("ack_errors")
    if ack_errors:
        items = "".join(
            "<Error>" + "".join(_element(k, v) for k, v in item.items()) + "</Error>" for item in ack_errors
        )
        return _xml_response(error.status, _document("Errors", items), request_id)
    inner = (
        _element("Code", error.code)
        + _element("Message", error.message)
        + _element("RequestId", request_id)
        + _element("HostId", HOSTS["mq"])
    )
    return _xml_response(error.status, _document("Error", inner), request_id)


register_renderers("mq", render_success, render_error)
