"""Routing, request ids and the admin interface under /_emulator/."""

import json
import re
import urllib.error
import urllib.request

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.composer.rpc_signature_composer import get_signed_url
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from acs_emulator.testing import EmulatorError, running_emulator

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def raw_get(cloud, path, headers=None):
    request = urllib.request.Request(cloud.emu.url + path, headers=headers or {})
    try:
        with NO_PROXY.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def signed_rpc_path(key, **params):
    return get_signed_url(dict(params), key.id, key.secret, "JSON", "GET", {})[0]


def test_unknown_action_is_not_found(cloud):
    request = CommonRequest(domain=cloud.emu.endpoint, version="2015-04-01", action_name="NoSuchAction")
    request.set_protocol_type("http")
    with pytest.raises(ServerException) as caught:
        AcsClient(cloud.B_ADMIN.id, cloud.B_ADMIN.secret, "cn-hangzhou").do_action_with_exception(request)
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == ("InvalidAction.NotFound", 404)


def test_host_header_names_the_product_when_the_version_does_not(cloud):
    path = signed_rpc_path(cloud.B_ALICE, Action="GetCallerIdentity")
    status, answer = raw_get(cloud, path, {"Host": "sts.cn-hangzhou.aliyuncs.com"})
    assert (status, answer["Arn"]) == (200, f"acs:ram::{cloud.B_UID}:user/alice")
    status, answer = raw_get(cloud, signed_rpc_path(cloud.B_ALICE, Action="GetCallerIdentity"))
    assert (status, answer["Code"]) == (400, "InvalidVersion")


def test_errors_carry_the_documented_fields_and_an_upper_case_uuid(cloud):
    status, answer = raw_get(cloud, "/?Action=GetCallerIdentity&Version=2015-04-01")
    assert (status, answer["Code"]) == (400, "MissingAccessKeyId")
    assert set(answer) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
    assert re.fullmatch(r"[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[0-9A-F]{4}-[0-9A-F]{12}", answer["RequestId"])
    assert answer["HostId"] == "sts.aliyuncs.com"


def test_calls_are_counted_per_account_product_and_kind(cloud):
    ram = cloud.ram(cloud.A_ADMIN)
    ram.create_user(cloud.ram_models.CreateUserRequest(user_name="bob"))
    ram.list_users(cloud.ram_models.ListUsersRequest())
    cloud.identity(cloud.B_ALICE)
    cloud.error(lambda: ram.get_user(cloud.ram_models.GetUserRequest(user_name="nobody")))
    a_ram = cloud.emu.calls(account=cloud.A_UID, product="ram")
    assert (a_ram["reads"], a_ram["writes"]) == (2, 1)
    assert [(c["action"], c["write"], c["status"]) for c in a_ram["calls"]] == [
        ("CreateUser", True, 200),
        ("ListUsers", False, 200),
        ("GetUser", False, 404),
    ]
    assert a_ram["calls"][0]["identity"] == f"acs:ram::{cloud.A_UID}:user/admin"
    assert cloud.emu.calls()["reads"] == 3
    cloud.emu.reset_calls()
    assert cloud.emu.calls() == {"reads": 0, "writes": 0, "calls": []}
    assert cloud.emu.decisions() == []


def test_reset_returns_to_the_seed(cloud):
    cloud.ram(cloud.A_ADMIN).create_user(cloud.ram_models.CreateUserRequest(user_name="bob"))
    assert "bob" in cloud.emu.admin("GET", "state")["accounts"][cloud.A_UID]["ram"]["users"]
    cloud.emu.reset()
    assert "bob" not in cloud.emu.admin("GET", "state")["accounts"][cloud.A_UID]["ram"]["users"]
    assert cloud.emu.calls()["calls"] == []


def test_state_dump_masks_secrets(cloud):
    text = json.dumps(cloud.emu.admin("GET", "state"))
    for key in (cloud.A_ROOT, cloud.A_ADMIN, cloud.B_ALICE):
        assert key.id in text and key.secret not in text


def test_clock_moves_forward_only(cloud):
    before = cloud.emu.admin("GET", "clock")["offset"]
    assert cloud.emu.advance_clock(60)["offset"] == before + 60
    with pytest.raises(Exception, match="400"):
        cloud.emu.advance_clock(-1)


def test_faults_apply_to_api_calls_until_reset(cloud):
    assert cloud.emu.admin("POST", "faults", {"error_rate": 1.0, "products": ["sts"]})["settings"]["error_rate"] == 1.0
    assert cloud.error(lambda: cloud.identity(cloud.B_ALICE)).status_code in (500, 503)
    assert cloud.emu.calls()["calls"] == []  # a faulted call never reached the service
    cloud.emu.reset()
    assert cloud.identity(cloud.B_ALICE)["IdentityType"] == "RAMUser"


def test_unknown_admin_endpoint(cloud):
    status, answer = raw_get(cloud, "/_emulator/nothing-here")
    assert status == 404 and "nothing-here" in answer["error"]


def test_a_bad_seed_stops_the_start_with_the_reason(tmp_path):
    seed = tmp_path / "seed.yml"
    seed.write_text("accounts:\n  - uid: '12'\n    alias: short\n", encoding="utf-8")
    with pytest.raises(EmulatorError, match="did not start.*16-digit account UID"):
        with running_emulator(seed=str(seed), timeout=10):
            pass
