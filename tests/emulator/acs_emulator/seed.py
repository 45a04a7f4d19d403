"""The seed document (YAML): which accounts exist at start, with their keys and service models.

See tests/emulator/README.md for the format. The account-level keys are checked here; each account part
(``ram``, ``rocketmq``...) reads its own keys from the same account mapping.
"""

import copy
import re
from typing import Dict

import yaml

from .errors import SeedError
from .state import PART_TYPES, AccountState


def load_seed(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        document = yaml.safe_load(handle) or {}
    validate_seed(document)
    return document


def validate_seed(document: dict) -> None:
    accounts = document.get("accounts") if isinstance(document, dict) else None
    if not isinstance(accounts, list) or not accounts:
        raise SeedError("the seed needs a non-empty 'accounts' list")
    seen_uids, seen_keys = set(), set()
    for index, account in enumerate(accounts):
        where = f"accounts[{index}]"
        if not isinstance(account, dict):
            raise SeedError(f"{where} is not a mapping")
        uid = str(account.get("uid", ""))
        if not re.fullmatch(r"\d{16}", uid):
            raise SeedError(f"{where}.uid must be a 16-digit account UID, got {uid!r}")
        if uid in seen_uids:
            raise SeedError(f"{where}.uid {uid} is declared twice")
        seen_uids.add(uid)
        for key_index, key in enumerate(account.get("root_access_keys") or []):
            if not isinstance(key, dict) or not key.get("id") or not key.get("secret"):
                raise SeedError(f"{where}.root_access_keys[{key_index}] needs id and secret")
            if key["id"] in seen_keys:
                raise SeedError(f"{where}.root_access_keys[{key_index}]: AccessKeyId {key['id']} is declared twice")
            seen_keys.add(key["id"])


def build_accounts(document: dict) -> Dict[str, AccountState]:
    """Fresh account states from a validated seed document (every call builds new objects)."""
    accounts = {}
    for account_seed in copy.deepcopy(document["accounts"]):
        uid = str(account_seed["uid"])
        account = AccountState(
            uid=uid,
            alias=str(account_seed.get("alias") or uid),
            root_keys={str(k["id"]): str(k["secret"]) for k in account_seed.get("root_access_keys") or []},
        )
        for name, part_type in PART_TYPES.items():
            setattr(account, name, part_type.from_seed(uid, account_seed))
        accounts[uid] = account
    return accounts
