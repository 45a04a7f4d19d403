"""ram_role_info against the emulator: one role with cross-account flags and policy documents, every role across pages.

This module's emulator is seeded with more roles in account A than RAM returns in one ListRoles page.
"""

import pytest
import yaml
from conftest import ACCOUNTS, SEED

from acs_emulator.testing import running_emulator

pytestmark = pytest.mark.emulator_only("its own seed with 103 roles; call counters")

A, B, C = (ACCOUNTS[key]["uid"] for key in ("account_a", "account_b", "account_c"))
RAM_DEFAULT_PAGE = 100
BULK_ROLES = RAM_DEFAULT_PAGE + 3
TRUST_B = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": [f"acs:ram::{B}:root"]}}],
}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    seed = yaml.safe_load(SEED.read_text())
    [account_a] = [account for account in seed["accounts"] if account["uid"] == A]
    account_a.setdefault("roles", []).extend(
        {"name": f"bulk-{index:03d}", "trust": TRUST_B} for index in range(BULK_ROLES)
    )
    path = tmp_path_factory.mktemp("seed") / "seed.yml"
    path.write_text(yaml.safe_dump(seed))
    with running_emulator(seed=str(path)) as emu:
        yield emu


def test_one_role_flags_cross_account_principals_and_returns_documents(emu, run_playbook):
    role = {
        "role_name": "mixed-trust",
        "partners": [B],
        "ram_arns": [f"acs:ram::{A}:user/admin", f"acs:ram::{C}:user/carol"],
        "services": ["ecs.aliyuncs.com"],
        "policies": ["AliyunMQReadOnlyAccess"],
    }
    run_playbook("ram_role_partners.yml", role)
    emu.reset_calls()
    found = run_playbook(
        "ram_role_info_read.yml", {"role_name": "mixed-trust", "include_policy_documents": True}
    ).result("Info")
    assert found["changed"] is False
    assert emu.calls(product="ram") | {"calls": None} == {"reads": 3, "writes": 0, "calls": None}, (
        "GetRole, ListPoliciesForRole, GetPolicy"
    )
    assert emu.calls(product="sts")["calls"] == [], "the role's ARN names its account: no GetCallerIdentity needed"

    [described] = found["roles"]
    flags = {principal["principal"]: principal["cross_account"] for principal in described["principals"]}
    assert flags == {
        B: True,
        f"acs:ram::{A}:user/admin": False,
        f"acs:ram::{C}:user/carol": True,
        "ecs.aliyuncs.com": False,
    }
    assert described["trusted_principals"] == {
        "accounts": [B],
        "ram_arns": [f"acs:ram::{A}:user/admin", f"acs:ram::{C}:user/carol"],
        "services": ["ecs.aliyuncs.com"],
        "federated": [],
    }
    [policy] = described["policies"]
    assert (policy["policy_name"], policy["policy_type"]) == ("AliyunMQReadOnlyAccess", "System")
    assert policy["default_version"] and policy["document"]["Version"] == "1", "the document is returned parsed"

    checked = run_playbook("ram_role_info_read.yml", {"role_name": "MIXED-TRUST"}, check=True).result("Info")
    assert [role["arn"] for role in checked["roles"]] == [described["arn"]], (
        "runs in check mode; names are case-insensitive"
    )
    assert "document" not in checked["roles"][0]["policies"][0], "documents only when asked for"


def test_every_role_follows_list_pages(emu, run_playbook):
    roles = run_playbook("ram_role_info_read.yml").result("Info")["roles"]
    names = [role["role_name"] for role in roles]
    assert names == [f"bulk-{index:03d}" for index in range(BULK_ROLES)]
    assert all(
        role["trusted_principals"]["accounts"] == [B] and role["principals"][0]["cross_account"] for role in roles
    )
    list_calls = [call for call in emu.calls(product="ram")["calls"] if call["action"] == "ListRoles"]
    assert len(list_calls) == 2, "more roles than one page: the Marker is followed"
    assert emu.calls(product="ram")["writes"] == 0


def test_unknown_role_is_empty_and_bad_name_fails_before_any_call(emu, run_playbook):
    admin = ACCOUNTS["account_a"]["admin"]
    tasks = [
        {"name": "unknown", "apsaramq.cross_account.ram_role_info": {"name": "no-such-role", **admin}},
        {
            "name": "bad name",
            "ignore_errors": True,
            "apsaramq.cross_account.ram_role_info": {"name": "bad name!", **admin},
        },
    ]
    run = run_playbook(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
    assert run.result("unknown")["roles"] == []
    assert run.result("bad name")["msg"].startswith("name")
    assert [call["action"] for call in emu.calls()["calls"]] == ["GetRole"]
