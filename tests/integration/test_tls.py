"""TLS options against the emulator served over HTTPS with a throwaway CA (tests/integration/tls_certs.py):
``ca_bundle`` and ``validate_certs`` (and their environment variables) reach every SDK client a module builds (RAM,
STS, RocketMQ management through the Tea SDKs, the 4.x HTTP messaging plane through mq-http-sdk); an untrusted
certificate fails at once, naming the options that fix it; a ca_bundle that cannot be read fails before any call."""

import json
import sys

import pytest
from conftest import ACCOUNTS, MQ, SEED, admin_keys, localhost_play, playbook, resource_name
from tls_certs import make_tls_files

from acs_emulator.testing import running_emulator

A, B = ACCOUNTS["account_a"]["uid"], ACCOUNTS["account_b"]["uid"]
pytestmark = pytest.mark.emulator_only("the emulator served over HTTPS with a CA made by the test")
CERTIFICATE_ERROR = "SSLCertificateVerifyFailed"
INSECURE = "validate_certs is false"


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def emulator(tls_files):
    """This module's emulator (conftest's ``emu``, ``target`` and ``run_playbook`` use it) serves HTTPS only."""
    with running_emulator(seed=str(SEED), args=tls_files.emulator_args, ca_file=str(tls_files.ca)) as emu:
        assert emu.url.startswith("https://")
        yield emu


def task(name, module="ram_role_info", args=None, environment=None, **options):
    """A task of the collection, errors ignored (the test reads each result), with common ``options``."""
    found = {
        "name": name,
        f"apsaramq.cross_account.{module}": {**(args or {"name": "tls-role"}), **options},
        "ignore_errors": True,
    }
    if environment:
        found["environment"] = environment
    return found


def test_ca_bundle_validate_certs_and_their_environment_variables_reach_the_calls(run_playbook, emu, tls_files):
    """Each task trusts the emulator's CA another way (and a write is made that way), or does not verify and warns."""
    ca = str(tls_files.ca)
    tasks = [
        task("create", "ram_role", {"name": resource_name("tls-role"), "trusted_accounts": [B]}, ca_bundle=ca),
        task("read", ca_bundle=ca),
        task("insecure", validate_certs=False),
        task("env ca_bundle", environment={"ALIBABA_CLOUD_CA_BUNDLE": ca}),
        task("env validate_certs", environment={"ALIBABA_CLOUD_VALIDATE_CERTS": "false"}),
        task("env debug_api_calls", environment={"ALIBABA_CLOUD_CA_BUNDLE": ca, "APSARAMQ_DEBUG_API_CALLS": "true"}),
    ]
    run = run_playbook(playbook(localhost_play("over HTTPS", tasks, admin_keys("account_a"))))
    results = {result["task"]: result for result in run.tasks}
    for name, result in results.items():
        assert not result.get("failed"), f"{name}: {result.get('msg')}"
        if name != "create":
            assert [role["role_name"] for role in result["roles"]] == ["tls-role"], name
        warned = any(INSECURE in warning for warning in result.get("warnings", []))
        assert warned is (name in ("insecure", "env validate_certs")), name
        assert ("api_calls" in result) is (name == "env debug_api_calls"), name
    assert results["create"]["changed"] is True
    assert [call["action"] for call in results["env debug_api_calls"]["api_calls"]][0] == "GetRole"
    assert INSECURE in run.output
    assert [call["action"] for call in emu.calls(product="ram")["calls"]].count("CreateRole") == 1


def test_an_untrusted_certificate_or_an_unusable_ca_bundle_fails_and_nothing_reaches_the_endpoint(
    run_playbook, emu, tmp_path
):
    """An untrusted certificate fails at once (one attempt, a write neither retried nor reconciled), naming the
    options that fix it; a ca_bundle that cannot be used fails before any call, naming ca_bundle; the task's
    validate_certs wins over the environment."""
    missing, not_pem = tmp_path / "no-such-ca.pem", tmp_path / "notes.txt"
    not_pem.write_text("not a certificate\n")
    tasks = [
        task("read", debug_api_calls=True, retry_max_attempts=5, retry_max_seconds=30),
        task("write", "ram_role", {"name": resource_name("never"), "trusted_accounts": [B]}, debug_api_calls=True),
        task("option wins", environment={"ALIBABA_CLOUD_VALIDATE_CERTS": "false"}, validate_certs=True),
        task("missing", ca_bundle=str(missing)),
        task("env missing", environment={"ALIBABA_CLOUD_CA_BUNDLE": str(missing)}),
        task("not pem", ca_bundle=str(not_pem)),
    ]
    run = run_playbook(playbook(localhost_play("refused", tasks, admin_keys("account_a"))))
    results = {result["task"]: result for result in run.tasks}
    assert all(result.get("failed") for result in results.values())
    for name in ("read", "write", "option wins"):
        result = results[name]
        assert result["error"]["code"] == CERTIFICATE_ERROR and result["error"]["attempts"] == 1, name
        assert "could not be verified" in result["msg"] and "set ca_bundle" in result["msg"], name
        assert "validate_certs=false" in result["msg"], name
    assert [(call["action"], call["attempt"]) for call in results["read"]["api_calls"]] == [("GetRole", 1)]
    assert [call["action"] for call in results["write"]["api_calls"]] == ["GetRole"]  # the write was never tried
    assert results["missing"]["msg"] == results["env missing"]["msg"] == f"ca_bundle: no such file: {missing}"
    assert results["not pem"]["msg"] == f"ca_bundle: no PEM certificate could be loaded from {not_pem}"
    assert emu.calls()["calls"] == []  # handshakes failed, and the rest never connected


def test_the_messaging_probes_and_assume_role_honour_the_ca(run_playbook, emu, tls_files):
    """B's administrator in A's role (STS over HTTPS) publishes and consumes on the 4.x instance over HTTPS (the
    mq-http-sdk data plane) and reads the 5.x management API, all trusting the CA through ALIBABA_CLOUD_CA_BUNDLE."""
    grant = {
        "series": "4.x",
        "instance_id": MQ.instance_id,
        "publish_topics": [MQ.orders],
        "subscribe_topics": [MQ.orders],
        "subscribe_groups": [MQ.orders_group],
    }
    owner = localhost_play(
        "Account A",
        [
            {
                "name": "policy",
                "apsaramq.cross_account.ram_policy": {
                    "name": "tls-rights",
                    "document": "{{ %s | apsaramq.cross_account.rocketmq_policy }}" % json.dumps(grant),
                },
            },
            {
                "name": "role",
                "apsaramq.cross_account.ram_role": {
                    "name": "tls-partner",
                    "trusted_accounts": [B],
                    "policies": ["tls-rights"],
                },
            },
        ],
        admin_keys("account_a"),
    )
    check = {
        "name": "check",
        "apsaramq.cross_account.rocketmq_access_check": {
            "instance_id": MQ.instance_id,
            "expect_allowed": [
                {"operation": "publish", "topic": MQ.orders},
                {"operation": "consume", "topic": MQ.orders, "group": MQ.orders_group},
            ],
            "expect_denied": [{"operation": "publish", "topic": MQ.payments}],
        },
    }
    partner = localhost_play(
        "Account B in A's role",
        [check],
        admin_keys("account_b", assume_role={"role_arn": f"acs:ram::{A}:role/tls-partner"}),
    )
    run = run_playbook(playbook(owner, partner), env={"ALIBABA_CLOUD_CA_BUNDLE": str(tls_files.ca)})
    result = run.result("check")
    assert [(row["operation"], row["actual"]) for row in result["matrix"]] == [
        ("publish", "allowed"),
        ("consume", "allowed"),
        ("publish", "denied"),
    ]
    assert result["stray_messages"] == []
    assert {call["action"] for call in emu.calls(product="mq")["calls"]} >= {"PublishMessage", "ConsumeMessage"}
    assert "AssumeRole" in {call["action"] for call in emu.calls(product="sts")["calls"]}


@pytest.fixture
def module_utils(collections_path):
    sys.path.insert(0, str(collections_path))
    from ansible_collections.apsaramq.cross_account.plugins.module_utils import (  # pylint: disable=import-outside-toplevel
        client,
        retries,
        rocketmq_access,
    )

    return client, retries, rocketmq_access


class _Keys:
    def __init__(self, account):
        keys = ACCOUNTS[account]["admin"]
        self.access_key_id, self.access_key_secret, self.security_token = (
            keys["access_key_id"],
            keys["access_key_secret"],
            None,
        )


@pytest.mark.parametrize(("trust", "published"), [(False, False), (True, True)])
def test_the_messaging_plane_verifies_with_the_tls_settings(emu, tls_files, module_utils, trust, published):
    """mq-http-sdk over HTTPS, through the collection's connection: without the CA the certificate is refused at
    once (one attempt, not a network failure to retry); with it the message goes out."""
    client, retries, rocketmq_access = module_utils
    attempts = []
    probes = rocketmq_access.MessagingProbes(
        _Keys("account_a"),
        emu.url,
        retries.RetryPolicy(max_attempts=5, max_seconds=30),
        lambda action, write, attempt, status: attempts.append(action),
        5,
        "tlsprobe",
        0,
        client.TlsSettings(ca_bundle=str(tls_files.ca) if trust else None),
    )
    probe = rocketmq_access.Probe("publish", "allowed", MQ.instance_id, MQ.orders)
    probes.publish(probe)
    assert attempts == ["PublishMessage"]
    if published:
        assert probe.actual == "allowed" and len(probes.unacknowledged) == 1
    else:
        assert probe.actual == "error" and probe.code == CERTIFICATE_ERROR
        assert emu.calls(product="mq")["calls"] == []
