"""ApsaraMQ for RocketMQ 5.x management API (version 2022-08-01, ROA), as alibabacloud-rocketmq20220801 5.1.0 calls it.

Routes (``@action(..., method, path)``; query and JSON body keys are lower camel case):
    GET    /instances                                         ListInstances   (filter, pageNumber, pageSize, seriesCodes)
    GET    /instances/{instanceId}                            GetInstance
    GET    /instances/{instanceId}/topics                     ListTopics      (filter, messageTypes, pageNumber, pageSize)
    GET|POST|DELETE /instances/{instanceId}/topics/{topicName}               Get/Create/DeleteTopic
    GET    /instances/{instanceId}/consumerGroups             ListConsumerGroups (filter, pageNumber, pageSize)
    GET|POST|DELETE /instances/{instanceId}/consumerGroups/{consumerGroupId} Get/Create/DeleteConsumerGroup

Answers use the envelope ``{requestId, success, code, message, httpStatusCode, dynamicCode, dynamicMessage, data}``;
lists are ``data{pageNumber, pageSize, totalCount, list}``. The caller acts on the instances of its own account
(a role session of A acts on A's instances); only 5.x instances are visible to this API.

Authorization (action ``rocketmq:<Action>``), decided before the existence checks so that nothing leaks:
    ListInstances                        acs:rocketmq:<region>:<uid>:instance/*
    GetInstance, ListTopics, ListConsumerGroups   acs:rocketmq:<region>:<uid>:instance/<id>
    Get/Create/DeleteTopic               acs:rocketmq:<region>:<uid>:instance/<id>/topic/<name>
    Get/Create/DeleteConsumerGroup       acs:rocketmq:<region>:<uid>:instance/<id>/consumerGroup/<groupId>
``<region>`` is the instance's region; when the instance does not exist (or for ListInstances) it is the region of a
``rocketmq.<region>.aliyuncs.com`` Host header, else ``*``.
"""

import re
from typing import Callable, List, Optional, Tuple

from werkzeug.wrappers import Response

from ..errors import ApiError
from ..protocol.rendering import json_response, register_renderers
from .base import Call, action
from .rocketmq_model import MESSAGE_TYPES, ConsumerGroup, Instance, RocketMQBackend, Topic, api_time

SERIES_CODE = "standard"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_%|-]{1,100}$")
DELIVERY_ORDER_TYPES = ("Concurrently", "Orderly")
RETRY_POLICIES = ("DefaultRetryPolicy", "FixedRetryPolicy")
MAX_PAGE_SIZE = 200
HOST_REGION = re.compile(r"^rocketmq[.-](?P<region>[a-z0-9-]+)\.aliyuncs\.com(:\d+)?$", re.IGNORECASE)


# ---- envelope and errors --------------------------------------------------------------------------------


def envelope(call: Call, data) -> dict:
    return {
        "requestId": call.request_id,
        "success": True,
        "code": "Success",
        "message": "operation success.",
        "httpStatusCode": 200,
        "dynamicCode": "",
        "dynamicMessage": "",
        "data": data,
    }


def error_body(error: ApiError, request_id: str) -> dict:
    """The error body of this API (the SDK reads ``code``/``message``/``requestId`` in either case)."""
    body = {
        "requestId": request_id,
        "success": False,
        "code": error.code,
        "message": error.message,
        "httpStatusCode": error.status,
        "dynamicCode": error.extra.get("dynamic_code", ""),
        "dynamicMessage": error.extra.get("dynamic_message", ""),
    }
    if "AccessDeniedDetail" in error.extra:
        body["accessDeniedDetail"] = error.extra["AccessDeniedDetail"]
    return body


def _render_success(body: dict, request_id: str) -> Response:
    return json_response(body, 200, request_id)


def _render_error(error: ApiError, request_id: str) -> Response:
    return json_response(error_body(error, request_id), error.status, request_id)


register_renderers("rocketmq", _render_success, _render_error)


def invalid_parameter(name: str, message: str) -> ApiError:
    return ApiError(400, "InvalidParameter", message, dynamic_code=name, dynamic_message=message)


def missing_parameter(name: str) -> ApiError:
    message = f"The parameter {name} is required."
    return ApiError(400, "MissingParameter", message, dynamic_code=name, dynamic_message=message)


# ---- caller, region and authorization -------------------------------------------------------------------


def _backend(call: Call) -> RocketMQBackend:
    """The caller's own account's instances (a role session acts in the role's account)."""
    uid = call.identity.account_uid
    backend = getattr(call.state.account(uid), "rocketmq", None)
    return backend if backend is not None else RocketMQBackend(uid)


def _request_region(call: Call) -> str:
    host = call.headers.get("host") or call.headers.get("Host") or ""
    found = HOST_REGION.match(host)
    return found.group("region").lower() if found else "*"


def instance_arn(region: str, uid: str, instance_id: str) -> str:
    return f"acs:rocketmq:{region}:{uid}:instance/{instance_id}"


def _find_instance(call: Call, authorize_on: Callable[[str], str]) -> Instance:
    """Authorize on the resource built by ``authorize_on(instance ARN)``, then find the 5.x instance."""
    instance_id = call.param("instanceId", required=True)
    backend = _backend(call)
    found = backend.instances.get(instance_id)
    region = found.region if found else _request_region(call)
    call.authorize(f"rocketmq:{call.action}", authorize_on(instance_arn(region, backend.owner, instance_id)))
    return backend.instance(instance_id, series="5.x")


def _instance_level(call: Call) -> Instance:
    return _find_instance(call, lambda arn: arn)


def _topic_level(call: Call) -> Tuple[Instance, str]:
    name = call.param("topicName", required=True)
    return _find_instance(call, lambda arn: f"{arn}/topic/{name}"), name


def _group_level(call: Call) -> Tuple[Instance, str]:
    group_id = call.param("consumerGroupId", required=True)
    return _find_instance(call, lambda arn: f"{arn}/consumerGroup/{group_id}"), group_id


# ---- paging ---------------------------------------------------------------------------------------------


def _positive_int(call: Call, name: str, default: int, maximum: int) -> int:
    value = _optional_int(call, name)
    value = default if value is None else value
    if not 1 <= value <= maximum:
        raise invalid_parameter(name, f"The parameter {name} must be between 1 and {maximum}.")
    return value


def page(call: Call, items: list) -> dict:
    number = _positive_int(call, "pageNumber", 1, 10**9)
    size = _positive_int(call, "pageSize", 10, MAX_PAGE_SIZE)
    start = (number - 1) * size
    return {"pageNumber": number, "pageSize": size, "totalCount": len(items), "list": items[start : start + size]}


def _csv(value) -> List[str]:
    """A list parameter: the SDK sends it comma-joined ("simple" style) or as a JSON list."""
    if not value:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [part.strip().strip('"[]') for part in str(value).split(",") if part.strip().strip('"[]')]


# ---- views ----------------------------------------------------------------------------------------------


def instance_view(instance: Instance) -> dict:
    return {
        "instanceId": instance.instance_id,
        "instanceName": instance.name,
        "regionId": instance.region,
        "userId": instance.owner,
        "seriesCode": SERIES_CODE,
        "subSeriesCode": "cluster_ha",
        "serviceCode": "rmq",
        "commodityCode": "ons_rmqpost_public_cn",
        "paymentType": "PayAsYouGo",
        "status": "RUNNING",
        "remark": instance.remark,
        "resourceGroupId": "",
        "topicCount": len(instance.topics),
        "groupCount": len(instance.groups),
        "createTime": api_time(instance.created_ms),
        "startTime": api_time(instance.created_ms),
        "updateTime": api_time(instance.created_ms),
        "productInfo": {"traceOn": False},  # ListInstances' productInfo model: capacityType, traceOn only
        "tags": [],
    }


def instance_detail_view(instance: Instance) -> dict:
    endpoint = f"{instance.instance_id}.{instance.region}.rmq.aliyuncs.com:8080"
    return dict(
        instance_view(instance),
        productInfo={"msgProcessSpec": "rmq.s2.2xlarge", "messageRetentionTime": 72, "traceOn": False},
        networkInfo={
            "endpoints": [{"endpointType": "TCP_VPC", "endpointUrl": endpoint, "ipWhitelist": []}],
        },
        software={"softwareVersion": "5.0-rmq-20240101-1"},
        aclInfo={"aclTypes": ["default"], "defaultVpcAuthFree": False},
    )


def topic_view(instance: Instance, topic: Topic) -> dict:
    view = {
        "instanceId": instance.instance_id,
        "regionId": instance.region,
        "topicName": topic.name,
        "messageType": topic.message_type,
        "status": "RUNNING",
        "remark": topic.remark,
        "createTime": api_time(topic.created_ms),
        "updateTime": api_time(topic.updated_ms),
    }
    if topic.max_send_tps is not None:  # the model declares an int: no null
        view["maxSendTps"] = topic.max_send_tps
    return view


def group_view(instance: Instance, group: ConsumerGroup) -> dict:
    """A ListConsumerGroups item (its model has no deliveryOrderType nor consumeRetryPolicy)."""
    return {
        "instanceId": instance.instance_id,
        "regionId": instance.region,
        "consumerGroupId": group.id,
        "status": "RUNNING",
        "remark": group.remark,
        "messageModel": group.message_model,
        "createTime": api_time(group.created_ms),
        "updateTime": api_time(group.updated_ms),
    }


def group_detail_view(instance: Instance, group: ConsumerGroup) -> dict:
    return dict(
        group_view(instance, group),
        deliveryOrderType=group.delivery_order_type,
        consumeRetryPolicy={"retryPolicy": "DefaultRetryPolicy", "maxRetryTimes": group.max_retry_times},
    )


# ---- handlers -------------------------------------------------------------------------------------------

INSTANCE_PATH = "/instances/{instanceId}"
TOPIC_PATH = f"{INSTANCE_PATH}/topics/{{topicName}}"
GROUP_PATH = f"{INSTANCE_PATH}/consumerGroups/{{consumerGroupId}}"


@action("rocketmq", "ListInstances", method="GET", path="/instances")
def list_instances(call: Call) -> dict:
    backend = _backend(call)
    region = _request_region(call)
    call.authorize("rocketmq:ListInstances", instance_arn(region, backend.owner, "*"))
    wanted_series, text = _csv(call.param("seriesCodes")), call.param("filter", default="")
    instances = [
        i
        for i in backend.list_instances(series="5.x", region=region)
        if (not wanted_series or SERIES_CODE in wanted_series) and (text in i.instance_id or text in i.name)
    ]
    return envelope(call, page(call, [instance_view(i) for i in instances]))


@action("rocketmq", "GetInstance", method="GET", path=INSTANCE_PATH)
def get_instance(call: Call) -> dict:
    return envelope(call, instance_detail_view(_instance_level(call)))


@action("rocketmq", "ListTopics", method="GET", path=f"{INSTANCE_PATH}/topics")
def list_topics(call: Call) -> dict:
    instance = _instance_level(call)
    types, text = _csv(call.param("messageTypes")), call.param("filter", default="")
    topics = [t for t in instance.topics.values() if (not types or t.message_type in types) and text in t.name]
    return envelope(call, page(call, [topic_view(instance, t) for t in sorted(topics, key=lambda t: t.name)]))


@action("rocketmq", "GetTopic", method="GET", path=TOPIC_PATH)
def get_topic(call: Call) -> dict:
    instance, name = _topic_level(call)
    return envelope(call, topic_view(instance, instance.topic(name)))


@action("rocketmq", "CreateTopic", write=True, method="POST", path=TOPIC_PATH)
def create_topic(call: Call) -> dict:
    instance, name = _topic_level(call)
    _check_name("topicName", name)
    message_type = _required_choice(
        call, "messageType", MESSAGE_TYPES, f"The messageType must be one of {', '.join(MESSAGE_TYPES)}."
    )
    topic = Topic(
        name=name,
        message_type=message_type,
        remark=call.param("remark", default=""),
        max_send_tps=_optional_int(call, "maxSendTps"),
    )
    return _write(call, instance.add_topic, topic)


@action("rocketmq", "DeleteTopic", write=True, method="DELETE", path=TOPIC_PATH)
def delete_topic(call: Call) -> dict:
    instance, name = _topic_level(call)
    return _write(call, instance.remove_topic, name)


@action("rocketmq", "ListConsumerGroups", method="GET", path=f"{INSTANCE_PATH}/consumerGroups")
def list_consumer_groups(call: Call) -> dict:
    instance = _instance_level(call)
    text = call.param("filter", default="")
    groups = sorted((g for g in instance.groups.values() if text in g.id), key=lambda g: g.id)
    return envelope(call, page(call, [group_view(instance, g) for g in groups]))


@action("rocketmq", "GetConsumerGroup", method="GET", path=GROUP_PATH)
def get_consumer_group(call: Call) -> dict:
    instance, group_id = _group_level(call)
    return envelope(call, group_detail_view(instance, instance.group(group_id)))


@action("rocketmq", "CreateConsumerGroup", write=True, method="POST", path=GROUP_PATH)
def create_consumer_group(call: Call) -> dict:
    instance, group_id = _group_level(call)
    _check_name("consumerGroupId", group_id)
    order = _required_choice(call, "deliveryOrderType", DELIVERY_ORDER_TYPES)
    policy = call.param("consumeRetryPolicy")
    if not isinstance(policy, dict) or not policy.get("retryPolicy"):
        raise missing_parameter("consumeRetryPolicy")
    if policy["retryPolicy"] not in RETRY_POLICIES:
        raise _bad_choice("consumeRetryPolicy.retryPolicy")
    group = ConsumerGroup(
        id=group_id,
        remark=call.param("remark", default=""),
        delivery_order_type=order,
        message_model=call.param("messageModel", default="CLUSTERING"),
        max_retry_times=int(policy.get("maxRetryTimes") or 16),
    )
    return _write(call, instance.add_group, group)


@action("rocketmq", "DeleteConsumerGroup", write=True, method="DELETE", path=GROUP_PATH)
def delete_consumer_group(call: Call) -> dict:
    instance, group_id = _group_level(call)
    return _write(call, instance.remove_group, group_id)


def _write(call: Call, change: Callable[..., None], *args) -> dict:
    """``change(*args)`` under the state lock, answered ``data: true`` as every write of the 5.x API is."""
    with call.state.lock:
        change(*args)
    return envelope(call, True)


def _check_name(param: str, value: str) -> None:
    if not NAME_PATTERN.match(value):
        raise invalid_parameter(param, f"The {param} must be 1 to 100 letters, digits, '_', '-', '%' or '|'.")


def _bad_choice(param: str) -> ApiError:
    return invalid_parameter(param, f"The value of {param} is not valid.")


def _required_choice(call: Call, name: str, choices: Tuple[str, ...], message: Optional[str] = None) -> str:
    """A required parameter that must be one of ``choices``; ``message`` overrides the generic refusal."""
    value = call.param(name)
    if not value:
        raise missing_parameter(name)
    if value not in choices:
        raise invalid_parameter(name, message) if message else _bad_choice(name)
    return value


def _optional_int(call: Call, name: str) -> Optional[int]:
    raw = call.param(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise invalid_parameter(name, f"The parameter {name} must be an integer.") from exc
