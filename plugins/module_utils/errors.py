# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One description of a failed Alibaba Cloud API call, built from whatever the SDK raised, and its
secret-free rendering for ``fail_json``. Pure Python: the SDK exceptions are read by attribute."""

from __future__ import annotations

import re
from urllib.parse import quote

MASK = "********"

# Key/value pairs that carry credentials in URLs, headers, JSON or repr() output.
_SENSITIVE_PAIR = re.compile(
    r"(?i)((?:access[-_]?key[-_]?secret|secret[-_]?key|security[-_]?token|signature|authorization|password)"
    r"[\"']?\s*[:=]\s*[\"']?)([^\s\"'&,;}]+)"
)
# The same pairs percent-encoded, as in the string-to-sign a SignatureDoesNotMatch error echoes back.
_SENSITIVE_ENCODED_PAIR = re.compile(
    r"(?i)((?:access[-_]?key[-_]?secret|security[-_]?token|signature)(?:%3D|%253D))(.*?)(?=%26|%2526|[\s\"'&]|$)"
)
# A URL query string (RPC requests sign and carry the token in the query): never echo one.
_QUERY_STRING = re.compile(r"\?[^\s\"'<>()]*=[^\s\"'<>()]*")
# The SDK decorates the server message: "code: 404, <Message> request id: <id>".
_SDK_MESSAGE = re.compile(r"^code: \d+, (?P<message>.*?)(?: request id: \S*)?$", re.S)
# OpenSSL's verdict on a server certificate, as ssl.SSLCertVerificationError words it inside whatever wraps it.
_CERTIFICATE_FAILURE = re.compile(r"certificate verify failed: ?(?P<reason>[^()'\"]*)", re.I)
_HOST = re.compile(r"host='(?P<host>[^']+)', port=(?P<port>\d+)")
CERTIFICATE_ERROR_CODE = "SSLCertificateVerifyFailed"
CERTIFICATE_HINT = (
    "If a proxy or TLS inspection re-signs the traffic, set ca_bundle (or ALIBABA_CLOUD_CA_BUNDLE) to a PEM file "
    "of its CA certificate; validate_certs=false turns verification off"
)


class CollectionError(Exception):
    """A problem the collection found itself (a refused combination, a file it cannot write, a bug it caught).

    Helpers raise it; only a module's ``main()`` turns it into ``fail_json``, with ``details`` as extra result keys."""

    def __init__(self, msg, **details):
        super().__init__(msg)
        self.msg = msg
        self.details = details

    def with_details(self, **details):
        """The same error with more result keys (the ones it names itself win)."""
        self.details = dict(details, **self.details)
        return self


class ApiError(Exception):
    """A failed API call: the server's error code or a transport failure, with what it took.

    ``operation`` is the API action; ``attempts`` and ``waited`` (seconds slept between attempts) are set by
    the retry policy when it gives up."""

    def __init__(
        self, code, message, request_id=None, status_code=None, retry_after=None, transport=False, operation=None
    ):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.request_id = request_id
        self.status_code = status_code
        self.retry_after = retry_after  # seconds the server asked us to wait, or None
        self.transport = transport  # True when no answer came back (connection refused, timeout)
        self.operation = operation
        self.attempts = 1
        self.waited = 0.0


def scrub(text, secrets=()):
    """Text with known secret values, credential-looking pairs and URL query strings masked."""
    if text is None:
        return None
    text = str(text)
    for secret in sorted(_spellings(secrets), key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _QUERY_STRING.sub("?" + MASK, text)
    text = _SENSITIVE_ENCODED_PAIR.sub(r"\g<1>" + MASK, text)
    return _SENSITIVE_PAIR.sub(r"\g<1>" + MASK, text)


def scrub_values(value, secrets=()):
    """``value`` with every string in it (nested dicts, lists and tuples included) passed through ``scrub``: a result's
    extra keys may quote a server's message, which may quote what the caller sent."""
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, dict):
        return {key: scrub_values(item, secrets) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scrub_values(item, secrets) for item in value)
    return value


def _spellings(secrets):
    """Each secret as sent: raw, percent-encoded, and encoded twice (RPC string-to-sign)."""
    for secret in secrets:
        if isinstance(secret, str) and secret:
            once = quote(secret, safe="~")
            yield from {secret, once, quote(once, safe="~")}


def api_error_from_exception(exc):
    """ApiError for an exception raised by an Alibaba Cloud SDK call (Tea/darabonba family)."""
    inner = getattr(exc, "inner_exception", None)
    if inner is not None:
        return _unanswered_error(inner)
    data = getattr(exc, "data", None)
    data = data if isinstance(data, dict) else {}
    status = getattr(exc, "status_code", None) or getattr(exc, "statusCode", None) or data.get("statusCode")
    return ApiError(
        code=_present(getattr(exc, "code", None)) or _present(data.get("Code") or data.get("code")) or "UnknownError",
        message=_server_message(exc, data),
        request_id=_present(getattr(exc, "request_id", None))
        or _present(data.get("RequestId") or data.get("requestId")),
        status_code=int(status) if status else None,
        retry_after=_retry_after_seconds(exc),
    )


def envelope_error(body):
    """ApiError for a ROA (RocketMQ 5.x) answer that came back as HTTP 2xx but says ``"success": false``."""
    if not isinstance(body, dict) or body.get("success") is not False:
        return None
    status = str(body.get("httpStatusCode") or "")
    return ApiError(
        code=_present(body.get("code")) or "UnknownError",
        message=str(body.get("message") or ""),
        request_id=_present(body.get("requestId")),
        status_code=int(status) if status.isdigit() else None,
    )


def certificate_error(text, endpoint=None):
    """ApiError for a failed TLS certificate verification described in ``text`` (what the HTTP stack said), or None.

    Not a transport failure: nothing was sent, and trying again cannot help, so it is neither retried nor reconciled."""
    match = _CERTIFICATE_FAILURE.search(str(text or ""))
    if match is None:
        return None
    reason = match.group("reason").strip().rstrip(".") or "certificate verify failed"
    host = _HOST.search(str(text))
    where = endpoint or (f"{host.group('host')}:{host.group('port')}" if host else None)
    message = f"the TLS certificate of {where or 'the endpoint'} could not be verified ({reason}). {CERTIFICATE_HINT}"
    return ApiError(CERTIFICATE_ERROR_CODE, message)


def _unanswered_error(inner):
    """The request got no usable answer: darabonba wraps the cause in UnretryableException."""
    if type(inner).__name__ == "RetryError" or isinstance(inner, (OSError, TimeoutError)):
        text = str(getattr(inner, "message", None) or inner)
        refused = certificate_error(text)
        if refused is not None:
            return refused
        code = "RequestTimeout" if "timed out" in text.lower() else "ConnectionError"
        return ApiError(code, text, transport=True)
    if isinstance(inner, ValueError):
        return ApiError("InvalidResponse", f"the endpoint did not answer with JSON ({inner})")
    return ApiError(type(inner).__name__, str(inner))


def _server_message(exc, data):
    raw = data.get("Message") or data.get("message")
    if raw:
        return str(raw)
    message = str(getattr(exc, "message", None) or exc)
    match = _SDK_MESSAGE.match(message)
    return match.group("message") if match else message


def _retry_after_seconds(exc):
    """The x-acs-retry-after hint: the SDK hands it over in milliseconds."""
    value = getattr(exc, "retry_after", None)
    if value is None:
        value = getattr(exc, "retryAfter", None)
    try:
        milliseconds = float(value)
    except (TypeError, ValueError):
        return None
    return milliseconds / 1000.0 if milliseconds > 0 else None


def _present(value):
    """The SDK formats missing values with f-strings, so absent ids arrive as 'None'."""
    if value is None or str(value) in ("", "None", "null"):
        return None
    return str(value)


def failure_result(error, operation=None, secrets=()):
    """Keyword arguments for fail_json: the documented message format and an ``error`` dict, secret-free."""
    operation = operation or error.operation or "API call"
    message = scrub(error.message, secrets)
    details = []
    if error.request_id:
        details.append(f"request id {error.request_id}")
    if error.status_code:
        details.append(f"HTTP status {error.status_code}")
    msg = f"{operation} failed: {error.code}: {message}"
    if details:
        msg += f" ({', '.join(details)})"
    if error.attempts > 1:
        msg += f" after {error.attempts} attempts"
        if error.waited:
            msg += f" and {error.waited:.1f} s of waiting"
    return dict(
        msg=msg,
        error=dict(
            code=error.code,
            message=message,
            request_id=error.request_id,
            status_code=error.status_code,
            operation=operation,
            attempts=error.attempts,
            waited_seconds=round(error.waited, 3),
        ),
    )
