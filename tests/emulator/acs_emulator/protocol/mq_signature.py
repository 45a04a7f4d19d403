"""The ApsaraMQ HTTP data plane signature, ``Authorization: MQ <AccessKeyId>:<signature>`` (mq-http-sdk 1.0.3).

String to sign, as ``MQClient.get_signature`` builds it::

    METHOD \\n Content-MD5 \\n Content-Type \\n Date \\n <x-mq-* headers sorted, "name:value\\n" each><resource>

where the resource is the request path with its query string exactly as sent (``/topics/t/messages?ns=...``).
Signature: base64 of HMAC-SHA1 keyed with the AccessKey secret. An STS token travels in ``security-token``.
Header errors use the HTTP SDK's documented codes (400 MissingAuthorizationHeader, InvalidAuthorizationHeader,
MissingDateHeader, InvalidDateHeader); the key lookup, the time window and the signature comparison are the
server's, shared with the other schemes.
"""

import email.utils
from datetime import datetime
from typing import Mapping

from werkzeug.wrappers import Request

from ..errors import ApiError
from .signed_request import MQ_HTTP, SignedRequest, hmac_sha1_b64, same_text

SCHEME = "MQ "


def parse_signed_request(request: Request, authorization: str) -> SignedRequest:
    """``Authorization: MQ ...`` for ``signatures.parse_signed_request``: who signed, when, and how to verify it."""
    access_key_id, signature = parse_authorization(authorization)
    text = string_to_sign(request.method, request.headers, raw_resource(request.environ))

    def verify(secret: str) -> bool:
        return same_text(hmac_sha1_b64(secret, text), signature)

    return SignedRequest(
        MQ_HTTP,
        access_key_id,
        request.headers.get("security-token") or None,
        parse_date(request.headers.get("date")),
        None,
        verify,
    )


def parse_authorization(authorization: str):
    """``(AccessKeyId, signature)`` from ``MQ <AccessKeyId>:<signature>``."""
    if not authorization:
        raise ApiError(400, "MissingAuthorizationHeader", "Authorization header is required.")
    key_id, colon, signature = authorization[len(SCHEME) :].partition(":")
    if not authorization.startswith(SCHEME) or not colon or not key_id.strip() or not signature.strip():
        raise ApiError(400, "InvalidAuthorizationHeader", "The Authorization header format is invalid.")
    return key_id.strip(), signature.strip()


def parse_date(value: str) -> datetime:
    """The RFC 1123 ``Date`` header the signature covers (its age is checked by the server's time window)."""
    if not value:
        raise ApiError(400, "MissingDateHeader", "Date header is required.")
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError) as exc:
        raise ApiError(400, "InvalidDateHeader", "The Date header format is invalid.") from exc


def string_to_sign(method: str, headers: Mapping[str, str], resource: str) -> str:
    lowered = {k.lower(): v for k, v in headers.items()}
    canonical_headers = "".join(f"{name}:{lowered[name]}\n" for name in sorted(lowered) if name.startswith("x-mq-"))
    return "\n".join(
        [
            method.upper(),
            lowered.get("content-md5", ""),
            lowered.get("content-type", ""),
            lowered.get("date", ""),
            canonical_headers + resource,
        ]
    )


def raw_resource(environ: Mapping[str, str]) -> str:
    """The path and query exactly as the client sent (and signed) them."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return raw
    query = environ.get("QUERY_STRING", "")
    return environ.get("PATH_INFO", "/") + (f"?{query}" if query else "")
