"""Shared fixtures: one emulator per test session (subprocess of ``acs-emulator``), reset before each test,
and clients of the official SDKs pointed at it."""

import json
import os
import pathlib
from dataclasses import dataclass
from typing import Optional

import pytest

for _variable in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_variable, None)

# pylint: disable=wrong-import-position  # the SDKs read proxy variables at import time
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_rocketmq20220801 import models as rocketmq_models
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi import models as open_api_models

from acs_emulator.testing import running_emulator

SEED = pathlib.Path(__file__).resolve().parents[1] / "seed-example.yml"

A_UID = "1000000000000001"
B_UID = "2000000000000002"
C_UID = "3000000000000003"


@dataclass(frozen=True)
class Key:
    id: str
    secret: str
    token: Optional[str] = None


A_ROOT = Key("EMUAKAROOT0000000001", "emu-a-root-secret-0000000000001")
A_ADMIN = Key("EMUAKAADMIN000000001", "emu-a-admin-secret-000000000001")
B_ROOT = Key("EMUAKBROOT0000000002", "emu-b-root-secret-0000000000002")
B_ADMIN = Key("EMUAKBADMIN000000002", "emu-b-admin-secret-000000000002")
B_ALICE = Key("EMUAKBALICE000000002", "emu-b-alice-secret-000000000002")
C_ADMIN = Key("EMUAKCADMIN000000003", "emu-c-admin-secret-000000000003")
C_CAROL = Key("EMUAKCCAROL000000003", "emu-c-carol-secret-000000000003")


@pytest.fixture(scope="session")
def emulator_process():
    with running_emulator(seed=str(SEED)) as emulator:
        yield emulator


@pytest.fixture
def emu(emulator_process):
    """The emulator, back at the seed state with empty logs."""
    emulator_process.reset()
    return emulator_process


class Cloud:
    """The emulator seen through the official SDKs, with the seed's keys (tests get it as the ``cloud`` fixture)."""

    A_UID, B_UID, C_UID = A_UID, B_UID, C_UID
    A_ROOT, A_ADMIN, B_ROOT, B_ADMIN, B_ALICE, C_ADMIN, C_CAROL = (
        A_ROOT,
        A_ADMIN,
        B_ROOT,
        B_ADMIN,
        B_ALICE,
        C_ADMIN,
        C_CAROL,
    )
    ram_models, sts_models, rocketmq_models = ram_models, sts_models, rocketmq_models
    Key = Key

    def __init__(self, emulator):
        self.emu = emulator

    def config(self, key: Key, **extra) -> open_api_models.Config:
        options = {"endpoint": self.emu.endpoint, "protocol": "http", "read_timeout": 10000, **extra}
        return open_api_models.Config(
            access_key_id=key.id, access_key_secret=key.secret, security_token=key.token, **options
        )

    def sts(self, key: Key, **extra) -> StsClient:
        return StsClient(self.config(key, **extra))

    def ram(self, key: Key, **extra) -> RamClient:
        return RamClient(self.config(key, **extra))

    def create_role(
        self, name: str, trust: str, policies=(), max_session_duration: Optional[int] = None, owner: Key = A_ADMIN
    ) -> dict:
        """Create a role through the RAM API and attach ``policies`` (system names or ``(name, document)`` custom ones)."""
        ram = self.ram(owner)
        request = ram_models.CreateRoleRequest(
            role_name=name, assume_role_policy_document=trust, max_session_duration=max_session_duration
        )
        role = ram.create_role(request).body.role
        for policy in policies:
            self.attach(owner, "role", name, *(policy if isinstance(policy, tuple) else (policy,)))
        return role.to_map()

    def attach(self, owner: Key, kind: str, name: str, policy: str, document: Optional[str] = None) -> None:
        """Attach a system policy, or a new custom one when ``document`` is given, to a user or role of ``owner``'s account."""
        ram = self.ram(owner)
        policy_type = "System"
        if document is not None:
            ram.create_policy(ram_models.CreatePolicyRequest(policy_name=policy, policy_document=document))
            policy_type = "Custom"
        if kind == "role":
            ram.attach_policy_to_role(
                ram_models.AttachPolicyToRoleRequest(policy_type=policy_type, policy_name=policy, role_name=name)
            )
        else:
            ram.attach_policy_to_user(
                ram_models.AttachPolicyToUserRequest(policy_type=policy_type, policy_name=policy, user_name=name)
            )

    def grant_assume_role(self, owner: Key, user: str) -> None:
        self.attach(owner, "user", user, "AliyunSTSAssumeRoleAccess")

    def assume_role(self, caller: Key, role_arn: str, session: str = "tests", **params) -> Key:
        """AssumeRole through the STS SDK; the temporary credentials as a Key."""
        request = sts_models.AssumeRoleRequest(role_arn=role_arn, role_session_name=session, **params)
        credentials = self.sts(caller).assume_role(request).body.credentials
        return Key(credentials.access_key_id, credentials.access_key_secret, credentials.security_token)

    def identity(self, key: Key, **extra) -> dict:
        return self.sts(key, **extra).get_caller_identity().body.to_map()

    @staticmethod
    def trust(*principals: str, conditions: Optional[dict] = None) -> str:
        statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": list(principals)}}
        if conditions:
            statement["Condition"] = conditions
        return json.dumps({"Version": "1", "Statement": [statement]})

    @staticmethod
    def document(*statements: dict) -> str:
        return json.dumps({"Version": "1", "Statement": list(statements)})

    @staticmethod
    def allow(action, resource="*", **extra) -> dict:
        return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}

    @staticmethod
    def role_arn(uid: str, name: str) -> str:
        return f"acs:ram::{uid}:role/{name}"

    @staticmethod
    def error(call) -> Exception:
        """The SDK exception ``call()`` raises (it must raise one carrying an error code)."""
        with pytest.raises(Exception) as caught:
            call()
        error = caught.value
        assert getattr(error, "code", None), f"expected an API error, got {error!r}"
        return error


@pytest.fixture
def cloud(emu) -> Cloud:
    return Cloud(emu)


@pytest.fixture
def seed_path() -> str:
    return str(SEED)


@pytest.fixture
def cloud_of():
    """Cloud for an emulator a test starts itself (e.g. with --state)."""
    return Cloud
