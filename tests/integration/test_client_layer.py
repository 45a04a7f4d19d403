"""The client layer (module_utils/base.py, client.py) seen from real module runs against the emulator:
call accounting, credentials and region from the environment, timeouts, and retries under injected faults.
"""

import json
import re
import socket
import time

import pytest
from conftest import ACCOUNTS

A, B, C = (ACCOUNTS[key]["uid"] for key in ("account_a", "account_b", "account_c"))
A_ADMIN, B_ADMIN, C_ADMIN = f"acs:ram::{A}:user/admin", f"acs:ram::{B}:user/admin", f"acs:ram::{C}:user/admin"
THROTTLED = "Throttling.User: Request was denied due to user flow control."


def keys(account, user="admin"):
    return ACCOUNTS[account][user]["access_key_id"], ACCOUNTS[account][user]["access_key_secret"]


def signers(emu):
    """{action: {identity that signed it}} of every call since the last reset."""
    found = {}
    for call in emu.calls()["calls"]:
        found.setdefault(call["action"], set()).add(call["identity"])
    return found


def profile_region(path):
    return json.loads(path.read_text())["profiles"][0]["region_id"]


@pytest.fixture
def faults(emu):
    """Set emulator faults for one test; the emulator is healthy again afterwards, whatever happened."""
    yield lambda **settings: emu.admin("POST", "faults", settings)
    emu.reset()


@pytest.mark.emulator_only("compares debug_api_calls with the call log")
def test_debug_api_calls_reports_every_attempt_on_success_and_failure(emu, run_playbook):
    run = run_playbook("client_debug_api_calls.yml")
    created = run.result("Create")["api_calls"]
    logged = emu.calls()["calls"][: len(created)]
    assert [(c["product"], c["action"], c["write"], c["status"]) for c in created] == [
        (c["product"], c["action"], c["write"], c["status"]) for c in logged
    ], "one entry per request the emulator saw"
    assert {c["action"] for c in created if c["write"]} == {"CreateRole", "AttachPolicyToRole"}
    assert {c["attempt"] for c in created} == {1}
    assert "api_calls" not in run.result("Quiet"), "off by default"

    refused = run.result("Refused")
    assert refused["failed"] and refused["msg"].startswith("GetRole failed: NoPermission")
    assert refused["api_calls"] == [
        {"product": "ram", "action": "GetRole", "write": False, "attempt": 1, "status": 403}
    ]


@pytest.mark.emulator_only("the call log names who signed")
def test_credentials_and_region_come_from_the_environment(emu, run_playbook, tmp_path):
    a_key, a_secret = keys("account_a")
    beijing = tmp_path / "beijing.json"
    run_playbook(
        "client_env_credentials.yml",
        {"create_role": True, "region_file": str(beijing), "use_token": True},
        env={
            "ALIBABA_CLOUD_ACCESS_KEY_ID": a_key,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": a_secret,
            "ALIBABA_CLOUD_REGION_ID": "cn-beijing",
        },
    )
    signed = signers(emu)
    assert signed["CreateRole"] == signed["AssumeRole"] == {A_ADMIN}
    assert signed["ListRoles"] == {f"acs:ram::{A}:assumed-role/env-probe/env-probe"}, (
        "ALICLOUD_SECURITY_TOKEN joins the keys"
    )
    assert profile_region(beijing) == "cn-beijing"

    emu.reset_calls()
    b_key, b_secret = keys("account_b")
    shanghai = tmp_path / "shanghai.json"
    run_playbook(
        "client_env_credentials.yml",
        {"region_file": str(shanghai)},
        env={"ALICLOUD_ACCESS_KEY": b_key, "ALICLOUD_SECRET_KEY": b_secret, "ALICLOUD_REGION": "cn-shanghai"},
    )
    assert signers(emu) == {"AssumeRole": {B_ADMIN}}
    assert profile_region(shanghai) == "cn-shanghai"


@pytest.mark.emulator_only("the call log names who signed")
def test_profiles_come_from_the_cli_configuration_in_home(emu, run_playbook, tmp_path):
    config = tmp_path / ".aliyun" / "config.json"
    config.parent.mkdir()
    profiles = [
        {"name": name, "mode": "AK", "access_key_id": key, "access_key_secret": secret, "region_id": "cn-hangzhou"}
        for name, (key, secret) in (("b-admin", keys("account_b")), ("c-admin", keys("account_c")))
    ]
    config.write_text(json.dumps({"current": "b-admin", "profiles": profiles}))
    run = run_playbook("client_env_credentials.yml", {"named_profile": "c-admin"}, env={"HOME": str(tmp_path)})
    assert [call["identity"] for call in emu.calls()["calls"]] == [C_ADMIN, B_ADMIN], (
        "ALIBABA_CLOUD_PROFILE names the profile; without it the default chain takes the current one"
    )
    assert keys("account_c")[1] not in run.output


def wait_for_calls(emu, count, product, timeout=10.0):
    """The emulator's calls of ``product`` once there are ``count`` (requests still in flight land late)."""
    deadline = time.monotonic() + timeout
    while len(calls := emu.calls(product=product)["calls"]) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return calls


@pytest.mark.emulator_only("fault injection")
def test_read_timeout_reaches_the_sdk(emu, run_playbook, faults):
    faults(latency_ms=3000, products=["ram"])  # later than read_timeout (1 s), sooner than the default (10 s)
    started = time.monotonic()
    failed = run_playbook("client_slow_ram.yml", expect_rc=2).result("Read")
    # The SDK's own message ("read timeout=1") proves the option reached it; the clock only rules out a hang (it is
    # loose because a loaded 2-core machine stretches ansible-playbook's own start-up).
    assert time.monotonic() - started < 15, "two attempts of 1 s, not a hang"
    assert failed["msg"].startswith("GetRole failed: RequestTimeout") and "read timeout=1" in failed["msg"]
    assert re.search(r"after 2 attempts and [0-9.]+ s of waiting$", failed["msg"]), (
        "a timeout is retried, and the wait is said"
    )
    assert [(c["attempt"], c["status"]) for c in failed["api_calls"]] == [(1, None), (2, None)]
    # The emulator answered both, too late; waiting for them also keeps them out of the next test's call log.
    assert [call["action"] for call in wait_for_calls(emu, 2, "ram")] == ["GetRole", "GetRole"]


def fill_accept_queue(listener):
    """Connections that fill ``listener``'s accept queue, so that the kernel leaves further ones hanging."""
    filler = []
    while len(filler) < 8:
        connection = socket.socket()
        connection.settimeout(0.3)
        try:
            connection.connect(listener.getsockname())
        except TimeoutError:
            connection.close()
            return filler
        filler.append(connection)
    raise AssertionError("the accept queue did not fill up")


def test_connect_timeout_reaches_the_sdk(run_playbook):
    with socket.socket() as blackhole:
        blackhole.bind(("127.0.0.1", 0))
        blackhole.listen(0)
        filler = fill_accept_queue(blackhole)
        try:
            host, port = blackhole.getsockname()
            url = f"http://{host}:{port}"
            failed = run_playbook(
                "client_slow_ram.yml", {"ram_endpoint": url, "connect_timeout": 0.5}, expect_rc=2
            ).result("Read")
        finally:
            for connection in filler:
                connection.close()
    assert failed["msg"].startswith("GetRole failed: RequestTimeout") and "connect timeout=0.5" in failed["msg"]


@pytest.mark.emulator_only("fault injection")
def test_a_module_rides_out_throttling_and_server_errors(emu, run_playbook, faults):
    faults(throttle_rate=0.3, error_rate=0.2, retry_after=50, products=["ram"], seed=11)
    run = run_playbook("client_faulty_ram.yml", {"attempts": 6})
    created, converged = run.result("Create"), run.result("Converge")
    assert created["changed"] is True and converged["changed"] is False
    attempts = created["api_calls"] + converged["api_calls"]
    retried = [call for call in attempts if call["attempt"] > 1]
    assert retried, "some calls needed more than one attempt"
    assert {call["status"] for call in attempts if call["status"] != 200} <= {400, 404, 500, 503}
    assert emu.admin("GET", "faults")["counts"]["throttle"] and emu.admin("GET", "faults")["counts"]["error"]
    role = emu.admin("GET", "/state")["accounts"][A]["ram"]["roles"]["weathered"]
    assert role


@pytest.mark.emulator_only("fault injection")
def test_a_module_gives_up_after_the_bounded_attempts(emu, run_playbook, faults):
    faults(throttle_rate=1.0, retry_after=50, products=["ram"])
    failed = run_playbook("client_faulty_ram.yml", {"attempts": 3}, expect_rc=2).result("Create")
    assert failed["msg"].startswith(f"GetRole failed: {THROTTLED} (request id ")
    assert re.search(r"HTTP status 400\) after 3 attempts and [0-9.]+ s of waiting$", failed["msg"])
    assert failed["error"]["attempts"] == 3 and failed["error"]["waited_seconds"] >= 0.1, "retry_after=50 ms, twice"
    assert [(c["action"], c["attempt"], c["status"]) for c in failed["api_calls"]] == [
        ("GetRole", n, 400) for n in (1, 2, 3)
    ]
    assert emu.calls(product="ram")["calls"] == [], "throttled requests never reach the service"
