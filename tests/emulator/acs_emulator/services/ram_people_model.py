"""RAM people of one account: user groups and their members, console login profiles and the account's password
policy. ``PeopleMixin`` is part of ``ram_model.RamBackend``; it works on the same records (``self.users``) and
the same lock, and groups take policies through the backend's generic attachments (``attach_policy("group", ...)``).

Records: a group is ``{GroupName, GroupId, Comments, CreateDate, UpdateDate, attachments, members, changed_at}``,
each member ``{"UserId", "JoinDate", "joined"}`` (by UserId, so a renamed user stays a member; ``joined`` is a
monotonic stamp that orders memberships). A user's login profile is ``user["login_profile"]``: ``{CreateDate,
PasswordResetRequired, MFABindRequired, password_hash, password_history}``. Passwords are never stored: only a
salted PBKDF2 hash, and the hashes of the previous ones for ``PasswordReusePrevention``.

Rules and codes: RAM API 2015-05-01 (AlibabaCloudDocs/ram, ``intl.zh-CN/API参考/API 参考（RAM）/组管理接口`` and
``用户管理接口``; the error table ``intl.en-US/API Reference/Error messages.md``), the Limits page
(alibabacloud.com/help/en/ram/product-overview/limits: 300 groups per account, 10 groups per user, group names of
64 characters) and SetPasswordPolicy (``intl.en-US/API Reference/API Reference (IMS)/Security settings``: defaults and
ranges). Readings where those pages are silent are in the README's assumptions table.
"""

import hashlib
import hmac
import re
import secrets
import string
from typing import Dict, List, Optional, Tuple

from ..errors import ApiError, invalid
from .ram_common import check_length, check_name, fold, public, random_text, synchronized, utc_now

MAX_GROUPS_PER_ACCOUNT = 300
MAX_GROUPS_PER_USER = 10
GROUP_NAME_MAX_CHARS = 64
COMMENTS_MAX_CHARS = 128
# The documented policy defaults (SetPasswordPolicy: "Default value: 8", "false", "0").
PASSWORD_POLICY_DEFAULTS = {
    "MinimumPasswordLength": 8,
    "RequireLowercaseCharacters": False,
    "RequireUppercaseCharacters": False,
    "RequireNumbers": False,
    "RequireSymbols": False,
    "HardExpiry": False,
    "MaxLoginAttemps": 0,
    "MaxPasswordAge": 0,
    "PasswordReusePrevention": 0,
}
# Valid values of the integer settings (SetPasswordPolicy: "8 to 32", "0 to 32", "0 to 24", "0 to 1095").
PASSWORD_POLICY_RANGES = {
    "MinimumPasswordLength": (8, 32),
    "MaxLoginAttemps": (0, 32),
    "PasswordReusePrevention": (0, 24),
    "MaxPasswordAge": (0, 1095),
}
PASSWORD_MAX_CHARS = 32  # an assumption (README): no page gives a maximum
PASSWORD_HISTORY_KEPT = 24  # the largest PasswordReusePrevention
_PBKDF2_ROUNDS = 20000  # an emulator's hash: slow enough to be a hash, fast enough for tests
_SYMBOLS = set(string.punctuation)
_CHARACTER_RULES = (
    ("RequireLowercaseCharacters", "a lowercase letter", set(string.ascii_lowercase)),
    ("RequireUppercaseCharacters", "an uppercase letter", set(string.ascii_uppercase)),
    ("RequireNumbers", "a digit", set(string.digits)),
    ("RequireSymbols", "a symbol", _SYMBOLS),
)
_PRINTABLE = set(string.ascii_letters + string.digits) | _SYMBOLS
_GROUP_NAME = re.compile(r"^[A-Za-z0-9._\-]+$")


def check_group_name(value: str, param: str = "GroupName") -> str:
    """1 to 64 letters, digits, periods, hyphens and underscores (CreateGroup, 2015-05-01)."""
    return check_name(
        value, param, _GROUP_NAME, GROUP_NAME_MAX_CHARS, "letters, digits, periods (.), hyphens (-) and underscores (_)"
    )


def too_weak(rule: str) -> ApiError:
    """The documented refusal of a password; the message names the rule, never the password."""
    return invalid("Password.TooWeak", f'The parameter - "Password" is not compliant with the password policy: {rule}.')


def hash_password(password: str) -> str:
    salt = secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), _PBKDF2_ROUNDS).hex()
    return f"pbkdf2_sha256${_PBKDF2_ROUNDS}${salt}${digest}"


def password_matches(password: str, stored: str) -> bool:
    _scheme, rounds, salt, digest = stored.split("$")
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), int(rounds)).hex()
    return hmac.compare_digest(candidate, digest)


def check_password(password: str, policy: Dict[str, object]) -> str:
    """The password if the account's policy accepts it, else 400 InvalidParameter.Password.TooWeak."""
    if not set(password) <= _PRINTABLE:
        raise too_weak("only printable ASCII letters, digits and symbols are accepted, no spaces")
    minimum = int(policy["MinimumPasswordLength"])
    if not minimum <= len(password) <= PASSWORD_MAX_CHARS:
        raise too_weak(f"the length must be {minimum} to {PASSWORD_MAX_CHARS} characters")
    for setting, what, characters in _CHARACTER_RULES:
        if policy[setting] and not characters & set(password):
            raise too_weak(f"{setting} asks for at least {what}")
    return password


def _login_profile_view(user: dict) -> dict:
    """GetLoginProfile/CreateLoginProfile's LoginProfile (alibabacloud_ram20150501 1.3.0)."""
    profile = user["login_profile"]
    return {
        "UserName": user["UserName"],
        "PasswordResetRequired": profile["PasswordResetRequired"],
        "MFABindRequired": profile["MFABindRequired"],
        "CreateDate": profile["CreateDate"],
    }


class PeopleMixin:
    """Groups, memberships, login profiles and the password policy of a ``RamBackend``."""

    # Provided by RamBackend: the records, the lock, the stamps and the principal helpers.
    users: Dict[str, dict]
    groups: Dict[str, dict]
    password_policy: Dict[str, object]

    def _init_people(self, data: Optional[dict] = None) -> None:
        data = data or {}
        self.groups = data.get("groups", {})
        self.password_policy = dict(PASSWORD_POLICY_DEFAULTS, **data.get("password_policy", {}))

    def _people_dict(self) -> dict:
        return {"groups": self.groups, "password_policy": self.password_policy}

    def _seed_group(self, group: dict) -> None:
        """A seed group: ``{name, comments, members: [user names], policies: [policy names]}``."""
        self.create_group(group["name"], group.get("comments"))
        for member in group.get("members") or ():
            self.add_user_to_group(member, group["name"])
        self._seed_attachments("group", group)

    # -- groups -----------------------------------------------------------------------------------------------

    def _group(self, name: str) -> dict:
        return self._principal("group", name)

    @synchronized
    def create_group(self, name: str, comments: Optional[str] = None) -> dict:
        check_group_name(name)
        check_length(comments, "Comments", COMMENTS_MAX_CHARS)
        if fold(name) in self.groups:
            raise ApiError(409, "EntityAlreadyExists.Group", f"The group already exists: {name}")
        if len(self.groups) >= MAX_GROUPS_PER_ACCOUNT:
            raise ApiError(409, "LimitExceeded.Group", f"An account can have at most {MAX_GROUPS_PER_ACCOUNT} groups.")
        now = utc_now()
        group = {
            "GroupName": name,
            "GroupId": "g-" + random_text(16),
            "Comments": comments or "",
            "CreateDate": now,
            "UpdateDate": now,
            "attachments": [],
            "members": [],
            "changed_at": self._stamp(),
        }
        self.groups[fold(name)] = group
        return public(group)

    @synchronized
    def get_group(self, name: str) -> dict:
        return public(self._group(name))

    @synchronized
    def update_group(self, name: str, new_name: Optional[str] = None, new_comments: Optional[str] = None) -> dict:
        """Rename and/or re-comment; members and policies follow the group (a name is not a permission)."""
        group = self._group(name)
        if new_name is not None:
            check_group_name(new_name, "NewGroupName")
        check_length(new_comments, "NewComments", COMMENTS_MAX_CHARS)
        if new_name is not None and fold(new_name) != fold(group["GroupName"]):
            if fold(new_name) in self.groups:
                raise ApiError(409, "EntityAlreadyExists.Group", f"The group already exists: {new_name}")
            del self.groups[fold(group["GroupName"])]
            self.groups[fold(new_name)] = group
        if new_name is not None:
            group["GroupName"] = new_name
        if new_comments is not None:
            group["Comments"] = new_comments
        group["UpdateDate"] = utc_now()
        return public(group)

    @synchronized
    def delete_group(self, name: str) -> None:
        group = self._group(name)
        if group["members"]:
            raise ApiError(
                409,
                "DeleteConflict.Group.User",
                f"The group still has members; remove them first: {group['GroupName']}",
            )
        if group["attachments"]:
            raise ApiError(
                409,
                "DeleteConflict.Group.Policy",
                f"The group still has policies attached; detach them first: {group['GroupName']}",
            )
        del self.groups[fold(group["GroupName"])]
        self._stamp()

    @synchronized
    def list_groups(self) -> List[dict]:
        return [public(group) for group in self.groups.values()]

    # -- memberships ------------------------------------------------------------------------------------------

    def _memberships(self, user: dict) -> List[Tuple[dict, dict]]:
        """(group, membership) of each group ``user`` belongs to, in the order joined."""
        found = [
            (group, member)
            for group in self.groups.values()
            for member in group["members"]
            if member["UserId"] == user["UserId"]
        ]
        return sorted(found, key=lambda pair: pair[1]["joined"])

    def _groups_of(self, user: Optional[dict]) -> List[dict]:
        return [group for group, _member in self._memberships(user)] if user else []

    @synchronized
    def add_user_to_group(self, user_name: str, group_name: str) -> None:
        user, group = self._user(user_name), self._group(group_name)
        groups = self._groups_of(user)
        if any(joined is group for joined in groups):
            raise ApiError(
                409,
                "EntityAlreadyExists.User.Group",
                f"The user has already joined the group: {user['UserName']} {group['GroupName']}",
            )
        if len(groups) >= MAX_GROUPS_PER_USER:
            raise ApiError(
                409,
                "LimitExceeded.User.Group",
                f"A user can join at most {MAX_GROUPS_PER_USER} groups: {user['UserName']}",
            )
        stamp = self._stamp()
        group["members"].append({"UserId": user["UserId"], "JoinDate": utc_now(), "joined": stamp})
        user["changed_at"] = stamp  # the user's permissions changed: propagation delays apply to it

    @synchronized
    def remove_user_from_group(self, user_name: str, group_name: str) -> None:
        user, group = self._user(user_name), self._group(group_name)
        kept = [member for member in group["members"] if member["UserId"] != user["UserId"]]
        if len(kept) == len(group["members"]):
            raise ApiError(
                404,
                "EntityNotExist.User.Group",
                f"The user has not joined the group: {user['UserName']} {group['GroupName']}",
            )
        group["members"] = kept
        user["changed_at"] = self._stamp()

    @synchronized
    def groups_for_user(self, user_name: str) -> List[dict]:
        """ListGroupsForUser rows: GroupName, Comments, JoinDate."""
        return [
            {"GroupName": group["GroupName"], "Comments": group["Comments"], "JoinDate": member["JoinDate"]}
            for group, member in self._memberships(self._user(user_name))
        ]

    @synchronized
    def users_for_group(self, group_name: str) -> List[dict]:
        """ListUsersForGroup rows: UserName, DisplayName, JoinDate, in the order joined."""
        by_id = {user["UserId"]: user for user in self.users.values()}
        members = sorted(self._group(group_name)["members"], key=lambda member: member["joined"])
        return [
            {
                "UserName": by_id[member["UserId"]]["UserName"],
                "DisplayName": by_id[member["UserId"]]["DisplayName"],
                "JoinDate": member["JoinDate"],
            }
            for member in members
        ]

    # -- login profiles ---------------------------------------------------------------------------------------

    def _login_profile(self, user: dict) -> dict:
        profile = user.get("login_profile")
        if profile is None:
            raise ApiError(
                404, "EntityNotExist.User.LoginProfile", f"The user login profile does not exist: {user['UserName']}"
            )
        return profile

    @synchronized
    def create_login_profile(
        self, user_name: str, password: str, password_reset_required: bool = False, mfa_bind_required: bool = False
    ) -> dict:
        check_password(password, self.password_policy)
        user = self._user(user_name)
        if user.get("login_profile") is not None:
            raise ApiError(
                409,
                "EntityAlreadyExists.User.LoginProfile",
                f"The user login profile does already exist: {user['UserName']}",
            )
        user["login_profile"] = {
            "CreateDate": utc_now(),
            "PasswordResetRequired": password_reset_required,
            "MFABindRequired": mfa_bind_required,
            "password_hash": hash_password(password),
            "password_history": [],
        }
        return _login_profile_view(user)

    @synchronized
    def get_login_profile(self, user_name: str) -> dict:
        user = self._user(user_name)
        self._login_profile(user)
        return _login_profile_view(user)

    @synchronized
    def update_login_profile(
        self,
        user_name: str,
        password: Optional[str] = None,
        password_reset_required: Optional[bool] = None,
        mfa_bind_required: Optional[bool] = None,
    ) -> None:
        """Only the given settings change; a new password must pass the policy and not be a recent one."""
        if password is not None:
            check_password(password, self.password_policy)
        user = self._user(user_name)
        profile = self._login_profile(user)
        if password is not None:
            self._check_reuse(profile, password)
            profile["password_history"] = [profile["password_hash"], *profile["password_history"]][
                :PASSWORD_HISTORY_KEPT
            ]
            profile["password_hash"] = hash_password(password)
        if password_reset_required is not None:
            profile["PasswordResetRequired"] = password_reset_required
        if mfa_bind_required is not None:
            profile["MFABindRequired"] = mfa_bind_required

    def _check_reuse(self, profile: dict, password: str) -> None:
        """PasswordReusePrevention N: the current password and the N-1 before it may not come back."""
        recent = int(self.password_policy["PasswordReusePrevention"])
        if any(
            password_matches(password, stored)
            for stored in [profile["password_hash"], *profile["password_history"]][:recent]
        ):
            raise too_weak(f"PasswordReusePrevention forbids the last {recent} passwords")

    @synchronized
    def delete_login_profile(self, user_name: str) -> None:
        user = self._user(user_name)
        self._login_profile(user)
        del user["login_profile"]

    # -- the account's password policy -----------------------------------------------------------------------

    @synchronized
    def get_password_policy(self) -> dict:
        return dict(self.password_policy)

    @synchronized
    def set_password_policy(self, settings: Dict[str, object]) -> dict:
        """``settings``: the given parameters; a setting not given goes back to its default (as SetPasswordPolicy
        documents for HardExpiry; an assumption for the others, see the README)."""
        for name, (low, high) in PASSWORD_POLICY_RANGES.items():
            value = settings.get(name)
            if value is not None and not low <= int(value) <= high:
                raise invalid(f"{name}.Range", f'The parameter - "{name}" MUST be in the range of {low} and {high}.')
        self.password_policy = {
            name: default if settings.get(name) is None else settings[name]
            for name, default in PASSWORD_POLICY_DEFAULTS.items()
        }
        return dict(self.password_policy)
