"""Request signatures as the official SDKs compute them, verified byte for byte.

``parse_signed_request(request)`` recognises the scheme and returns a ``SignedRequest``: who signed
(AccessKeyId, STS token), when (timestamp), the nonce, and a ``verify(secret)`` callable. Schemes:

- ACS3-HMAC-SHA256 (default of the current SDKs): ``Authorization: ACS3-HMAC-SHA256 Credential=..,
  SignedHeaders=..,Signature=..``; the headers named in SignedHeaders are verified, every common header
  present must be among them (host and every ``x-acs-*`` header, else 400 IncompleteSignature), the
  ``x-acs-content-sha256`` header must be the hash of the body actually received, and
  ``x-acs-signature-nonce`` is required.
- RPC HMAC-SHA1 v1 (aliyun-python-sdk-core, ``signature_algorithm='v2'``, alibabacloud-credentials):
  parameters in the query and the form body; both percent-encodings clients use are accepted
  (RFC 3986 and ``quote_plus``, which differ for spaces); ``SignatureNonce`` is required.
- ROA HMAC-SHA1 v1: ``Authorization: acs <AccessKeyId>:<signature>``; every ``x-acs-*`` header is signed by
  construction, the nonce header is optional (but a nonce sent is remembered like the others).
- ApsaraMQ HTTP data plane: ``Authorization: MQ <AccessKeyId>:<signature>``, verified by ``mq_signature.py``.

``SignedRequest`` and the scheme names live in ``signed_request.py``, which this module and ``mq_signature.py``
share (this module imports ``mq_signature``, never the reverse).
"""

import base64
import email.utils
import hashlib
import hmac
import re
from datetime import datetime, timezone
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import quote, quote_plus

from werkzeug.wrappers import Request

from ..errors import ApiError
from . import mq_signature
from .signed_request import ACS3, ROA_V1, RPC_V1, SignedRequest, hmac_sha1_b64, same_text


def signature_mismatch(string_to_sign: str = "") -> ApiError:
    """400 SignatureDoesNotMatch, worded as the POP gateway words it: the message ends with
    ``server string to sign is:<the server's string to sign>`` (seen in real answers, e.g.
    https://github.com/NewFuture/DDNS/issues/57). aliyun-python-sdk-core 2.16 relies on it: its
    ``client._get_server_exception`` reads ``message.split(':')[1]`` (IndexError without the colon) and, when it
    equals its own string to sign, reports ``InvalidAccessKeySecret`` instead. For RPC the echoed string holds the
    SecurityToken (percent-encoded), for ROA the ``x-acs-security-token`` header: the real gateway echoes it too,
    so clients must scrub error messages (the collection's ``errors.scrub`` does)."""
    message = "Specified signature is not matched with our calculation."
    if string_to_sign:
        message += f" server string to sign is:{string_to_sign}"
    return ApiError(400, "SignatureDoesNotMatch", message)


def missing_signature_nonce() -> ApiError:
    """400 MissingSignatureNonce. SignatureNonce is a required common parameter ("a unique random number used to
    prevent replay attacks", https://www.alibabacloud.com/help/en/auto-scaling/latest/common-parameters); the
    code and message follow the gateway's pattern for its sibling MissingTimestamp ("Timestamp is mandatory for
    this action.", https://github.com/rfancn/aliyun-ddns-client/issues/13). Used for RPC v1 and ACS3 alike
    (README: Assumptions where the documentation is silent)."""
    return ApiError(400, "MissingSignatureNonce", "SignatureNonce is mandatory for this action.")


def missing_access_key() -> ApiError:
    return ApiError(400, "MissingAccessKeyId", "AccessKeyId is mandatory for this action.")


def raw_path(request: Request) -> str:
    """The path exactly as sent (signatures cover the encoded form)."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        return raw.split("?", 1)[0] or "/"
    return quote(request.path, safe="/~")


def _parse_iso(value: Optional[str]) -> Optional[datetime]:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError as exc:
        raise ApiError(
            400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted."
        ) from exc


def _parse_http_date(value: Optional[str]) -> Optional[datetime]:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError) as exc:
        raise ApiError(
            400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted."
        ) from exc


# ---- ACS3-HMAC-SHA256 -------------------------------------------------------------------------------------

_ACS3_FIELDS = re.compile(r"(Credential|SignedHeaders|Signature)=([^,\s]*)")


def _rfc3986(value: str) -> str:
    return quote(value, safe="~")


# V3 signature: "SignedHeaders ... all common request headers except Authorization must be signed when present"
# (https://help.aliyun.com/document_detail/159972.htm: "除Authorization外的所有公共请求头，只要存在必须被加入签名";
# the same sentence in https://help.aliyun.com/zh/model-studio/user-guide/roa-style-request-body-signature-mechanism).
# The common headers are host and the x-acs-* family (x-acs-action, -version, -date, -signature-nonce,
# -content-sha256, -security-token, ...): a header of that family the client did not sign could be swapped in
# transit (x-acs-action: ListRoles signed, ListUsers served) or replayed (date and nonce unsigned).
ACS3_ALWAYS_SIGNED = frozenset({"host"})
ACS3_SIGNED_PREFIX = "x-acs-"


def acs3_unsigned_headers(request: Request, signed_headers: List[str]) -> List[str]:
    """The headers present that must be signed but are not named in SignedHeaders (sorted, lower case)."""
    present = {name.lower() for name in request.headers.keys()}
    required = {name for name in present if name in ACS3_ALWAYS_SIGNED or name.startswith(ACS3_SIGNED_PREFIX)}
    return sorted(required - set(signed_headers))


def incomplete_signature(unsigned: List[str]) -> ApiError:
    """400 IncompleteSignature: the gateway's code for a V3 signature that does not cover what it must ("The request
    signature does not conform to Aliyun standards.", https://github.com/fog/fog-aliyun/issues/32; SDKs treat it as
    a signature failure, https://github.com/aliyun/aliyun-openapi-net-sdk/pull/178). The emulator names the
    headers left out."""
    return ApiError(
        400,
        "IncompleteSignature",
        "The request signature does not conform to Aliyun standards. "
        f"Headers present but not in SignedHeaders: {', '.join(unsigned)}.",
    )


def acs3_canonical_request(request: Request, signed_headers: List[str], payload_hash: str) -> str:
    query = dict(request.args.items(multi=True))
    canonical_query = "&".join(f"{_rfc3986(k)}={_rfc3986(query[k])}" for k in sorted(query))
    header_lines = "".join(f"{name}:{(request.headers.get(name) or '').strip()}\n" for name in signed_headers)
    return "\n".join(
        [request.method, raw_path(request), canonical_query, header_lines, ";".join(signed_headers), payload_hash]
    )


def _parse_acs3(request: Request, authorization: str) -> SignedRequest:
    fields = dict(_ACS3_FIELDS.findall(authorization))
    if not fields.get("Credential") or not fields.get("Signature") or not fields.get("SignedHeaders"):
        raise ApiError(400, "InvalidAuthorization", "The Authorization header is not well formed.")
    signed_headers = [h.strip().lower() for h in fields["SignedHeaders"].split(";") if h.strip()]
    unsigned = acs3_unsigned_headers(request, signed_headers)
    if unsigned:
        raise incomplete_signature(unsigned)
    body = request.get_data(cache=True)
    claimed_hash = request.headers.get("x-acs-content-sha256", "")
    canonical = acs3_canonical_request(request, signed_headers, claimed_hash)
    string_to_sign = f"{ACS3}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"

    def verify(secret: str) -> bool:
        if not same_text(claimed_hash, hashlib.sha256(body).hexdigest()):
            return False
        expected = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        return same_text(expected, fields["Signature"])

    return SignedRequest(
        ACS3,
        fields["Credential"],
        request.headers.get("x-acs-security-token"),
        _parse_iso(request.headers.get("x-acs-date")),
        request.headers.get("x-acs-signature-nonce"),
        verify,
        nonce_required=True,
        string_to_sign=string_to_sign,
    )


# ---- RPC HMAC-SHA1 v1 -------------------------------------------------------------------------------------

# The two encodings clients use: RFC 3986 (the SDKs) and quote_plus (alibabacloud-credentials).
RPC_ENCODINGS: Tuple[Callable[[str], str], ...] = (_rfc3986, lambda s: quote_plus(s, safe="~"))


def rpc_string_to_sign(method: str, params: Dict[str, str], encode: Callable[[str], str]) -> str:
    pairs = "&".join(f"{encode(k)}={encode(params[k])}" for k in sorted(params) if k != "Signature")
    return f"{method}&{encode('/')}&{encode(pairs)}"


def rpc_parameters(request: Request) -> Dict[str, str]:
    """Query and form-body parameters together (both are signed)."""
    params = dict(request.args.items(multi=True))
    if request.mimetype == "application/x-www-form-urlencoded":
        request.get_data(cache=True)
        params.update(dict(request.form.items(multi=True)))
    return params


def _parse_rpc_v1(request: Request) -> SignedRequest:
    params = rpc_parameters(request)
    if not params.get("AccessKeyId"):
        raise missing_access_key()
    if params.get("SignatureMethod", RPC_V1) != RPC_V1:
        raise ApiError(400, "InvalidSignatureMethod", "Specified signature method is not supported.")

    def verify(secret: str) -> bool:
        return any(
            same_text(
                hmac_sha1_b64(secret + "&", rpc_string_to_sign(request.method, params, encode)), params["Signature"]
            )
            for encode in RPC_ENCODINGS
        )

    # the RFC 3986 string is the one echoed: it is the documented encoding, the one the SDKs sign
    return SignedRequest(
        RPC_V1,
        params["AccessKeyId"],
        params.get("SecurityToken"),
        _parse_iso(params.get("Timestamp")),
        params.get("SignatureNonce"),
        verify,
        nonce_required=True,
        string_to_sign=rpc_string_to_sign(request.method, params, RPC_ENCODINGS[0]),
    )


# ---- ROA HMAC-SHA1 v1 -------------------------------------------------------------------------------------


def roa_string_to_sign(request: Request) -> str:
    headers = {k.lower(): v for k, v in request.headers.items()}
    head = (
        "\n".join([request.method] + [headers.get(h, "") for h in ("accept", "content-md5", "content-type", "date")])
        + "\n"
    )
    acs_headers = "".join(f"{k}:{headers[k]}\n" for k in sorted(headers) if k.startswith("x-acs-"))
    query = dict(request.args.items(multi=True))
    resource = raw_path(request)
    if query:
        resource += "?" + "&".join(k if query[k] == "" else f"{k}={query[k]}" for k in sorted(query))
    return head + acs_headers + resource


def _parse_roa_v1(request: Request, authorization: str) -> SignedRequest:
    access_key_id, signature = authorization[len("acs ") :].strip().partition(":")[::2]
    if not access_key_id or not signature:
        raise ApiError(400, "InvalidAuthorization", "The Authorization header is not well formed.")
    body = request.get_data(cache=True)
    claimed_md5 = request.headers.get("content-md5")

    def verify(secret: str) -> bool:
        if claimed_md5 and not same_text(claimed_md5, base64.b64encode(hashlib.md5(body).digest()).decode()):
            return False
        return same_text(hmac_sha1_b64(secret, roa_string_to_sign(request)), signature)

    # x-acs-signature-nonce is optional in ROA v1 (Required "No" in the ROA common parameters,
    # https://www.alibabacloud.com/help/doc-detail/167755.htm); a nonce sent is still checked for replay.
    return SignedRequest(
        ROA_V1,
        access_key_id,
        request.headers.get("x-acs-security-token"),
        _parse_http_date(request.headers.get("date")),
        request.headers.get("x-acs-signature-nonce"),
        verify,
        string_to_sign=roa_string_to_sign(request),
    )


# ---- dispatch ---------------------------------------------------------------------------------------------


def parse_signed_request(request: Request) -> SignedRequest:
    """Recognise the signature scheme of ``request`` (raises ApiError when it carries none)."""
    authorization = request.headers.get("Authorization", "").strip()
    if authorization.startswith(ACS3 + " "):
        return _parse_acs3(request, authorization)
    if authorization.startswith("acs "):
        return _parse_roa_v1(request, authorization)
    if authorization.startswith("MQ "):
        return mq_signature.parse_signed_request(request, authorization)
    if "Signature" in rpc_parameters(request):
        return _parse_rpc_v1(request)
    raise missing_access_key()
