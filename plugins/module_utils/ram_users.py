# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RAM users of the partner account: the user and the collection's marker, its AccessKeys (create, disable, enable,
rotation with overlap, maximum age), its console login profile (passwords that satisfy the account's password policy)
and its removal (groups, keys, login profile, the user). Used by ram_user_grant and ram_user_info.

The marker: RAM users take no tags (TagResources of RAM 2015-05-01 accepts roles and policies only), so a user this
collection creates gets ``MARKER`` at the start of its ``Comments``. Only a marked user is offboarded (keys, login
profile, groups removed, the user deleted) unless the task explicitly allows unmarked ones. ``own_comments`` hides the
marker from what users see and set.

Planning functions are pure (the keys, the profile and the clock come in as values) so that they are unit-tested;
the ``apply_*`` functions make the calls, honour check mode and never leave an AccessKey without its file.
"""

from __future__ import annotations

import secrets
import string
from datetime import datetime, timedelta, timezone

from ansible_collections.apsaramq.cross_account.plugins.module_utils.client import listing_pages
from ansible_collections.apsaramq.cross_account.plugins.module_utils.credential_files import (
    make_private,
    read_text,
    restore,
    write_password_file,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.credentials import Credentials
from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import MASK, ApiError, CollectionError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.outcomes import ALLOWED, classify
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_attachments import detach_policy, list_attached
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import ValidationError

MARKER = "[apsaramq.cross_account]"
USER_COMMENTS_LIMIT = 128  # CreateUser: Comments at most 128 characters
OWN_COMMENTS_LIMIT = USER_COMMENTS_LIMIT - len(MARKER) - 1
MISSING_USER = ("EntityNotExist.User",)
MISSING_ACCESS_KEY = ("EntityNotExist.User.AccessKey",)
MISSING_LOGIN_PROFILE = ("EntityNotExist.User.LoginProfile",)
NOT_A_MEMBER = ("EntityNotExist.User.Group",)
GROUP_CONFLICT = "DeleteConflict.User.Group"
MAX_ACCESS_KEYS = 2  # per RAM user
ACTIVE, INACTIVE = "Active", "Inactive"
# A key made a moment ago may not be known to STS yet; a grant made a moment ago may not have reached it.
NOT_YET_USABLE = ("InvalidAccessKeyId.NotFound", "EntityNotExist.Role", "NoPermission")
PROOF_SESSION_NAME = "apsaramq-key-proof"
PROOF_SESSION_SECONDS = 900
SIGNIN_URL = "https://signin.aliyun.com/login.htm"
LOGIN_DOMAIN = "onaliyun.com"
PASSWORD_MAX_LENGTH = 32  # the largest MinimumPasswordLength SetPasswordPolicy accepts
GENERATED_PASSWORD_LENGTH = 24
# Symbols that need no quoting in YAML, INI, shells or URLs.
PASSWORD_SYMBOLS = "!#%*+-.=?@^_~"
PASSWORD_CLASSES = (
    ("RequireLowercaseCharacters", "a lowercase letter", string.ascii_lowercase),
    ("RequireUppercaseCharacters", "an uppercase letter", string.ascii_uppercase),
    ("RequireNumbers", "a digit", string.digits),
    ("RequireSymbols", "a symbol", string.punctuation),
)
DEFAULT_PASSWORD_POLICY = {"MinimumPasswordLength": 8}


# ------------------------------------------------------------------------------------------------------------ the user


def get_user(client, name):
    return (client.call("GetUser", {"UserName": name}, ignore=MISSING_USER) or {}).get("User")


def is_marked(user):
    """Whether this collection created the user (its Comments start with MARKER)."""
    return bool(user) and (user.get("Comments") or "").startswith(MARKER)


def own_comments(stored):
    """The Comments a user sees and sets: without the marker."""
    stored = stored or ""
    return stored[len(MARKER) :].lstrip(" ") if stored.startswith(MARKER) else stored


def stored_comments(comments, marked):
    """What RAM stores for ``comments`` on a user that carries (or gets) the marker, or not."""
    if not marked:
        return comments or ""
    return f"{MARKER} {comments}" if comments else MARKER


def user_facts(user):
    if not user:
        return {}
    return {
        "user_name": user.get("UserName"),
        "user_id": user.get("UserId"),
        "display_name": user.get("DisplayName") or "",
        "comments": own_comments(user.get("Comments")),
        "managed": is_marked(user),
    }


def ensure_user(client, check_mode, name, wanted, current, create_user):
    """Create the user (marked) or update its display name and comments; ``wanted`` holds DisplayName and Comments
    (without the marker) when given. Returns (changed, user record after)."""
    if current is None:
        if not create_user:
            raise CollectionError(f"user_name: the RAM user {name} does not exist and create_user is false")
        new_user = {"UserName": name, "Comments": stored_comments(wanted.get("Comments"), marked=True)}
        if wanted.get("DisplayName") is not None:
            new_user["DisplayName"] = wanted["DisplayName"]
        if check_mode:
            return True, new_user
        return True, (client.call("CreateUser", new_user) or {}).get("User") or new_user
    stored = dict(wanted)
    if "Comments" in wanted:
        stored["Comments"] = stored_comments(wanted["Comments"], is_marked(current))
    updates = {key: value for key, value in stored.items() if value != (current.get(key) or "")}
    if updates and not check_mode:
        client.call("UpdateUser", dict({"New" + key: value for key, value in updates.items()}, UserName=name))
    return bool(updates), dict(current, **updates)


def unmarked_refusal(user_name, what, option):
    """The error for a change to a user this collection did not create."""
    return CollectionError(
        f"{option}: the RAM user {user_name} was not created by apsaramq.cross_account (its Comments do "
        f"not start with {MARKER}), so {what} is refused; set manage_unmarked_user=true to allow it"
    )


def list_paged(client, action, params, container, item, limit, page_size=100):
    """Up to ``limit`` rows of a Marker/IsTruncated listing (ListUsers, ListGroups, ListUsersForGroup): (rows,
    whether more exist). Reads at most ceil(limit / page_size) pages."""
    rows, more = [], False
    # `more` is read after the loop: whether the last page read says more rows exist.
    for page, more in listing_pages(client, action, dict(params, MaxItems=min(page_size, limit)), container, item):  # noqa: B007
        rows.extend(page)
        if len(rows) >= limit:
            break
    return rows[:limit], more or len(rows) > limit


# ------------------------------------------------------------------------------------------------------------ groups


def list_groups_for_user(client, user_name):
    """Names of the groups the user belongs to (a user is in at most 10: one page)."""
    body = client.call("ListGroupsForUser", {"UserName": user_name}) or {}
    return sorted(group["GroupName"] for group in (body.get("Groups") or {}).get("Group") or [])


def remove_from_groups(client, user_name, groups):
    for group in groups:
        client.call("RemoveUserFromGroup", {"UserName": user_name, "GroupName": group}, ignore=NOT_A_MEMBER)


# ------------------------------------------------------------------------------------------------------------ AccessKeys


def list_access_keys(client, user_name):
    body = client.call("ListAccessKeys", {"UserName": user_name}) or {}
    return (body.get("AccessKeys") or {}).get("AccessKey") or []


def delete_access_key(client, user_name, key_id):
    client.call("DeleteAccessKey", {"UserName": user_name, "UserAccessKeyId": key_id}, ignore=MISSING_ACCESS_KEY)


def set_access_key_status(client, user_name, key_id, status):
    client.call("UpdateAccessKey", {"UserName": user_name, "UserAccessKeyId": key_id, "Status": status})


def parse_date(text):
    """RAM's dates (``2026-01-23T12:33:18Z``) as aware datetimes; None when absent or unreadable."""
    try:
        return datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def format_date(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def key_age_days(key, now):
    """Days since the key was created (fractional), or None when RAM gave no readable date."""
    created = parse_date(key.get("CreateDate"))
    return None if created is None else (now - created).total_seconds() / 86400


def keys_over_age(keys, max_age_days, now):
    """The active keys older than ``max_age_days`` days: [{access_key_id, age_days}]."""
    found = []
    for key in keys:
        age = key_age_days(key, now)
        if key.get("Status", ACTIVE) == ACTIVE and age is not None and age > max_age_days:
            found.append({"access_key_id": key["AccessKeyId"], "age_days": round(age, 1)})
    return found


def rotation_leftovers(keys, current):
    """Keys a rotation disabled and left to delete: inactive, not the file's key, made before the file's key (which
    is active). A key disabled by hand while the file's key is disabled too is never one."""
    if current is None or current.get("Status", ACTIVE) != ACTIVE:
        return []
    made = parse_date(current.get("CreateDate"))
    return [
        key
        for key in keys
        if key["AccessKeyId"] != current["AccessKeyId"]
        and key.get("Status") == INACTIVE
        and made is not None
        and (parse_date(key.get("CreateDate")) or made) <= made
    ]


def plan_leftovers(leftovers, current, now, grace_hours, may_delete):
    """(key ids to delete now, [{access_key_id, delete_after, reason}] kept). The grace period runs from the creation
    of the key that replaced them (the rotation disabled them right after)."""
    delete, pending = [], []
    until = parse_date(current.get("CreateDate")) + timedelta(hours=grace_hours) if leftovers else None
    for key in leftovers:
        if not may_delete:
            pending.append(
                {
                    "access_key_id": key["AccessKeyId"],
                    "delete_after": None,
                    "reason": "the user was not created by this collection (manage_unmarked_user)",
                }
            )
        elif now >= until:
            delete.append(key["AccessKeyId"])
        else:
            pending.append(
                {
                    "access_key_id": key["AccessKeyId"],
                    "delete_after": format_date(until),
                    "reason": "access_key_grace_period",
                }
            )
    return delete, pending


def plan_access_keys(
    action, keys, recorded, now, user_name, max_age_days=None, age_action="rotate", grace_hours=0, may_delete=True
):
    """What the AccessKey step does, decided before anything is written (pure).

    ``keys``: the user's keys as ListAccessKeys gives them; ``recorded``: the AccessKeyId in the key file. Returns a
    dict: ``step`` (keep, create, rotate or status), ``status`` (wanted by disable/enable), ``delete`` (rotation
    leftovers due), ``pending`` (leftovers kept), ``aged`` (active keys over the maximum age), ``current`` (the
    file's key record or None), ``reason`` and ``warning``. Raises CollectionError at RAM's 2-key limit."""
    current = next((key for key in keys if key["AccessKeyId"] == recorded), None)
    plan = {
        "step": "keep",
        "status": None,
        "delete": [],
        "pending": [],
        "current": current,
        "reason": None,
        "warning": None,
        "aged": keys_over_age(keys, max_age_days, now) if max_age_days else [],
    }
    if action in ("disable", "enable"):
        return _plan_status(plan, action, user_name)
    if action in ("create", "rotate"):
        plan["delete"], plan["pending"] = plan_leftovers(
            rotation_leftovers(keys, current), current, now, grace_hours, may_delete
        )
    aged_ids = {entry["access_key_id"] for entry in plan["aged"]}
    if action == "create" and current is None:
        plan["step"] = "create"
    elif action == "rotate":
        plan["step"], plan["reason"] = ("rotate", "access_key_action=rotate") if current else ("create", None)
    elif action == "create" and recorded in aged_ids and age_action == "rotate":
        plan["step"], plan["reason"] = "rotate", f"older than access_key_max_age_days={max_age_days}"
    elif action == "create" and current.get("Status") == INACTIVE:
        plan["warning"] = (
            f"access_key_file: the AccessKey {recorded} it holds is disabled and stays so "
            "(access_key_action=enable turns it back on)"
        )
    if plan["step"] in ("create", "rotate"):
        _check_key_limit(plan, keys, user_name)
    return plan


def _plan_status(plan, action, user_name):
    current = plan["current"]
    if current is None:
        raise CollectionError(
            f"access_key_file: it holds no AccessKey of the RAM user {user_name}, so there is no key to "
            f"{action}; nothing was changed"
        )
    wanted = INACTIVE if action == "disable" else ACTIVE
    if current.get("Status", ACTIVE) != wanted:
        plan["step"], plan["status"] = "status", wanted
    return plan


def _check_key_limit(plan, keys, user_name):
    remaining = len(keys) - len(plan["delete"])
    if remaining < MAX_ACCESS_KEYS:
        return
    message = (
        f"access_key_action: the RAM user {user_name} already has {remaining} AccessKeys, the RAM limit; "
        "nothing was changed"
    )
    if plan["pending"]:
        kept = plan["pending"][0]
        until = f" until {kept['delete_after']}" if kept["delete_after"] else ""
        message += (
            f". The AccessKey {kept['access_key_id']} that a rotation replaced is kept disabled{until} "
            f"({kept['reason']}); it is deleted by the first run after that"
        )
    else:
        message += "; delete one it no longer uses"
    raise CollectionError(message)


def prove_access_key(module, key, role_arn, external_id, wait_seconds):
    """AssumeRole of ``role_arn`` signed with the new ``key``, waiting up to ``wait_seconds`` for STS to know the key:
    the Outcome (allowed when it worked) and the attempts made. The session's credentials are discarded."""
    client = module.client_for("sts", Credentials(key["AccessKeyId"], key["AccessKeySecret"]))
    request = {"RoleArn": role_arn, "RoleSessionName": PROOF_SESSION_NAME, "DurationSeconds": PROOF_SESSION_SECONDS}
    if external_id:
        request["ExternalId"] = external_id
    error = None
    try:
        body = (
            client.call(
                "AssumeRole",
                request,
                retry_on=NOT_YET_USABLE if wait_seconds else (),
                wait_seconds=wait_seconds or None,
            )
            or {}
        )
        issued = body.get("Credentials") or {}
        module.no_log_values.update(
            value for value in (issued.get("AccessKeySecret"), issued.get("SecurityToken")) if value
        )
    except ApiError as failure:
        error = failure
    return classify(error, "sts"), client.last_call.get("attempts", 1)


class AccessKeyStep:
    """Applies a plan of ``plan_access_keys`` for one user and its key file (a credential_files.KeyFile)."""

    def __init__(self, module, client, user_name, key_file, parser, proof):
        self.module = module
        self.client = client
        self.user_name = user_name
        self.key_file = key_file
        self.parser = parser  # the INI file as read, so its other profiles are kept
        self.proof = proof  # {"role_arn", "external_id", "wait_seconds"}
        self.created = None  # the key made by this run, with its secret
        self.known_key_ids = None  # the user's keys before this run's CreateAccessKey (settles a lost answer)

    @property
    def check_mode(self):
        return self.module.check_mode

    def apply(self, plan):
        """Returns (changed, facts without secrets)."""
        changed = bool(plan["delete"])
        if "keys" in plan:
            self.known_key_ids = [key["AccessKeyId"] for key in plan["keys"]]
        if not self.check_mode:
            for key_id in plan["delete"]:
                delete_access_key(self.client, self.user_name, key_id)
        current = plan["current"]
        facts = {
            "access_key_id": current["AccessKeyId"] if current else None,
            "file": self.key_file.path,
            "status": current.get("Status", ACTIVE) if current else None,
        }
        if plan["step"] == "create":
            facts.update(self._create())
        elif plan["step"] == "rotate":
            facts.update(self._rotate(current, plan["reason"]))
        elif plan["step"] == "status":
            if not self.check_mode:
                set_access_key_status(self.client, self.user_name, current["AccessKeyId"], plan["status"])
            facts["status"] = plan["status"]
        else:
            changed |= make_private(self.key_file.path, self.check_mode)
        if plan["delete"]:
            facts["deleted_access_key_ids"] = list(plan["delete"])
        if plan["pending"]:
            facts["pending_deletion"] = plan["pending"]
        return changed or plan["step"] != "keep", facts

    def _create(self):
        """A new key, written to the file; taken back if the file cannot be written (no key without its file)."""
        if self.check_mode:
            return {"access_key_id": None, "status": ACTIVE}
        key = (self.client.call("CreateAccessKey", {"UserName": self.user_name}, known=self.known_key_ids) or {}).get(
            "AccessKey"
        ) or {}
        self.module.no_log_values.add(key.get("AccessKeySecret"))
        try:
            self.key_file.write(key, self.parser)
        except OSError as error:
            delete_access_key(self.client, self.user_name, key["AccessKeyId"])
            raise CollectionError(
                f"access_key_file: cannot write {self.key_file.path}: {error.strerror}; the new AccessKey "
                "was deleted again"
            ) from None
        self.created = key
        return {"access_key_id": key["AccessKeyId"], "status": key.get("Status") or ACTIVE}

    def _rotate(self, old, reason):
        """Rotation with overlap: the new key is written and proven before the old one is disabled (deleted later)."""
        previous = read_text(self.key_file.path)
        facts = self._create()
        facts.update(replaced_access_key_id=old["AccessKeyId"], replaced_status=INACTIVE, rotation_reason=reason)
        if self.check_mode:
            facts["proof"] = {"role_arn": self.proof["role_arn"], "outcome": "skipped"}
            return facts
        outcome, attempts = prove_access_key(
            self.module, self.created, self.proof["role_arn"], self.proof["external_id"], self.proof["wait_seconds"]
        )
        if outcome.kind != ALLOWED:
            self._roll_back(previous, outcome)
        facts["proof"] = {"role_arn": self.proof["role_arn"], "outcome": outcome.kind, "attempts": attempts}
        if old.get("Status", ACTIVE) == ACTIVE:
            set_access_key_status(self.client, self.user_name, old["AccessKeyId"], INACTIVE)
        return facts

    def _roll_back(self, previous, outcome):
        """The new key did not work: the file gets its old key back and the new key is deleted, as if nothing ran."""
        new_id = self.created["AccessKeyId"]
        try:
            restore(self.key_file.path, previous)
            restored = "access_key_file was restored"
        except OSError as error:
            restored = f"access_key_file could not be restored ({error.strerror}): it holds a deleted key"
        delete_access_key(self.client, self.user_name, new_id)
        raise CollectionError(
            f"access_key_action: the new AccessKey {new_id} could not assume {self.proof['role_arn']} within "
            f"{self.proof['wait_seconds']} s (access_key_proof_wait): {outcome.kind}"
            f"{' (' + outcome.code + ')' if outcome.code else ''}, {outcome.reason}. It was deleted and {restored}; "
            "the old AccessKey is unchanged",
            proof={"outcome": outcome.kind, "code": outcome.code},
        )


def access_key_facts(keys, now):
    """What ram_user_info and the diff show of a user's keys: ids, status, creation date and age, never a secret."""
    return [
        {
            "access_key_id": key["AccessKeyId"],
            "status": key.get("Status"),
            "create_date": key.get("CreateDate"),
            "age_days": None if key_age_days(key, now) is None else round(key_age_days(key, now), 1),
        }
        for key in keys
    ]


# ------------------------------------------------------------------------------------------------------------ login profile


def get_login_profile(client, user_name):
    body = client.call("GetLoginProfile", {"UserName": user_name}, ignore=MISSING_LOGIN_PROFILE)
    return (body or {}).get("LoginProfile")


def get_password_policy(client):
    return (client.call("GetPasswordPolicy") or {}).get("PasswordPolicy") or dict(DEFAULT_PASSWORD_POLICY)


def password_problems(password, policy):
    """The rules of the account's password policy that ``password`` breaks, in words (never quoting it)."""
    problems = []
    minimum = int(policy.get("MinimumPasswordLength") or DEFAULT_PASSWORD_POLICY["MinimumPasswordLength"])
    if not minimum <= len(password) <= PASSWORD_MAX_LENGTH:
        problems.append(
            f"must be {minimum} to {PASSWORD_MAX_LENGTH} characters long (MinimumPasswordLength), got {len(password)}"
        )
    if any(character not in string.ascii_letters + string.digits + string.punctuation for character in password):
        problems.append("may contain only ASCII letters, digits and symbols, no spaces")
    for setting, what, characters in PASSWORD_CLASSES:
        if policy.get(setting) and not set(characters) & set(password):
            problems.append(f"must contain {what} ({setting})")
    return problems


def password_refusal(problems, where=""):
    """The ValidationError for a given password that breaks a rule. Error output masks whatever follows
    ``password:``, so the message shows the mask itself in the password's place, then the rule."""
    return ValidationError("login_profile.password", f"{MASK} {problems[0]}{where}")


_SYSTEM_RANDOM = secrets.SystemRandom()


def generate_password(policy, user_name, choice=secrets.choice, shuffle=_SYSTEM_RANDOM.shuffle):
    """A random password that any policy of the account accepts: at least GENERATED_PASSWORD_LENGTH characters (more
    when MinimumPasswordLength asks), one of each character class, and never containing the user name."""
    length = min(PASSWORD_MAX_LENGTH, max(GENERATED_PASSWORD_LENGTH, int(policy.get("MinimumPasswordLength") or 0)))
    classes = (string.ascii_lowercase, string.ascii_uppercase, string.digits, PASSWORD_SYMBOLS)
    alphabet = "".join(classes)
    while True:
        characters = [choice(group) for group in classes] + [
            choice(alphabet) for _position in range(length - len(classes))
        ]
        shuffle(characters)
        password = "".join(characters)
        if user_name.lower() not in password.lower() and not password_problems(password, policy):
            return password


def plan_login_profile(options, current):
    """create, reset, delete or keep (pure): an existing profile is left as it is unless password_reset."""
    if options["state"] == "absent":
        return "delete" if current else "keep"
    if current is None:
        return "create"
    return "reset" if options["password_reset"] else "keep"


def login_profile_facts(profile):
    if not profile:
        return {"exists": False}
    return {
        "exists": True,
        "password_reset_required": bool(profile.get("PasswordResetRequired")),
        "mfa_bind_required": bool(profile.get("MFABindRequired")),
        "create_date": profile.get("CreateDate"),
    }


def sign_in(user_name, alias, account_uid):
    """The console sign-in of a RAM user: ``<user>@<default domain>``, the default domain being
    ``<account alias>.onaliyun.com`` (the account UID when no alias is set)."""
    return {"login_name": f"{user_name}@{alias or account_uid}.{LOGIN_DOMAIN}", "signin_url": SIGNIN_URL}


def account_alias(client):
    return (client.call("GetAccountAlias") or {}).get("AccountAlias") or ""


def apply_login_profile(module, client, user_name, action, options, policy):
    """Create, reset or delete the login profile. Returns the profile record after (predicted in check mode).

    A password comes from ``options["password"]`` or is generated and written to ``password_file`` first, so that
    RAM never holds a password nobody has; if the API call fails, the file is put back as it was."""
    if action == "delete":
        if not module.check_mode:
            client.call("DeleteLoginProfile", {"UserName": user_name}, ignore=MISSING_LOGIN_PROFILE)
        return None
    password = options["password"] or generate_password(policy, user_name)
    module.no_log_values.add(password)
    params = {
        "UserName": user_name,
        "Password": password,
        "PasswordResetRequired": options["password_reset_required"],
        "MFABindRequired": options["mfa_bind_required"],
    }
    record = {
        "UserName": user_name,
        "PasswordResetRequired": params["PasswordResetRequired"],
        "MFABindRequired": params["MFABindRequired"],
    }
    if module.check_mode:
        return record
    path = options["password_file"]
    previous = read_text(path) if path else None
    if path:
        _write_password(path, password)
    try:
        body = client.call("CreateLoginProfile" if action == "create" else "UpdateLoginProfile", params) or {}
    except ApiError:
        if path:
            restore(path, previous)
        raise
    return dict(record, **(body.get("LoginProfile") or {}))


def _write_password(path, password):
    try:
        write_password_file(path, password)
    except (OSError, ValueError) as error:
        raise CollectionError(
            f"login_profile.password_file: cannot write {path}: {getattr(error, 'strerror', None) or error}; "
            "nothing was changed"
        ) from None


# ------------------------------------------------------------------------------------------------------------ describing


def describe_user(client, user, now, grant_policies, max_age_days=None):
    """Everything ram_user_info shows of one user (four reads), never a secret. ``grant_policies``: the (type, name)
    pairs that count as an AssumeRole grant of this user."""
    name = user["UserName"]
    attached = list_attached(client, "User", name)
    keys = access_key_facts(list_access_keys(client, name), now)
    if max_age_days is not None:
        for entry in keys:
            entry["over_age"] = entry["status"] == ACTIVE and (entry["age_days"] or 0) > max_age_days
    return {
        "user_name": name,
        "user_id": user.get("UserId"),
        "display_name": user.get("DisplayName") or "",
        "comments": own_comments(user.get("Comments")),
        "managed": is_marked(user),
        "create_date": user.get("CreateDate"),
        "update_date": user.get("UpdateDate"),
        "groups": list_groups_for_user(client, name),
        "policies": [{"policy_name": p["PolicyName"], "policy_type": p["PolicyType"]} for p in attached],
        "grant_policies": [p["PolicyName"] for p in attached if (p["PolicyType"], p["PolicyName"]) in grant_policies],
        "access_keys": keys,
        "login_profile": login_profile_facts(get_login_profile(client, name)),
    }


# ------------------------------------------------------------------------------------------------------------ removal


def delete_user(client, user_name, attached):
    """Detach the remaining policies and delete the user (its keys, login profile and groups are gone already; a group
    membership that appeared since is removed when RAM names it as the obstacle)."""
    for policy in attached:
        detach_policy(client, "User", user_name, policy)
    if client.call("DeleteUser", {"UserName": user_name}, ignore=(GROUP_CONFLICT,)) is None:
        remove_from_groups(client, user_name, list_groups_for_user(client, user_name))
        client.call("DeleteUser", {"UserName": user_name})
