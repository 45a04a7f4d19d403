"""What the real gateway refuses, the emulator refuses: a missing nonce, a replayed nonce, and an ACS3 signature
that leaves a common header out of SignedHeaders. Each refusal is shown on a request that is otherwise valid
(the same request, fully signed, is served), so each test fails on an emulator without the rule.

Sources of each rule: see ``protocol/signatures.py`` and the README ("Assumptions where the documentation is
silent")."""

import hashlib
import importlib.util
import json
import pathlib
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Dict, Optional, Sequence

import pytest
from alibabacloud_credentials.utils.parameter_helper import compose_string_to_sign, get_iso_8061_date, sign_string
from alibabacloud_rocketmq20220801.client import Client as RocketMQClient
from alibabacloud_tea_openapi.utils import Utils as OpenApiUtils
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from aliyunsdksts.request.v20150401.GetCallerIdentityRequest import GetCallerIdentityRequest

from acs_emulator.state import NonceCache

REPO = pathlib.Path(__file__).resolve().parents[3]
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
RAM_VERSION, STS_VERSION = "2015-05-01", "2015-04-01"


def load_scrub():
    """The collection's ``errors.scrub`` (pure Python, loaded from its file: no Ansible import path needed)."""
    spec = importlib.util.spec_from_file_location("collection_errors", REPO / "plugins" / "module_utils" / "errors.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.scrub, module.MASK


def send(url: str, headers: Dict[str, str], body: Optional[bytes] = b"", method: str = "POST"):
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with NO_PROXY.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# ---- ACS3 requests signed by the SDK's own signing function ------------------------------------------------


def acs3_headers(
    cloud,
    key,
    action: str,
    version: str,
    nonce: Optional[str] = "fresh",
    leave_out: Sequence[str] = (),
    add_after: Optional[Dict[str, str]] = None,
    body: bytes = b"",
) -> Dict[str, str]:
    """Headers of an ACS3 request signed with ``Utils.get_authorization`` over every header except ``leave_out``;
    ``nonce=None`` sends no nonce at all; ``add_after`` headers are added (or replaced) after signing."""
    headers = {
        "host": cloud.emu.endpoint,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": OpenApiUtils.get_timestamp(),
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
        "accept": "application/json",
    }
    if nonce is not None:
        headers["x-acs-signature-nonce"] = OpenApiUtils.get_nonce() if nonce == "fresh" else nonce
    if key.token:
        headers.update({"x-acs-accesskey-id": key.id, "x-acs-security-token": key.token})

    class Signed:  # the attribute shape Utils.get_authorization reads
        method, pathname, query = "POST", "/", {}

    Signed.headers = {name: value for name, value in headers.items() if name not in leave_out}
    headers["Authorization"] = OpenApiUtils.get_authorization(
        Signed, "ACS3-HMAC-SHA256", headers["x-acs-content-sha256"], key.id, key.secret
    )
    headers.update(add_after or {})
    return headers


def acs3_send(cloud, headers: Dict[str, str]):
    return send(cloud.emu.url + "/", headers)


def test_the_fully_signed_acs3_request_is_served(cloud):
    """The baseline every ACS3 refusal below departs from by one change."""
    status, answer = acs3_send(cloud, acs3_headers(cloud, cloud.B_ADMIN, "ListRoles", RAM_VERSION))
    assert status == 200 and "Roles" in answer


def test_acs3_without_nonce_is_refused(cloud):
    """Signed without a nonce, a request could be sent again and again: it is refused every time."""
    headers = acs3_headers(cloud, cloud.B_ALICE, "GetCallerIdentity", STS_VERSION, nonce=None)
    for _attempt in range(2):
        status, answer = acs3_send(cloud, headers)
        assert (status, answer.get("Code")) == (400, "MissingSignatureNonce")
    assert cloud.emu.calls()["calls"] == []


def test_acs3_action_left_out_of_signed_headers_is_refused(cloud):
    """Signed as ListRoles with x-acs-action unsigned, then sent as ListUsers: it must not be served as ListUsers."""
    headers = acs3_headers(
        cloud,
        cloud.B_ADMIN,
        "ListRoles",
        RAM_VERSION,
        leave_out=("x-acs-action",),
        add_after={"x-acs-action": "ListUsers"},
    )
    status, answer = acs3_send(cloud, headers)
    assert (status, answer.get("Code")) == (400, "IncompleteSignature")
    assert "x-acs-action" in answer["Message"]
    assert cloud.emu.calls()["calls"] == []


def test_acs3_date_and_nonce_left_out_cannot_be_replayed(cloud):
    """Without x-acs-date and the nonce under the signature, one signature could be sent again and again."""
    headers = acs3_headers(
        cloud, cloud.B_ALICE, "GetCallerIdentity", STS_VERSION, leave_out=("x-acs-date", "x-acs-signature-nonce")
    )
    for _attempt in range(2):
        headers["x-acs-signature-nonce"] = uuid.uuid4().hex  # a fresh, unsigned nonce each time
        status, answer = acs3_send(cloud, headers)
        assert (status, answer.get("Code")) == (400, "IncompleteSignature")
        assert "x-acs-date" in answer["Message"] and "x-acs-signature-nonce" in answer["Message"]


def test_acs3_extra_unsigned_acs_header_is_refused(cloud):
    headers = acs3_headers(
        cloud, cloud.B_ALICE, "GetCallerIdentity", STS_VERSION, add_after={"x-acs-extra": "tampered"}
    )
    status, answer = acs3_send(cloud, headers)
    assert (status, answer.get("Code")) == (400, "IncompleteSignature")
    assert "x-acs-extra" in answer["Message"]


def test_acs3_same_signed_request_twice_is_a_replay(cloud):
    headers = acs3_headers(cloud, cloud.B_ALICE, "GetCallerIdentity", STS_VERSION)
    assert acs3_send(cloud, headers)[0] == 200
    status, answer = acs3_send(cloud, headers)
    assert (status, answer.get("Code")) == (400, "SignatureNonceUsed")
    assert len(cloud.emu.calls()["calls"]) == 1


def test_acs3_replay_of_an_sts_session_request_is_refused(cloud):
    role = cloud.create_role("ReplayRole", cloud.trust(f"acs:ram::{cloud.B_UID}:root"))
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    session = cloud.assume_role(cloud.B_ALICE, role["Arn"], session="replay")
    headers = acs3_headers(cloud, session, "GetCallerIdentity", STS_VERSION)
    assert acs3_send(cloud, headers)[0] == 200
    assert acs3_send(cloud, headers)[1]["Code"] == "SignatureNonceUsed"


def test_nonce_is_remembered_per_access_key(cloud):
    """The same nonce under two keys is two requests, not a replay."""
    nonce = uuid.uuid4().hex
    assert acs3_send(cloud, acs3_headers(cloud, cloud.B_ALICE, "GetCallerIdentity", STS_VERSION, nonce=nonce))[0] == 200
    assert acs3_send(cloud, acs3_headers(cloud, cloud.B_ADMIN, "GetCallerIdentity", STS_VERSION, nonce=nonce))[0] == 200
    assert acs3_send(cloud, acs3_headers(cloud, cloud.B_ADMIN, "GetCallerIdentity", STS_VERSION, nonce=nonce))[0] == 400


# ---- RPC v1 ------------------------------------------------------------------------------------------------


def rpc_url(cloud, key, nonce: Optional[str] = "fresh", secret: Optional[str] = None, **params) -> str:
    """A GET URL signed with HMAC-SHA1 v1 (alibabacloud-credentials' own helpers); ``nonce=None`` omits it."""
    query = {
        "Action": "GetCallerIdentity",
        "Version": STS_VERSION,
        "Format": "JSON",
        "AccessKeyId": key.id,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "Timestamp": get_iso_8061_date(),
        **params,
    }
    if nonce is not None:
        query["SignatureNonce"] = uuid.uuid4().hex if nonce == "fresh" else nonce
    if key.token:
        query["SecurityToken"] = key.token
    query["Signature"] = sign_string(compose_string_to_sign("GET", query), (secret or key.secret) + "&")
    return f"{cloud.emu.url}/?{urllib.parse.urlencode(query)}"


def test_rpc_v1_request_with_nonce_is_served(cloud):
    status, answer = send(rpc_url(cloud, cloud.B_ALICE), {}, body=None, method="GET")
    assert status == 200 and answer["Arn"].endswith(":user/alice")


def test_rpc_v1_without_nonce_is_refused(cloud):
    """Signed without SignatureNonce, a URL could be sent again and again: it is refused every time."""
    url = rpc_url(cloud, cloud.B_ALICE, nonce=None)
    for _attempt in range(2):
        status, answer = send(url, {}, body=None, method="GET")
        assert (status, answer.get("Code")) == (400, "MissingSignatureNonce")
    assert cloud.emu.calls()["calls"] == []


def test_rpc_v1_same_signed_url_twice_is_a_replay(cloud):
    url = rpc_url(cloud, cloud.B_ALICE)
    assert send(url, {}, body=None, method="GET")[0] == 200
    status, answer = send(url, {}, body=None, method="GET")
    assert (status, answer.get("Code")) == (400, "SignatureNonceUsed")


def test_rpc_v1_signature_mismatch_echoes_the_server_string_to_sign(cloud):
    """As the gateway words it: ``... server string to sign is:<string to sign>``, the string the client signed."""
    url = rpc_url(cloud, cloud.B_ALICE, secret="not-the-secret")
    status, answer = send(url, {}, body=None, method="GET")
    assert (status, answer.get("Code")) == (400, "SignatureDoesNotMatch")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True))
    del query["Signature"]
    prefix = "Specified signature is not matched with our calculation. server string to sign is:"
    assert answer["Message"] == prefix + compose_string_to_sign("GET", query)


def test_a_forged_request_does_not_burn_the_nonce(cloud):
    """The nonce is remembered only once the signature is verified: a forgery cannot block the genuine request."""
    nonce = uuid.uuid4().hex
    assert send(rpc_url(cloud, cloud.B_ALICE, nonce=nonce, secret="forged"), {}, body=None, method="GET")[0] == 400
    assert send(rpc_url(cloud, cloud.B_ALICE, nonce=nonce), {}, body=None, method="GET")[0] == 200


# ---- aliyun-python-sdk-core 2.16: a wrong secret is a ServerException, not an IndexError ------------------


@pytest.mark.parametrize(
    "version,action,params",
    [(STS_VERSION, "GetCallerIdentity", {}), (RAM_VERSION, "GetUser", {"UserName": "alice"})],
    ids=["sts-GetCallerIdentity", "ram-GetUser"],
)
def test_core_sdk_wrong_secret_raises_its_server_exception(cloud, version, action, params):
    request = CommonRequest(domain=cloud.emu.endpoint, version=version, action_name=action)
    request.set_protocol_type("http")
    request.set_method("POST")
    for name, value in params.items():
        request.add_query_param(name, value)
    client = AcsClient(cloud.B_ADMIN.id, "emu-b-admin-secret-WRONG", "cn-hangzhou")
    with pytest.raises(ServerException) as caught:  # before the fix: IndexError in _get_server_exception
        client.do_action_with_exception(request)
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == ("SignatureDoesNotMatch", 400)
    assert "server string to sign is:POST&%2F&AccessKeyId%3D" + cloud.B_ADMIN.id in caught.value.get_error_msg()
    assert cloud.emu.calls()["calls"] == []


def test_core_sdk_typed_request_recognises_its_own_string_to_sign(cloud):
    """A typed request keeps its string to sign (a CommonRequest does not): the SDK compares it with the echoed one
    and, when they are equal, reports the cause, InvalidAccessKeySecret (aliyunsdkcore/client.py,
    _get_server_exception). So the echoed string is byte for byte the one the SDK signed."""
    request = GetCallerIdentityRequest()
    request.set_endpoint(cloud.emu.endpoint)
    request.set_protocol_type("http")
    client = AcsClient(cloud.B_ALICE.id, "emu-b-alice-secret-WRONG", "cn-hangzhou")
    with pytest.raises(ServerException) as caught:
        client.do_action_with_exception(request)
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == ("InvalidAccessKeySecret", 400)


# ---- the echoed string to sign carries the token: the collection's scrub masks it ------------------------


@pytest.fixture
def session(cloud):
    role = cloud.create_role("EchoRole", cloud.trust(f"acs:ram::{cloud.B_UID}:root"))
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    return cloud.assume_role(cloud.B_ALICE, role["Arn"], session="echo")


def test_scrub_masks_the_token_in_an_echoed_rpc_string_to_sign(cloud, session):
    scrub, mask = load_scrub()
    status, answer = send(rpc_url(cloud, session, secret="wrong-secret"), {}, body=None, method="GET")
    assert (status, answer.get("Code")) == (400, "SignatureDoesNotMatch")
    assert session.token in answer["Message"]  # as the real gateway: the token travels in the string to sign
    for scrubbed in (scrub(answer["Message"]), scrub(answer["Message"], {session.token, session.secret})):
        assert session.token not in scrubbed and mask in scrubbed
        assert scrubbed.startswith("Specified signature is not matched with our calculation. server string to sign is:")


def test_scrub_masks_the_token_in_an_echoed_roa_string_to_sign(cloud, session):
    scrub, mask = load_scrub()
    wrong = cloud.Key(session.id, "wrong-secret", session.token)
    client = RocketMQClient(cloud.config(wrong, signature_algorithm="v2"))
    error = cloud.error(lambda: client.list_instances(cloud.rocketmq_models.ListInstancesRequest()))
    assert error.code == "SignatureDoesNotMatch"
    message = error.data.get("message") or error.data.get("Message")
    assert f"x-acs-security-token:{session.token}" in message
    scrubbed = scrub(message)
    assert session.token not in scrubbed and mask in scrubbed


# ---- ROA v1 and the MQ HTTP plane: the nonce rules apply only where the protocol has a nonce --------------


def test_roa_v1_without_nonce_is_served_and_with_a_nonce_cannot_be_replayed(cloud):
    """ROA v1 lists x-acs-signature-nonce as optional; a nonce it does send is remembered like any other."""

    def roa_headers(nonce):
        headers = {
            "accept": "application/json",
            "date": OpenApiUtils.get_date_utcstring(),
            "host": cloud.emu.endpoint,
            "x-acs-signature-method": "HMAC-SHA1",
            "x-acs-signature-version": "1.0",
            "x-acs-version": "2022-08-01",
            "x-acs-action": "ListInstances",
        }
        if nonce:
            headers["x-acs-signature-nonce"] = nonce

        class Signed:
            method, pathname, query = "GET", "/instances", {}

        Signed.headers = headers
        signature = OpenApiUtils.get_roasignature(OpenApiUtils.get_string_to_sign(Signed), cloud.A_ADMIN.secret)
        return {**headers, "Authorization": f"acs {cloud.A_ADMIN.id}:{signature}"}

    assert send(cloud.emu.url + "/instances", roa_headers(None), body=None, method="GET")[0] == 200
    with_nonce = roa_headers(uuid.uuid4().hex)
    assert send(cloud.emu.url + "/instances", with_nonce, body=None, method="GET")[0] == 200
    status, answer = send(cloud.emu.url + "/instances", with_nonce, body=None, method="GET")
    assert status == 400 and (answer.get("code") or answer.get("Code")) == "SignatureNonceUsed"


# ---- the nonce memory ------------------------------------------------------------------------------------


def test_nonce_cache_forgets_after_twice_the_window_and_stays_bounded():
    cache = NonceCache()
    assert cache.use("AK1", "n", now=0, window=10)
    assert not cache.use("AK1", "n", now=19, window=10)  # a request signed at -10 is still valid until +10 ... +20
    assert cache.use("AK2", "n", now=19, window=10)  # per AccessKey
    for i in range(1000):
        assert cache.use("AK1", f"bulk-{i}", now=19 + i / 1000, window=10)
    assert len(cache) == 1002
    assert cache.use("AK1", "n", now=41, window=10)  # forgotten after 2 * window: no replay is possible then
    assert len(cache) == 1  # every expired entry was dropped, not only the one used
