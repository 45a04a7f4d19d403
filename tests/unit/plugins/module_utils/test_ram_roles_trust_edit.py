# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""apply_trust_edit (module_utils/ram_roles.py) over a fake RAM: a trust edit that a concurrent writer's stale write
clobbers is merged again into what was read back and written again, within a bound; a converged edit costs no call."""

from __future__ import annotations

import json

import pytest

from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import CollectionError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import (
    add_trusted_principals,
    remove_trusted_principals,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_roles import apply_trust_edit, trust_document

NAME = "partner-operator"
B, C, D = "2000000000000002", "3000000000000003", "4000000000000004"


def trust(*uids):
    return json.dumps(
        {
            "Version": "1",
            "Statement": [
                {
                    "Action": "sts:AssumeRole",
                    "Effect": "Allow",
                    "Principal": {"RAM": [f"acs:ram::{uid}:root" for uid in uids]},
                }
            ],
        }
    )


class FakeRam:
    """One role in memory, behind the two calls apply_trust_edit makes; records every call."""

    def __init__(self, document):
        self.role = {
            "RoleName": NAME,
            "AssumeRolePolicyDocument": document,
            "Description": "",
            "MaxSessionDuration": 3600,
        }
        self.calls = []

    def call(self, action, params=None, ignore=(), retry_on=()):
        del ignore, retry_on
        self.calls.append(action)
        if action == "GetRole":
            return {"Role": dict(self.role)}
        assert action == "UpdateRole" and params["RoleName"] == NAME
        self.role["AssumeRolePolicyDocument"] = params["NewAssumeRolePolicyDocument"]
        return {"Role": dict(self.role)}

    def clobber(self, document):
        """A concurrent writer's UpdateRole computed from an older read: it lands over ours."""
        self.role["AssumeRolePolicyDocument"] = document


def adding(*uids):
    """The edit and pending callables ram_role passes for trust_mode=add of ``uids``."""

    def edit(role):
        return {"AssumeRolePolicyDocument": json.dumps(add_trusted_principals(trust_document(role), accounts=uids))}

    def pending(role):
        trusted = json.dumps(trust_document(role))
        return [f"{uid} is not trusted" for uid in uids if uid not in trusted]

    return edit, pending


def removing(*uids):
    def edit(role):
        return {"AssumeRolePolicyDocument": json.dumps(remove_trusted_principals(trust_document(role), accounts=uids))}

    def pending(role):
        trusted = json.dumps(trust_document(role))
        return [f"{uid} is still trusted" for uid in uids if uid in trusted]

    return edit, pending


def principals(ram):
    return trust_document(ram.role)["Statement"][0]["Principal"]["RAM"]


def clobbering(ram, writes):
    """A sleep during which a concurrent writer lands ``writes`` (one per pause, then none)."""
    pending = list(writes)

    def sleep():
        if pending:
            ram.clobber(pending.pop(0))

    return sleep


def test_a_single_writer_writes_once_and_reads_back_once():
    ram = FakeRam(trust(B))
    edit, pending = adding(C)
    changed, role, rounds = apply_trust_edit(ram, NAME, edit, pending, ram.call("GetRole")["Role"], sleep=lambda: None)
    assert (changed, rounds) == (True, 1)
    assert ram.calls == ["GetRole", "UpdateRole", "GetRole"]
    assert principals(ram) == [f"acs:ram::{B}:root", f"acs:ram::{C}:root"] and role == ram.role


def test_a_clobbered_add_is_merged_into_the_other_writers_trust_and_holds():
    ram = FakeRam(trust(B))
    edit, pending = adding(C)
    # While we pause, the other run (which read B only) writes B + D over our B + C.
    changed, role, rounds = apply_trust_edit(
        ram, NAME, edit, pending, ram.call("GetRole")["Role"], sleep=clobbering(ram, [trust(B, D)])
    )
    assert (changed, rounds) == (True, 2)
    assert ram.calls == ["GetRole", "UpdateRole", "GetRole", "UpdateRole", "GetRole"]
    assert sorted(principals(ram)) == [f"acs:ram::{uid}:root" for uid in (B, C, D)], "both partners are trusted"
    assert role == ram.role, "the result is the role as last read back"


def test_a_clobbered_remove_is_removed_again_from_the_latest_read():
    ram = FakeRam(trust(B, C))
    edit, pending = removing(C)
    changed, _role, rounds = apply_trust_edit(
        ram, NAME, edit, pending, ram.call("GetRole")["Role"], sleep=clobbering(ram, [trust(B, C, D)])
    )
    assert (changed, rounds) == (True, 2)
    assert principals(ram) == [f"acs:ram::{B}:root", f"acs:ram::{D}:root"], "the other writer's D is kept"


def test_nothing_to_change_makes_no_call():
    ram = FakeRam(trust(B, C))
    edit, pending = adding(C)
    changed, role, rounds = apply_trust_edit(ram, NAME, edit, pending, dict(ram.role), sleep=pytest.fail)
    assert (changed, rounds, ram.calls) == (False, 0, [])
    assert role == ram.role


def test_gives_up_after_the_bound_naming_what_does_not_hold():
    ram = FakeRam(trust(B))
    edit, pending = adding(C)
    # The other writer clobbers after every one of our writes.
    with pytest.raises(CollectionError) as raised:
        apply_trust_edit(
            ram, NAME, edit, pending, ram.call("GetRole")["Role"], sleep=lambda: ram.clobber(trust(B, D)), rounds=3
        )
    assert ram.calls == ["GetRole"] + ["UpdateRole", "GetRole"] * 3, "at most 3 writes, each read back"
    assert "kept changing under concurrent writers" in raised.value.msg and f"{C} is not trusted" in raised.value.msg
    assert raised.value.details == {"trust_rounds": 3, "pending": [f"{C} is not trusted"]}


def test_each_write_is_computed_from_the_latest_read():
    ram = FakeRam(trust(B))
    seen = []
    edit, pending = adding(C)

    def recording_edit(role):
        seen.append(trust_document(role))
        return edit(role)

    apply_trust_edit(
        ram, NAME, recording_edit, pending, ram.call("GetRole")["Role"], sleep=clobbering(ram, [trust(B, D), trust(D)])
    )
    assert seen == [json.loads(trust(B)), json.loads(trust(B, D)), json.loads(trust(D))]
    assert sorted(principals(ram)) == [f"acs:ram::{C}:root", f"acs:ram::{D}:root"]


def test_a_role_deleted_meanwhile_fails_clearly():
    ram = FakeRam(trust(B))
    edit, pending = adding(C)
    ram.call = lambda action, params=None, **_: None if action == "GetRole" else {}
    with pytest.raises(CollectionError, match="was deleted while its trust policy was being updated"):
        apply_trust_edit(
            ram, NAME, edit, pending, {"RoleName": NAME, "AssumeRolePolicyDocument": trust(B)}, sleep=lambda: None
        )
