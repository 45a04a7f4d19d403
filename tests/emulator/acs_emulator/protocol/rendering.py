"""Responses and errors in the shapes the SDKs parse.

RPC products (RAM, STS) answer JSON bodies with a ``RequestId``; errors are
``{"RequestId", "HostId", "Code", "Message", "Recommend"}`` with the HTTP status of the error. A product
with another envelope (RocketMQ 5.x, the MQ HTTP XML plane) registers its own renderers with
``register_renderers``.
"""

import json
import uuid
from typing import Callable, Dict, Optional

from werkzeug.wrappers import Response

from ..errors import ApiError

HOSTS = {
    "ram": "ram.aliyuncs.com",
    "sts": "sts.aliyuncs.com",
    "rocketmq": "rocketmq.aliyuncs.com",
    "mq": "mqrest.aliyuncs.com",
}

SuccessRenderer = Callable[[dict, str], Response]
ErrorRenderer = Callable[[ApiError, str], Response]

_SUCCESS: Dict[str, SuccessRenderer] = {}
_ERROR: Dict[str, ErrorRenderer] = {}


def new_request_id() -> str:
    return str(uuid.uuid4()).upper()


def json_response(body: dict, status: int = 200, request_id: Optional[str] = None) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers["Content-Type"] = "application/json;charset=utf-8"
    if request_id:
        response.headers["x-acs-request-id"] = request_id
    return response


def rpc_success(body: dict, request_id: str) -> Response:
    return json_response({**body, "RequestId": request_id}, 200, request_id)


def rpc_error(product: Optional[str], error: ApiError, request_id: str) -> Response:
    body = {
        "RequestId": request_id,
        "HostId": HOSTS.get(product or "", "aliyuncs.com"),
        "Code": error.code,
        "Message": error.message,
        "Recommend": f"https://api.aliyun.com/troubleshoot?q={error.code}&product={(product or '').upper()}",
    }
    body.update(error.extra)
    return json_response(body, error.status, request_id)


def register_renderers(
    product: str, success: Optional[SuccessRenderer] = None, error: Optional[ErrorRenderer] = None
) -> None:
    """Give ``product`` its own response envelope (called by the service module of that product)."""
    if success is not None:
        _SUCCESS[product] = success
    if error is not None:
        _ERROR[product] = error


def render_success(product: str, body: dict, request_id: str) -> Response:
    return _SUCCESS.get(product, rpc_success)(body, request_id)


def render_error(product: Optional[str], error: ApiError, request_id: str) -> Response:
    renderer = _ERROR.get(product or "")
    if renderer is not None:
        return renderer(error, request_id)
    return rpc_error(product, error, request_id)
