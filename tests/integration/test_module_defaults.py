"""``module_defaults: group/apsaramq.cross_account.all`` sets credentials and the endpoint for every module of a play.

The environment points ALIBABA_CLOUD_ENDPOINT_URL at a closed port, so a task only reaches the emulator if the
group defaults gave it ``endpoint_url``; each play signs as a different identity, checked in the emulator's call log.
"""
from conftest import ACCOUNTS

A, B = ACCOUNTS["account_a"]["uid"], ACCOUNTS["account_b"]["uid"]
ROLE_ARN = f"acs:ram::{A}:role/partner-operator"
CLOSED_PORT_URL = "http://127.0.0.1:9"

PLAYBOOK = """
- name: Account A's administrator
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/apsaramq.cross_account.all:
      access_key_id: "{{ account_a.admin.access_key_id }}"
      access_key_secret: "{{ account_a.admin.access_key_secret }}"
      endpoint_url: "{{ emulator_url }}"
  tasks:
    - name: policy
      apsaramq.cross_account.ram_policy:
        name: role-reader
        document: {Version: "1", Statement: [{Effect: Allow, Action: ["ram:GetRole", "ram:ListPoliciesForRole"], Resource: "*"}]}
    - name: policy info
      apsaramq.cross_account.ram_policy_info:
        name: role-reader
    - name: role
      apsaramq.cross_account.ram_role:
        name: partner-operator
        trusted_accounts: ["{{ account_b.uid }}"]
        policies: [Custom:role-reader]
    - name: role info
      apsaramq.cross_account.ram_role_info:
        name: partner-operator

- name: Account B's administrator
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/apsaramq.cross_account.all:
      access_key_id: "{{ account_b.admin.access_key_id }}"
      access_key_secret: "{{ account_b.admin.access_key_secret }}"
      endpoint_url: "{{ emulator_url }}"
  tasks:
    - name: grant
      apsaramq.cross_account.ram_user_grant:
        user_name: alice
        create_user: false
        role_arns: ["acs:ram::{{ account_a.uid }}:role/partner-operator"]

- name: Alice
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/apsaramq.cross_account.all:
      access_key_id: "{{ account_b.alice.access_key_id }}"
      access_key_secret: "{{ account_b.alice.access_key_secret }}"
      endpoint_url: "{{ emulator_url }}"
  tasks:
    - name: assume
      apsaramq.cross_account.sts_assume:
        role_arn: "acs:ram::{{ account_a.uid }}:role/partner-operator"
        session_name: alice-defaults
      register: assumed

- name: Alice acting in account A through the role
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/apsaramq.cross_account.all:
      access_key_id: "{{ assumed.sts_creds.access_key_id }}"
      access_key_secret: "{{ assumed.sts_creds.access_key_secret }}"
      security_token: "{{ assumed.sts_creds.security_token }}"
      endpoint_url: "{{ emulator_url }}"
  tasks:
    - name: as the role
      apsaramq.cross_account.ram_role_info:
        name: partner-operator
"""


def test_group_defaults_reach_every_module(emu, run_playbook):
    run = run_playbook(PLAYBOOK, env={"ALIBABA_CLOUD_ENDPOINT_URL": CLOSED_PORT_URL})
    assert run.result("role")["role"]["policies"] == [{"policy_name": "role-reader", "policy_type": "Custom"}]
    assert run.result("role info")["roles"][0]["arn"] == ROLE_ARN
    assert run.result("as the role")["roles"][0]["arn"] == ROLE_ARN

    identities = {}
    for call in emu.calls()["calls"]:
        identities.setdefault(call["action"], set()).add(call["identity"])
    assert identities["CreateRole"] == identities["AttachPolicyToRole"] == {f"acs:ram::{A}:user/admin"}
    assert identities["CreatePolicy"] == {f"acs:ram::{A}:user/admin", f"acs:ram::{B}:user/admin"}, "A's policy, then B's grant policy"
    assert identities["AttachPolicyToUser"] == {f"acs:ram::{B}:user/admin"}
    assert identities["AssumeRole"] == {f"acs:ram::{B}:user/alice"}
    assert f"acs:ram::{A}:assumed-role/partner-operator/alice-defaults" in identities["GetRole"]
