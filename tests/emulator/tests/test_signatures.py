"""Every signature scheme the official clients use is verified, and every authentication error is answered
with the documented code and status."""

import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from alibabacloud_credentials.provider.ram_role_arn import RamRoleArnCredentialsProvider
from alibabacloud_credentials.provider.static_ak import StaticAKCredentialsProvider
from alibabacloud_credentials.utils.parameter_helper import compose_string_to_sign, sign_string
from alibabacloud_rocketmq20220801.client import Client as RocketMQClient
from alibabacloud_tea_openapi.utils import Utils as OpenApiUtils
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.composer import rpc_signature_composer
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from aliyunsdkram.request.v20150501.ListUsersRequest import ListUsersRequest
from aliyunsdksts.request.v20150401.AssumeRoleRequest import AssumeRoleRequest
from aliyunsdksts.request.v20150401.GetCallerIdentityRequest import GetCallerIdentityRequest

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# ---- the clients ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", [None, "v2"], ids=["acs3", "rpc-v1"])
def test_tea_sdk_signatures_are_accepted_for_sts_and_ram(cloud, algorithm):
    extra = {"signature_algorithm": algorithm} if algorithm else {}
    assert cloud.identity(cloud.B_ADMIN, **extra)["Arn"] == f"acs:ram::{cloud.B_UID}:user/admin"
    users = cloud.ram(cloud.B_ADMIN, **extra).list_users(cloud.ram_models.ListUsersRequest()).body.users.user
    assert {u.user_name for u in users} == {"admin", "alice"}


def core_request(cloud, request, key):
    """Send an aliyun-python-sdk-core request (HMAC-SHA1 v1) to the emulator; the parsed JSON answer."""
    request.set_endpoint(cloud.emu.endpoint)
    request.set_protocol_type("http")
    client = AcsClient(key.id, key.secret, "cn-hangzhou")
    return json.loads(client.do_action_with_exception(request))


def test_legacy_core_sdk_signatures_are_accepted(cloud):
    assert core_request(cloud, GetCallerIdentityRequest(), cloud.B_ALICE)["Arn"] == f"acs:ram::{cloud.B_UID}:user/alice"
    assert len(core_request(cloud, ListUsersRequest(), cloud.B_ADMIN)["Users"]["User"]) == 2


def test_legacy_core_sdk_assume_role_in_the_query(cloud):
    role = cloud.create_role("LegacyRole", cloud.trust(f"acs:ram::{cloud.B_UID}:root"))
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    request = AssumeRoleRequest()
    request.set_RoleArn(role["Arn"])
    request.set_RoleSessionName("legacy")
    answer = core_request(cloud, request, cloud.B_ALICE)
    assert answer["AssumedRoleUser"]["Arn"] == f"{role['Arn']}/legacy"


def test_form_body_parameters_are_signed_and_read(cloud):
    role = cloud.create_role("FormRole", cloud.trust(f"acs:ram::{cloud.B_UID}:root"), policies=["ReadOnlyAccess"])
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    request = CommonRequest(domain=cloud.emu.endpoint, version="2015-04-01", action_name="AssumeRole")
    request.set_method("POST")
    for name, value in {
        "RoleArn": role["Arn"],
        "RoleSessionName": "in-form",
        "Policy": '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ram:Get*", "Resource": "*"}]}',
    }.items():
        request.add_body_params(name, value)
    answer = core_request(cloud, request, cloud.B_ALICE)
    assert answer["AssumedRoleUser"]["Arn"] == f"{role['Arn']}/in-form"
    session = cloud.Key(
        answer["Credentials"]["AccessKeyId"],
        answer["Credentials"]["AccessKeySecret"],
        answer["Credentials"]["SecurityToken"],
    )
    error = cloud.error(lambda: cloud.ram(session).list_roles(cloud.ram_models.ListRolesRequest()))
    assert error.code == "NoPermission"  # the Policy from the form body was applied


def test_credentials_ram_role_arn_provider_with_a_space_in_the_policy(cloud):
    """alibabacloud-credentials encodes with quote_plus: a space must not break the signature."""
    role = cloud.create_role("CredRole", cloud.trust(f"acs:ram::{cloud.B_UID}:root"), policies=["ReadOnlyAccess"])
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    policy = '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ram:Get*", "Resource": "*"}]}'
    provider = RamRoleArnCredentialsProvider(
        credentials_provider=StaticAKCredentialsProvider(
            access_key_id=cloud.B_ALICE.id, access_key_secret=cloud.B_ALICE.secret
        ),
        role_arn=role["Arn"],
        role_session_name="cred-session",
        policy=policy,
        sts_endpoint=cloud.emu.url,
    )
    credentials = provider.get_credentials()
    assert credentials.get_access_key_id().startswith("STS.")
    session = cloud.Key(
        credentials.get_access_key_id(), credentials.get_access_key_secret(), credentials.get_security_token()
    )
    assert cloud.identity(session)["Arn"] == f"acs:ram::{cloud.A_UID}:assumed-role/CredRole/cred-session"
    # the session policy narrows ReadOnlyAccess to ram:Get*
    cloud.ram(session).get_role(cloud.ram_models.GetRoleRequest(role_name="CredRole"))
    error = cloud.error(lambda: cloud.ram(session).list_roles(cloud.ram_models.ListRolesRequest()))
    assert (error.code, error.status_code) == ("NoPermission", 403)


def test_roa_v1_signature_of_the_rocketmq_sdk_is_accepted(cloud):
    client = RocketMQClient(cloud.config(cloud.A_ADMIN, signature_algorithm="v2"))
    assert client.list_instances(cloud.rocketmq_models.ListInstancesRequest()).body.success
    wrong = RocketMQClient(cloud.config(cloud.Key(cloud.A_ADMIN.id, "not-the-secret"), signature_algorithm="v2"))
    assert (
        cloud.error(lambda: wrong.list_instances(cloud.rocketmq_models.ListInstancesRequest())).code
        == "SignatureDoesNotMatch"
    )


# ---- ACS3: exactly the signed headers, and the body hash ------------------------------------------------


def acs3_request(cloud, key, action="GetCallerIdentity", body=b"", tamper=None):
    """A request signed like the SDK does (its own signing function); ``tamper`` edits it after signing."""

    class Signed:  # the attribute shape Utils.get_authorization reads
        method, pathname, query = "POST", "/", {}
        headers = {
            "host": cloud.emu.endpoint,
            "x-acs-action": action,
            "x-acs-version": "2015-04-01",
            "x-acs-date": OpenApiUtils.get_timestamp(),
            "x-acs-signature-nonce": OpenApiUtils.get_nonce(),
            "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
            "accept": "application/json",
        }

    Signed.headers["Authorization"] = OpenApiUtils.get_authorization(
        Signed, "ACS3-HMAC-SHA256", Signed.headers["x-acs-content-sha256"], key.id, key.secret
    )
    headers = dict(Signed.headers)
    if tamper:
        body = tamper(headers, body)
    request = urllib.request.Request(cloud.emu.url + "/", data=body, headers=headers, method="POST")
    try:
        with NO_PROXY.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_acs3_ignores_unsigned_headers_but_not_signed_ones(cloud):
    def add_unsigned(headers, body):
        headers["X-Added-By-Proxy"] = "yes"
        return body

    def change_signed(headers, body):
        headers["accept"] = "text/xml"
        return body

    assert acs3_request(cloud, cloud.B_ALICE, tamper=add_unsigned)[0] == 200
    status, answer = acs3_request(cloud, cloud.B_ALICE, tamper=change_signed)
    assert (status, answer["Code"]) == (400, "SignatureDoesNotMatch")


def test_acs3_body_must_match_the_signed_hash(cloud):
    status, answer = acs3_request(cloud, cloud.B_ALICE, body=b"a=1", tamper=lambda headers, body: b"a=2")
    assert (status, answer["Code"]) == (400, "SignatureDoesNotMatch")
    assert acs3_request(cloud, cloud.B_ALICE, body=b"a=1")[0] == 200


# ---- authentication errors -------------------------------------------------------------------------------


def test_unknown_access_key(cloud):
    error = cloud.error(lambda: cloud.identity(cloud.Key("EMUNOSUCHKEY00000000", "whatever")))
    assert (error.code, error.status_code) == ("InvalidAccessKeyId.NotFound", 404)


@pytest.mark.parametrize("algorithm", [None, "v2"], ids=["acs3", "rpc-v1"])
def test_wrong_secret(cloud, algorithm):
    extra = {"signature_algorithm": algorithm} if algorithm else {}
    error = cloud.error(lambda: cloud.identity(cloud.Key(cloud.B_ALICE.id, "emu-b-alice-secret-WRONG"), **extra))
    assert (error.code, error.status_code) == ("SignatureDoesNotMatch", 400)
    assert cloud.emu.calls()["calls"] == []  # an unauthenticated request is not an API call of anyone


def test_timestamp_outside_the_window(cloud, monkeypatch):
    monkeypatch.setattr(rpc_signature_composer.helper, "get_iso_8061_date", lambda: "2020-01-01T00:00:00Z")
    with pytest.raises(ServerException) as caught:
        core_request(cloud, GetCallerIdentityRequest(), cloud.B_ALICE)
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == ("InvalidTimeStamp.Expired", 400)


def test_signed_request_without_timestamp_is_refused(cloud):
    params = {
        "Action": "GetCallerIdentity",
        "Version": "2015-04-01",
        "Format": "JSON",
        "AccessKeyId": cloud.B_ALICE.id,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": "no-timestamp-nonce",
    }
    params["Signature"] = sign_string(compose_string_to_sign("GET", params), cloud.B_ALICE.secret + "&")
    try:
        with NO_PROXY.open(f"{cloud.emu.url}/?{urllib.parse.urlencode(params)}", timeout=10) as response:
            status, answer = response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        status, answer = exc.code, json.loads(exc.read())
    assert (status, answer["Code"]) == (400, "MissingTimestamp")


def test_replayed_nonce_is_refused(cloud, monkeypatch):
    monkeypatch.setattr(rpc_signature_composer.helper, "get_uuid", lambda: "fixed-nonce-for-replay-test")
    core_request(cloud, GetCallerIdentityRequest(), cloud.B_ALICE)
    with pytest.raises(ServerException) as caught:
        core_request(cloud, GetCallerIdentityRequest(), cloud.B_ALICE)
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == ("SignatureNonceUsed", 400)


@pytest.fixture
def two_sessions(cloud):
    role = cloud.create_role("TokenRole", cloud.trust(f"acs:ram::{cloud.B_UID}:root"))
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    return [cloud.assume_role(cloud.B_ALICE, role["Arn"], session=f"s{i}", duration_seconds=900) for i in (1, 2)]


def test_sts_key_without_its_token(cloud, two_sessions):
    error = cloud.error(lambda: cloud.identity(cloud.Key(two_sessions[0].id, two_sessions[0].secret)))
    assert (error.code, error.status_code) == ("MissingSecurityToken", 400)


def test_malformed_token(cloud, two_sessions):
    error = cloud.error(
        lambda: cloud.identity(cloud.Key(two_sessions[0].id, two_sessions[0].secret, "CAISnot-a-real-token"))
    )
    assert (error.code, error.status_code) == ("InvalidSecurityToken.Malformed", 400)


def test_token_of_another_key(cloud, two_sessions):
    first, second = two_sessions
    error = cloud.error(lambda: cloud.identity(cloud.Key(first.id, first.secret, second.token)))
    assert (error.code, error.status_code) == ("InvalidSecurityToken.MismatchWithAccessKey", 400)


def test_expired_token(cloud, two_sessions):
    assert cloud.identity(two_sessions[0])["IdentityType"] == "AssumedRoleUser"
    cloud.emu.advance_clock(901)
    error = cloud.error(lambda: cloud.identity(two_sessions[0]))
    assert (error.code, error.status_code) == ("InvalidSecurityToken.Expired", 403)
    error = cloud.error(lambda: cloud.ram(two_sessions[1]).list_users(cloud.ram_models.ListUsersRequest()))
    assert (error.code, error.status_code) == ("InvalidSecurityToken.Expired", 403)


def test_secrets_never_appear_in_error_answers(cloud, two_sessions):
    """The secret never travels, so no answer can hold it. The token does: like the real gateway, the RPC
    SignatureDoesNotMatch message echoes the server's string to sign, token included (percent-encoded), so it
    appears there and only there, and clients must scrub it (test_signature_rules: the collection's scrub does)."""
    error = cloud.error(
        lambda: cloud.identity(
            cloud.Key(two_sessions[0].id, "wrong-secret", two_sessions[0].token), signature_algorithm="v2"
        )
    )
    assert error.code == "SignatureDoesNotMatch"
    text = json.dumps(error.data)
    assert two_sessions[0].secret not in text
    echoed = error.data["Message"].partition(" server string to sign is:")[2]
    assert f"SecurityToken%3D{two_sessions[0].token}%26" in echoed
    assert two_sessions[0].token not in text.replace(echoed, "")
