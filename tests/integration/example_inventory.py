"""A copy of the example inventory (playbooks/inventory) with other partners, so that the tests run the collection's own
playbooks (owner.yml, review.yml) the way a user does: its group_vars and Account A's host_vars are kept as shipped,
hosts.yml and the partners' host_vars are written for the test."""

import shutil
from pathlib import Path

import yaml
from conftest import ACCOUNTS, REPO

EXAMPLE = REPO / "playbooks" / "inventory"
PLAYBOOKS = REPO / "playbooks"


def write_inventory(base: Path, partners) -> Path:
    """An inventory under ``base`` whose rocketmq_partners are ``partners``: dicts with ``host``, ``uid``, ``alias`` and
    any host variables of that partner (``vars``). Account A is the example's account_a."""
    inventory = base / "inventory"
    shutil.rmtree(inventory, ignore_errors=True)
    shutil.copytree(EXAMPLE / "group_vars", inventory / "group_vars")
    shutil.copytree(EXAMPLE / "host_vars" / "account_a", inventory / "host_vars" / "account_a")
    hosts = {
        "all": {
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
            "children": {
                "rocketmq_owner": {"hosts": {"account_a": None}},
                "rocketmq_partners": {"hosts": {partner["host"]: None for partner in partners}},
            },
        }
    }
    (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    for partner in partners:
        host_vars = inventory / "host_vars" / partner["host"]
        host_vars.mkdir(parents=True)
        values = {
            "apsaramq_account_uid": partner["uid"],
            "apsaramq_account_alias": partner["alias"],
            **partner.get("vars", {}),
        }
        (host_vars / "main.yml").write_text(yaml.safe_dump(values, sort_keys=False))
    return inventory


def account_a_env():
    """Account A's administrator keys where the example inventory reads them (ACCOUNT_A_ACCESS_KEY_ID / _SECRET)."""
    admin = ACCOUNTS["account_a"]["admin"]
    return {
        "ACCOUNT_A_ACCESS_KEY_ID": admin["access_key_id"],
        "ACCOUNT_A_ACCESS_KEY_SECRET": admin["access_key_secret"],
    }
