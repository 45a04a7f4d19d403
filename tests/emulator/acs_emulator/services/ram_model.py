"""RAM of one Alibaba Cloud account: users and their AccessKeys, roles, custom policies and their versions,
policy attachments (to users, roles and groups) and tags. Groups, memberships, login profiles and the password
policy are in ``ram_people_model.PeopleMixin``, part of the same backend.

The backend is plain Python over JSON-compatible dicts so that ``to_dict()`` is the persisted state. Records use
the API's own field names for everything the API returns (``RoleName``, ``CreateDate``...) and lower-case names for
bookkeeping (``attachments``, ``versions``, ``tags``, ``changed_at``); ``public(record)`` keeps only the former.
Rule violations raise ``ApiError`` with RAM's codes and statuses; the responses layer (``ram.py``) parses request
parameters and shapes the answers.

``changed_at`` is a monotonic stamp (seconds since the epoch) on roles, users, groups, custom policies and
attachments; the fault injector reads it through ``change_stamp_for_role``/``change_stamp_for_user`` to emulate
propagation delays. A user's effective policies are its own plus those of its groups, and so is its stamp.
"""

import copy
import json
import re
import threading
import time
from typing import Dict, Iterable, List, Optional, Tuple

from ..errors import ApiError, invalid
from ..policy_grammar import parse_policy_document
from ..state import register_account_part
from .ram_common import check_length, check_name, public, utc_now
from .ram_common import fold as _fold
from .ram_common import random_digits as _random_digits
from .ram_common import random_text as _random_text
from .ram_common import synchronized as _synchronized
from .ram_people_model import PeopleMixin
from .system_policies import SYSTEM_POLICIES

MAX_POLICY_VERSIONS = 5
MAX_ACCESS_KEYS_PER_USER = 2
# Policies a user, role or group may hold, by type (RAM Limits page, alibabacloud.com/help/en/ram/product-overview/limits:
# 20 system and 10 custom policies each); beyond: 409 LimitExceeded.<Entity>.Policy (RAM error table).
MAX_ATTACHED_POLICIES = {"System": 20, "Custom": 10}
MAX_TAGS_PER_RESOURCE = 20
MAX_TAG_KEY_LENGTH = 128
MAX_TAG_VALUE_LENGTH = 256
RESERVED_TAG_PREFIXES = ("aliyun", "acs:")
ACCESS_KEY_STATUSES = ("Active", "Inactive")  # UpdateAccessKey: "Status: Active or Inactive"
SESSION_DURATION_RANGE = (3600, 43200)
DEFAULT_SESSION_DURATION = 3600
ROTATE_STRATEGIES = ("None", "DeleteOldestNonDefaultVersionWhenLimitExceeded")
POLICY_TYPES = ("System", "Custom")

_ROLE_NAME = re.compile(r"^[A-Za-z0-9.\-]+$")
_POLICY_NAME = re.compile(r"^[A-Za-z0-9\-]+$")
_USER_NAME = re.compile(r"^[A-Za-z0-9._\-]+$")


# ---------------------------------------------------------------------------------------------------------------
# Parameter rules shared by the API and the seed
# ---------------------------------------------------------------------------------------------------------------


def check_role_name(value: str) -> str:
    return check_name(value, "RoleName", _ROLE_NAME, 64, "letters, digits, periods (.) and hyphens (-)")


def check_policy_name(value: str) -> str:
    return check_name(value, "PolicyName", _POLICY_NAME, 128, "letters, digits and hyphens (-)")


def check_user_name(value: str, param: str = "UserName") -> str:
    return check_name(value, param, _USER_NAME, 64, "letters, digits, periods (.), hyphens (-) and underscores (_)")


def check_session_duration(value: int) -> int:
    low, high = SESSION_DURATION_RANGE
    if not low <= value <= high:
        raise invalid("MaxSessionDuration", f"MaxSessionDuration must be between {low} and {high} seconds.")
    return value


def check_policy_type(value: str) -> str:
    if value not in POLICY_TYPES:
        raise invalid("PolicyType", "PolicyType must be System or Custom.")
    return value


def _reserved_tag_text(text: str) -> bool:
    """Alibaba Cloud's general tag rule, read strictly (the RAM reference gives only the lengths): no reserved
    prefix (aliyun, acs:) and no URL scheme, in keys and values alike."""
    lowered = text.lower()
    return lowered.startswith(RESERVED_TAG_PREFIXES) or any(scheme in lowered for scheme in ("http://", "https://"))


def check_tags(tags: Dict[str, str]) -> Dict[str, str]:
    """A resource's whole tag set: at most 20 tags, keys 1-128 characters, values at most 256 (the SDK models' limits)."""
    if len(tags) > MAX_TAGS_PER_RESOURCE:
        raise ApiError(409, "LimitExceeded.Tag", f"A resource can have at most {MAX_TAGS_PER_RESOURCE} tags.")
    for key, value in tags.items():
        if not 1 <= len(key) <= MAX_TAG_KEY_LENGTH or _reserved_tag_text(key):
            raise invalid(
                "Tag.Key",
                f"A tag key must be 1 to {MAX_TAG_KEY_LENGTH} characters, not start with aliyun or acs: "
                "and not contain http:// or https://.",
            )
        if len(value) > MAX_TAG_VALUE_LENGTH or _reserved_tag_text(value):
            raise invalid(
                "Tag.Value",
                f"A tag value must be at most {MAX_TAG_VALUE_LENGTH} characters, not start with aliyun "
                "or acs: and not contain http:// or https://.",
            )
    return tags


# ---------------------------------------------------------------------------------------------------------------
# Policy documents
# ---------------------------------------------------------------------------------------------------------------


def document_text(document) -> str:
    """Seed documents may be YAML mappings or JSON strings; RAM stores text."""
    return document if isinstance(document, str) else json.dumps(document)


# ---------------------------------------------------------------------------------------------------------------
# The backend
# ---------------------------------------------------------------------------------------------------------------

# What differs between the kinds of principal a policy is attached to: where they are kept, the entity name of
# their error codes, and their row in ListEntitiesForPolicy.
_PRINCIPALS = {
    "role": {"collection": "roles", "entity": "Role", "entity_fields": ("RoleName", "RoleId", "Arn", "Description")},
    "user": {"collection": "users", "entity": "User", "entity_fields": ("UserName", "UserId", "DisplayName")},
    "group": {"collection": "groups", "entity": "Group", "entity_fields": ("GroupName", "Comments")},
}


class RamBackend(PeopleMixin):
    """The RAM state of one account."""

    def __init__(self, account_uid: str, alias: Optional[str] = None):
        self.account_uid = str(account_uid)
        self.alias = alias
        self.users: Dict[str, dict] = {}  # folded name -> user record
        self.roles: Dict[str, dict] = {}  # folded name -> role record
        self.policies: Dict[str, dict] = {}  # name -> custom policy record
        self._init_people()  # self.groups (folded name -> group record), self.password_policy
        self._last_stamp = 0.0
        self._lock = threading.RLock()

    # -- persistence ---------------------------------------------------------------------------------------------

    @_synchronized
    def to_dict(self) -> dict:
        return copy.deepcopy(
            {
                "alias": self.alias,
                "users": self.users,
                "roles": self.roles,
                "policies": self.policies,
                **self._people_dict(),
                "last_stamp": self._last_stamp,
            }
        )

    @classmethod
    def from_dict(cls, uid: str, data: dict) -> "RamBackend":
        data = copy.deepcopy(data)
        backend = cls(uid, data.get("alias"))
        backend.users = data.get("users", {})
        backend.roles = data.get("roles", {})
        backend.policies = data.get("policies", {})
        backend._init_people(data)
        backend._last_stamp = data.get("last_stamp", 0.0)
        return backend

    @_synchronized
    def seed(self, account_seed: dict) -> None:
        """Load one account of the seed file: custom policies first, since users, roles and groups refer to them;
        groups last, since they name their members."""
        self.alias = account_seed.get("alias", self.alias)
        for policy in account_seed.get("policies") or ():
            self.create_policy(policy["name"], document_text(policy["document"]), policy.get("description"))
        for user in account_seed.get("users") or ():
            self._seed_user(user)
        for role in account_seed.get("roles") or ():
            self._seed_role(role)
        for group in account_seed.get("groups") or ():
            self._seed_group(group)

    def _seed_user(self, user: dict) -> None:
        self.create_user(user["name"], display_name=user.get("display_name"), comments=user.get("comments"))
        for key in user.get("access_keys") or ():
            self.create_access_key(user["name"], key_id=key["id"], secret=key["secret"])
        self._seed_attachments("user", user)

    def _seed_role(self, role: dict) -> None:
        self.create_role(
            role["name"],
            document_text(role["trust"]),
            role.get("description"),
            int(role.get("max_session_duration", DEFAULT_SESSION_DURATION)),
        )
        self._seed_attachments("role", role)

    def _seed_attachments(self, kind: str, principal: dict) -> None:
        """The seed names policies without their type: a system policy's name is never a custom one's."""
        for policy_name in principal.get("policies") or ():
            policy_type = "System" if policy_name in SYSTEM_POLICIES else "Custom"
            self.attach_policy(kind, principal["name"], policy_name, policy_type)

    def _stamp(self) -> float:
        self._last_stamp = max(time.time(), self._last_stamp + 1e-6)
        return self._last_stamp

    def arn(self, kind: str, name: str) -> str:
        return f"acs:ram::{self.account_uid}:{kind}/{name}"

    # -- users and AccessKeys -----------------------------------------------------------------------------------

    @_synchronized
    def create_user(
        self,
        name: str,
        display_name: Optional[str] = None,
        comments: Optional[str] = None,
        email: Optional[str] = None,
        mobile_phone: Optional[str] = None,
    ) -> dict:
        check_user_name(name)
        check_length(display_name, "DisplayName", 128)
        check_length(comments, "Comments", 128)
        if _fold(name) in self.users:
            raise ApiError(409, "EntityAlreadyExists.User", f"The user already exists: {name}")
        now = utc_now()
        user = {
            "UserName": name,
            "UserId": _random_digits(16),
            "DisplayName": display_name or name,
            "Comments": comments or "",
            "Email": email or "",
            "MobilePhone": mobile_phone or "",
            "CreateDate": now,
            "UpdateDate": now,
            "access_keys": [],
            "attachments": [],
            "changed_at": self._stamp(),
        }
        self.users[_fold(name)] = user
        return public(user)

    def _user(self, name: str) -> dict:
        return self._principal("user", name)

    @_synchronized
    def get_user(self, name: str) -> Optional[dict]:
        return self._public_principal("user", name)

    @_synchronized
    def require_user(self, name: str) -> dict:
        return public(self._user(name))

    @_synchronized
    def update_user(self, name: str, new_name: Optional[str] = None, **changes: Optional[str]) -> dict:
        """``changes``: DisplayName, Comments, Email, MobilePhone (None = unchanged)."""
        user = self._user(name)
        check_length(changes.get("DisplayName"), "NewDisplayName", 128)
        check_length(changes.get("Comments"), "NewComments", 128)
        if new_name is not None and _fold(new_name) != _fold(user["UserName"]):
            check_user_name(new_name, "NewUserName")
            if _fold(new_name) in self.users:
                raise ApiError(409, "EntityAlreadyExists.User", f"The user already exists: {new_name}")
            del self.users[_fold(user["UserName"])]
            self.users[_fold(new_name)] = user
        if new_name is not None:
            user["UserName"] = new_name
        user.update({field: value for field, value in changes.items() if value is not None})
        user["UpdateDate"] = utc_now()
        user["changed_at"] = self._stamp()
        return public(user)

    @_synchronized
    def delete_user(self, name: str) -> None:
        """Refused while anything hangs on the user (DeleteUser reference: DeleteConflict.User.*), checked in this
        order (an assumption: the reference lists the codes, not their precedence)."""
        user = self._user(name)
        if user["attachments"]:
            raise ApiError(409, "DeleteConflict.User.Policy", f"The user still has policies attached: {name}")
        if user["access_keys"]:
            raise ApiError(409, "DeleteConflict.User.AccessKey", f"The user still has AccessKeys: {name}")
        if self._groups_of(user):
            raise ApiError(409, "DeleteConflict.User.Group", f"The user still belongs to groups: {name}")
        if user.get("login_profile") is not None:
            raise ApiError(409, "DeleteConflict.User.LoginProfile", f"The user still has a login profile: {name}")
        del self.users[_fold(name)]
        self._stamp()

    @_synchronized
    def list_users(self) -> List[dict]:
        return [public(user) for user in self.users.values()]

    @_synchronized
    def create_access_key(self, user_name: str, key_id: Optional[str] = None, secret: Optional[str] = None) -> dict:
        """A new pair for ``user_name``; the secret is returned here and never again."""
        user = self._user(user_name)
        if len(user["access_keys"]) >= MAX_ACCESS_KEYS_PER_USER:
            raise ApiError(
                409, "LimitExceeded.User.AccessKey", f"A user can have at most {MAX_ACCESS_KEYS_PER_USER} AccessKeys."
            )
        key_id = key_id or "LTAI" + _random_text(20)
        if self._find_key(key_id) is not None:
            raise ApiError(409, "EntityAlreadyExists.User.AccessKey", f"The AccessKey already exists: {key_id}")
        key = {
            "AccessKeyId": key_id,
            "AccessKeySecret": secret or _random_text(30),
            "Status": "Active",
            "CreateDate": utc_now(),
        }
        user["access_keys"].append(key)
        return dict(key)

    @_synchronized
    def list_access_keys(self, user_name: str) -> List[dict]:
        return [
            {field: key[field] for field in ("AccessKeyId", "Status", "CreateDate")}
            for key in self._user(user_name)["access_keys"]
        ]

    @_synchronized
    def update_access_key(self, user_name: str, key_id: str, status: str) -> None:
        """Active or Inactive; an inactive key is refused at authentication (InvalidAccessKeyId.Inactive) until
        it is made active again. Not a permission change: no propagation delay follows it."""
        if status not in ACCESS_KEY_STATUSES:
            raise invalid("Status", f"The parameter Status must be one of {', '.join(ACCESS_KEY_STATUSES)}.")
        user = self._user(user_name)
        key = next((key for key in user["access_keys"] if key["AccessKeyId"] == key_id), None)
        if key is None:
            raise ApiError(404, "EntityNotExist.User.AccessKey", f"The AccessKey does not exist: {key_id}")
        key["Status"] = status

    @_synchronized
    def delete_access_key(self, user_name: str, key_id: str) -> None:
        user = self._user(user_name)
        remaining = [key for key in user["access_keys"] if key["AccessKeyId"] != key_id]
        if len(remaining) == len(user["access_keys"]):
            raise ApiError(404, "EntityNotExist.User.AccessKey", f"The AccessKey does not exist: {key_id}")
        user["access_keys"] = remaining
        user["changed_at"] = self._stamp()

    def _find_key(self, key_id: str) -> Optional[Tuple[dict, dict]]:
        for user in self.users.values():
            for key in user["access_keys"]:
                if key["AccessKeyId"] == key_id:
                    return user, key
        return None

    @_synchronized
    def find_access_key(self, ak_id: str) -> Optional[dict]:
        """For the signature layer: whose key it is, its secret and whether it is active."""
        found = self._find_key(ak_id)
        if found is None:
            return None
        user, key = found
        return {
            "user_name": user["UserName"],
            "user_id": user["UserId"],
            "secret": key["AccessKeySecret"],
            "status": key["Status"],
        }

    # -- roles ----------------------------------------------------------------------------------------------------

    @_synchronized
    def create_role(
        self,
        name: str,
        trust_document: str,
        description: Optional[str] = None,
        max_session_duration: int = DEFAULT_SESSION_DURATION,
        tags: Optional[Dict[str, str]] = None,
    ) -> dict:
        check_role_name(name)
        parse_policy_document(trust_document, "trust", "AssumeRolePolicyDocument")
        check_length(description, "Description", 1024)
        check_session_duration(max_session_duration)
        check_tags(tags or {})
        if _fold(name) in self.roles:
            raise ApiError(409, "EntityAlreadyExists.Role", f"The role already exists: {name}")
        now = utc_now()
        role = {
            "RoleName": name,
            "RoleId": _random_digits(19),
            "Arn": self.arn("role", name),
            "AssumeRolePolicyDocument": trust_document,
            "Description": description or "",
            "MaxSessionDuration": max_session_duration,
            "CreateDate": now,
            "UpdateDate": now,
            "attachments": [],
            "tags": dict(tags or {}),
            "changed_at": self._stamp(),
        }
        self.roles[_fold(name)] = role
        return public(role)

    def _role(self, name: str) -> dict:
        return self._principal("role", name)

    @_synchronized
    def get_role(self, name: str) -> Optional[dict]:
        return self._public_principal("role", name)

    @_synchronized
    def require_role(self, name: str) -> dict:
        return public(self._role(name))

    @_synchronized
    def update_role(
        self,
        name: str,
        trust_document: Optional[str] = None,
        description: Optional[str] = None,
        max_session_duration: Optional[int] = None,
    ) -> dict:
        role = self._role(name)
        if trust_document is not None:
            parse_policy_document(trust_document, "trust", "NewAssumeRolePolicyDocument")
        check_length(description, "NewDescription", 1024)
        if max_session_duration is not None:
            check_session_duration(max_session_duration)
        changes = {
            "AssumeRolePolicyDocument": trust_document,
            "Description": description,
            "MaxSessionDuration": max_session_duration,
        }
        role.update({field: value for field, value in changes.items() if value is not None})
        role["UpdateDate"] = utc_now()
        role["changed_at"] = self._stamp()
        return public(role)

    @_synchronized
    def delete_role(self, name: str) -> None:
        role = self._role(name)
        if role["attachments"]:
            raise ApiError(
                409,
                "DeleteConflict.Role.Policy",
                f"The role still has policies attached; detach them first: {role['RoleName']}",
            )
        del self.roles[_fold(name)]
        self._stamp()

    @_synchronized
    def list_roles(self, tag_filter: Optional[Dict[str, Optional[str]]] = None) -> List[dict]:
        return [
            dict(public(role), Tags=self._tag_list(role)) for role in self.roles.values() if _has_tags(role, tag_filter)
        ]

    @staticmethod
    def _tag_list(record: dict) -> List[dict]:
        return [{"TagKey": key, "TagValue": value} for key, value in record["tags"].items()]

    # -- custom and system policies ------------------------------------------------------------------------------

    @_synchronized
    def create_policy(
        self, name: str, document: str, description: Optional[str] = None, tags: Optional[Dict[str, str]] = None
    ) -> dict:
        check_policy_name(name)
        parse_policy_document(document)
        check_length(description, "Description", 1024)
        check_tags(tags or {})
        if name in self.policies or name in SYSTEM_POLICIES:
            raise ApiError(409, "EntityAlreadyExists.Policy", f"The policy already exists: {name}")
        now = utc_now()
        policy = {
            "PolicyName": name,
            "PolicyType": "Custom",
            "Description": description or "",
            "DefaultVersion": "v1",
            "CreateDate": now,
            "UpdateDate": now,
            "versions": [{"VersionId": "v1", "PolicyDocument": document, "CreateDate": now}],
            "next_version": 2,
            "tags": dict(tags or {}),
            "changed_at": self._stamp(),
        }
        self.policies[name] = policy
        return public(policy)

    def _custom_policy(self, name: str) -> dict:
        policy = self.policies.get(name or "")
        if policy is None:
            raise ApiError(404, "EntityNotExist.Policy", f"The custom policy does not exist: {name}")
        return policy

    def _policy(self, name: str, policy_type: str) -> dict:
        """A custom policy record, or a read-only record built from the system policy table."""
        check_policy_type(policy_type)
        if policy_type == "Custom":
            return self._custom_policy(name)
        system = SYSTEM_POLICIES.get(name or "")
        if system is None:
            raise ApiError(404, "EntityNotExist.Policy", f"The system policy does not exist: {name}")
        return {
            "PolicyName": name,
            "PolicyType": "System",
            "Description": system["Description"],
            "DefaultVersion": system["DefaultVersion"],
            "CreateDate": system["CreateDate"],
            "UpdateDate": system["UpdateDate"],
            "tags": {},
            "changed_at": 0.0,
            "versions": [
                {
                    "VersionId": system["DefaultVersion"],
                    "PolicyDocument": system["PolicyDocument"],
                    "CreateDate": system["UpdateDate"],
                }
            ],
        }

    def _attachment_count(self, name: str, policy_type: str) -> int:
        return len(self._attached_principals(name, policy_type))

    def _attached_principals(self, name: str, policy_type: str) -> List[Tuple[str, dict, dict]]:
        """(kind, principal record, attachment) for each role and user holding the policy."""
        found = []
        for kind, traits in _PRINCIPALS.items():
            for principal in getattr(self, traits["collection"]).values():
                found.extend(
                    (kind, principal, attachment)
                    for attachment in principal["attachments"]
                    if attachment["PolicyName"] == name and attachment["PolicyType"] == policy_type
                )
        return found

    def _policy_summary(self, policy: dict) -> dict:
        summary = {
            field: policy[field]
            for field in ("PolicyName", "PolicyType", "Description", "DefaultVersion", "CreateDate", "UpdateDate")
        }
        summary["AttachmentCount"] = self._attachment_count(policy["PolicyName"], policy["PolicyType"])
        return summary

    @staticmethod
    def _version_view(policy: dict, version: dict) -> dict:
        return {
            "VersionId": version["VersionId"],
            "PolicyDocument": version["PolicyDocument"],
            "IsDefaultVersion": version["VersionId"] == policy["DefaultVersion"],
            "CreateDate": version["CreateDate"],
        }

    @staticmethod
    def _default_version(policy: dict) -> dict:
        return next(version for version in policy["versions"] if version["VersionId"] == policy["DefaultVersion"])

    @_synchronized
    def get_policy(self, name: str, policy_type: str) -> Tuple[dict, dict]:
        """(Policy summary with AttachmentCount and the default document, DefaultPolicyVersion)."""
        policy = self._policy(name, policy_type)
        default = self._default_version(policy)
        summary = dict(self._policy_summary(policy), PolicyDocument=default["PolicyDocument"])
        return summary, self._version_view(policy, default)

    @_synchronized
    def update_policy_description(self, name: str, description: str) -> dict:
        policy = self._custom_policy(name)
        policy["Description"] = check_length(description, "NewDescription", 1024)
        policy["UpdateDate"] = utc_now()
        return public(policy)

    @_synchronized
    def list_policies(
        self, policy_type: Optional[str] = None, tag_filter: Optional[Dict[str, Optional[str]]] = None
    ) -> List[dict]:
        """System policies first, then custom ones in creation order, as the console lists them."""
        records = []
        if policy_type in (None, "System") and not tag_filter:
            records.extend(self._policy(name, "System") for name in SYSTEM_POLICIES)
        if policy_type in (None, "Custom"):
            records.extend(policy for policy in self.policies.values() if _has_tags(policy, tag_filter))
        return [dict(self._policy_summary(policy), Tags=self._tag_list(policy)) for policy in records]

    @_synchronized
    def delete_policy(self, name: str, cascading: bool = False) -> None:
        policy = self._custom_policy(name)
        attached = self._attached_principals(name, "Custom")
        if attached:
            kind = attached[0][0]
            raise ApiError(
                409,
                f"DeleteConflict.Policy.{_PRINCIPALS[kind]['entity']}",
                f"The policy is still attached to a {kind}; detach it first: {name}",
            )
        if len(policy["versions"]) > 1 and not cascading:
            raise ApiError(
                409,
                "DeleteConflict.Policy.Version",
                f"The policy has non-default versions; delete them first or set CascadingDelete: {name}",
            )
        del self.policies[name]
        self._stamp()

    @_synchronized
    def create_policy_version(
        self, name: str, document: str, set_as_default: bool = False, rotate_strategy: str = "None"
    ) -> dict:
        policy = self._custom_policy(name)
        parse_policy_document(document)
        if rotate_strategy not in ROTATE_STRATEGIES:
            raise invalid("RotateStrategy", f"RotateStrategy must be one of {', '.join(ROTATE_STRATEGIES)}.")
        if len(policy["versions"]) >= MAX_POLICY_VERSIONS:
            self._make_room_for_version(policy, rotate_strategy)
        now = utc_now()
        version = {"VersionId": f"v{policy['next_version']}", "PolicyDocument": document, "CreateDate": now}
        policy["next_version"] += 1
        policy["versions"].append(version)
        if set_as_default:
            policy["DefaultVersion"] = version["VersionId"]
        policy["UpdateDate"] = now
        policy["changed_at"] = self._stamp()
        return self._version_view(policy, version)

    def _make_room_for_version(self, policy: dict, rotate_strategy: str) -> None:
        if rotate_strategy != "DeleteOldestNonDefaultVersionWhenLimitExceeded":
            raise ApiError(
                409,
                "LimitExceeded.Policy.Version",
                f"A policy can have at most {MAX_POLICY_VERSIONS} versions: {policy['PolicyName']}",
            )
        oldest = next(version for version in policy["versions"] if version["VersionId"] != policy["DefaultVersion"])
        policy["versions"].remove(oldest)

    def _version(self, policy: dict, version_id: str) -> dict:
        for version in policy["versions"]:
            if version["VersionId"] == version_id:
                return version
        raise ApiError(
            404,
            "EntityNotExist.Policy.Version",
            f"The policy version does not exist: {policy['PolicyName']} {version_id}",
        )

    @_synchronized
    def get_policy_version(self, name: str, policy_type: str, version_id: str) -> dict:
        policy = self._policy(name, policy_type)
        return self._version_view(policy, self._version(policy, version_id))

    @_synchronized
    def list_policy_versions(self, name: str, policy_type: str) -> List[dict]:
        policy = self._policy(name, policy_type)
        return [self._version_view(policy, version) for version in policy["versions"]]

    @_synchronized
    def delete_policy_version(self, name: str, version_id: str) -> None:
        policy = self._custom_policy(name)
        version = self._version(policy, version_id)
        if version_id == policy["DefaultVersion"]:
            raise ApiError(
                409,
                "DeleteConflict.Policy.Version.Default",
                f"The default version of a policy cannot be deleted: {name} {version_id}",
            )
        policy["versions"].remove(version)
        policy["changed_at"] = self._stamp()

    @_synchronized
    def set_default_policy_version(self, name: str, version_id: str) -> None:
        policy = self._custom_policy(name)
        self._version(policy, version_id)
        policy["DefaultVersion"] = version_id
        policy["UpdateDate"] = utc_now()
        policy["changed_at"] = self._stamp()

    # -- attachments ------------------------------------------------------------------------------------------------

    def _find_principal(self, kind: str, name: Optional[str]) -> Optional[dict]:
        """The "role", "user" or "group" record called ``name`` (matched case-insensitively), or None."""
        return getattr(self, _PRINCIPALS[kind]["collection"]).get(_fold(name or ""))

    def _principal(self, kind: str, name: str) -> dict:
        principal = self._find_principal(kind, name)
        if principal is None:
            raise ApiError(404, f"EntityNotExist.{_PRINCIPALS[kind]['entity']}", f"The {kind} does not exist: {name}")
        return principal

    def _public_principal(self, kind: str, name: str) -> Optional[dict]:
        principal = self._find_principal(kind, name)
        return public(principal) if principal else None

    @_synchronized
    def attach_policy(self, kind: str, principal_name: str, policy_name: str, policy_type: str) -> None:
        """Attach to a "role", a "user" or a "group"."""
        principal = self._principal(kind, principal_name)
        self._policy(policy_name, policy_type)
        entity = _PRINCIPALS[kind]["entity"]
        if self._attachment(principal, policy_name, policy_type) is not None:
            raise ApiError(
                409,
                f"EntityAlreadyExists.{entity}.Policy",
                f"The policy is already attached to the {kind}: {policy_name}",
            )
        held = sum(1 for attachment in principal["attachments"] if attachment["PolicyType"] == policy_type)
        if held >= MAX_ATTACHED_POLICIES[policy_type]:
            raise ApiError(
                409,
                f"LimitExceeded.{entity}.Policy",
                f"A {kind} can hold at most {MAX_ATTACHED_POLICIES[policy_type]} {policy_type.lower()} policies.",
            )
        stamp = self._stamp()
        principal["attachments"].append(
            {"PolicyName": policy_name, "PolicyType": policy_type, "AttachDate": utc_now(), "changed_at": stamp}
        )
        principal["changed_at"] = stamp

    @_synchronized
    def detach_policy(self, kind: str, principal_name: str, policy_name: str, policy_type: str) -> None:
        principal = self._principal(kind, principal_name)
        check_policy_type(policy_type)
        attachment = self._attachment(principal, policy_name, policy_type)
        if attachment is None:
            entity = _PRINCIPALS[kind]["entity"]
            raise ApiError(
                404, f"EntityNotExist.{entity}.Policy", f"The policy is not attached to the {kind}: {policy_name}"
            )
        principal["attachments"].remove(attachment)
        principal["changed_at"] = self._stamp()

    @staticmethod
    def _attachment(principal: dict, policy_name: str, policy_type: str) -> Optional[dict]:
        return next(
            (
                attachment
                for attachment in principal["attachments"]
                if attachment["PolicyName"] == policy_name and attachment["PolicyType"] == policy_type
            ),
            None,
        )

    @_synchronized
    def policies_for(self, kind: str, principal_name: str) -> List[dict]:
        """ListPoliciesForRole/User rows: PolicyName, PolicyType, Description, DefaultVersion, AttachDate."""
        rows = []
        for attachment in self._principal(kind, principal_name)["attachments"]:
            policy = self._policy(attachment["PolicyName"], attachment["PolicyType"])
            rows.append(
                {
                    "PolicyName": policy["PolicyName"],
                    "PolicyType": policy["PolicyType"],
                    "Description": policy["Description"],
                    "DefaultVersion": policy["DefaultVersion"],
                    "AttachDate": attachment["AttachDate"],
                }
            )
        return rows

    @_synchronized
    def entities_for_policy(self, name: str, policy_type: str) -> Dict[str, List[dict]]:
        """ListEntitiesForPolicy rows by kind: {"Roles": [...], "Users": [...], "Groups": [...]}."""
        self._policy(name, policy_type)
        entities: Dict[str, List[dict]] = {f"{traits['entity']}s": [] for traits in _PRINCIPALS.values()}
        for kind, principal, attachment in self._attached_principals(name, policy_type):
            traits = _PRINCIPALS[kind]
            row = {field: principal[field] for field in traits["entity_fields"]}
            row["AttachDate"] = attachment["AttachDate"]
            entities[f"{traits['entity']}s"].append(row)
        return entities

    def _documents_for(self, principal: Optional[dict]) -> List[Tuple[str, dict]]:
        documents = []
        for attachment in principal["attachments"] if principal else ():
            policy = self._policy(attachment["PolicyName"], attachment["PolicyType"])
            documents.append((policy["PolicyName"], json.loads(self._default_version(policy)["PolicyDocument"])))
        return documents

    @_synchronized
    def policy_documents_for_user(self, name: str) -> List[Tuple[str, dict]]:
        """(policy name, parsed default document) for each policy attached to the user, then for each policy of
        each group it belongs to (in the order joined): a member holds its groups' rights; [] for an unknown user."""
        user = self._find_principal("user", name)
        documents = self._documents_for(user)
        for group in self._groups_of(user):
            documents.extend(self._documents_for(group))
        return documents

    @_synchronized
    def policy_documents_for_role(self, name: str) -> List[Tuple[str, dict]]:
        return self._documents_for(self._find_principal("role", name))

    def _change_stamp(self, principal: Optional[dict]) -> float:
        if principal is None:
            return self._last_stamp
        stamps = [principal["changed_at"]]
        stamps.extend(
            self.policies[attachment["PolicyName"]]["changed_at"]
            for attachment in principal["attachments"]
            if attachment["PolicyType"] == "Custom" and attachment["PolicyName"] in self.policies
        )
        return max(stamps)

    @_synchronized
    def change_stamp_for_role(self, name: str) -> float:
        """When the role's effective permissions last changed (role, attachments or attached policy versions).

        A deleted role reports the backend's latest change, since its deletion is a change too."""
        return self._change_stamp(self._find_principal("role", name))

    @_synchronized
    def change_stamp_for_user(self, name: str) -> float:
        """The user's own stamp (memberships stamp it too), and those of its groups, their attachments and the
        versions of their custom policies."""
        user = self._find_principal("user", name)
        return max([self._change_stamp(user), *(self._change_stamp(group) for group in self._groups_of(user))])

    # -- tags -----------------------------------------------------------------------------------------------------------

    @staticmethod
    def _check_resource_type(resource_type: str) -> str:
        if resource_type not in ("role", "policy"):
            raise invalid("ResourceType", "ResourceType must be role or policy.")
        return resource_type

    def _taggable(self, resource_type: str, name: str) -> dict:
        self._check_resource_type(resource_type)
        return self._role(name) if resource_type == "role" else self._custom_policy(name)

    @_synchronized
    def tag_resources(self, resource_type: str, names: Iterable[str], tags: Dict[str, str]) -> None:
        records = [self._taggable(resource_type, name) for name in names]
        for record in records:
            check_tags({**record["tags"], **tags})
        for record in records:
            record["tags"].update(tags)

    @_synchronized
    def untag_resources(
        self, resource_type: str, names: Iterable[str], keys: Iterable[str] = (), remove_all: bool = False
    ) -> None:
        records = [self._taggable(resource_type, name) for name in names]
        for record in records:
            record["tags"] = (
                {} if remove_all else {key: value for key, value in record["tags"].items() if key not in keys}
            )

    @_synchronized
    def list_tag_resources(
        self,
        resource_type: str,
        names: Optional[Iterable[str]] = None,
        tag_filter: Optional[Dict[str, Optional[str]]] = None,
    ) -> List[dict]:
        """Flat rows: ResourceName, ResourceType, TagKey, TagValue."""
        self._check_resource_type(resource_type)
        if names:
            records = [self._taggable(resource_type, name) for name in names]
        else:
            records = list((self.roles if resource_type == "role" else self.policies).values())
        name_field = "RoleName" if resource_type == "role" else "PolicyName"
        return [
            {"ResourceName": record[name_field], "ResourceType": resource_type, "TagKey": key, "TagValue": value}
            for record in records
            if _has_tags(record, tag_filter)
            for key, value in record["tags"].items()
        ]


def _has_tags(record: dict, tag_filter: Optional[Dict[str, Optional[str]]]) -> bool:
    """Every filter key present, with the given value when one is given."""
    tags = record.get("tags", {})
    return all(key in tags and (value is None or tags[key] == value) for key, value in (tag_filter or {}).items())


def _ram_from_seed(uid: str, account_seed: dict) -> RamBackend:
    backend = RamBackend(uid)
    backend.seed(account_seed)
    return backend


register_account_part("ram", from_seed=_ram_from_seed, from_dict=RamBackend.from_dict)
