# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writes whose answer was lost: read back what they did, so that a retry never fails on them or doubles them.

The answer to a write can be lost after the cloud committed it (a reset connection, a proxy or read timeout). A blind
retry then fails (``EntityAlreadyExists.*``) or doubles the write (a second AccessKey whose secret nobody holds, one
more policy version). So ApiClient (client.py) runs every attempt of a write through a WriteGuard:

- After a failure that may have lost the answer (retries.answer_may_be_lost), the action's Reconciler (RECONCILERS,
  one per write action the collection issues) reads whether the write was applied. ``applied``: the call returns
  what the write answers (the entity read back). ``not_applied``: the write is retried like any transient failure,
  within the same retry budget. ``undone`` (CreateAccessKey): the key that appeared, whose secret was lost, is
  deleted, then the write is retried once more. ``retried`` (RocketMQ probes): nothing is read, the retry answers.
- On a retry, an answer saying the write is done already (``EntityAlreadyExists.*`` for a create or an attachment,
  ``EntityNotExist.*`` for a delete or a detachment) is reconciled the same way: accepted when what is read back is
  what was asked for, whatever made the earlier attempt fail.
- When reading cannot decide (a read refused, an entity that differs from what was asked for, an action without a
  Reconciler) the call raises UnreconciledWrite, whose message says what may have happened and what to check.

Every reconciliation is recorded for ``debug_api_calls``: its reads carry ``reconciles: <action>``, then one entry
``{"action": <action>, "write": false, "status": null, "reconciliation": <verdict>}`` (not a request) gives the verdict.
Reconciliation only reads (and deletes an orphan AccessKey): it never runs in check mode, where no write is made.
"""

from __future__ import annotations

from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import ApiError, CollectionError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import PolicyError, documents_equal
from ansible_collections.apsaramq.cross_account.plugins.module_utils.retries import answer_may_be_lost

APPLIED, NOT_APPLIED, UNDONE, RETRIED = "applied", "not_applied", "undone", "retried"
CONFLICT, UNKNOWN = "conflict", "unknown"
CREATED = ("EntityAlreadyExists.",)  # what a retry of a create or an attachment answers when the lost attempt did it
DELETED = ("EntityNotExist.",)  # what a retry of a delete or a detachment answers when the lost attempt did it
ENTITIES = ("Role", "User", "Group")


class UnreconciledWrite(CollectionError):
    """A write whose answer was lost, and reading back could not tell what it did."""


class Unsettled(Exception):
    """Raised by a Reconciler's settle function: the reason (after "the answer was lost") reading cannot decide."""

    def __init__(self, reason, verdict=CONFLICT):
        super().__init__(reason)
        self.reason = reason
        self.verdict = verdict


class Reconciler:
    """How one write action is settled after a lost answer.

    ``subject``: what to check, a format string over the call's parameters. ``settle(session, params, known)``
    reads (``session.read(action, params, ignore)``) and returns (verdict, body) or raises Unsettled; None means the
    action is simply retried. ``done``: error code prefixes with which a retry says the write is done already."""

    def __init__(self, subject, settle, done=()):
        self.subject = subject
        self.settle = settle
        self.done = done

    def describe(self, params):
        return self.subject.format_map(_Missing(params))

    def says_done(self, code):
        return bool(code) and code.startswith(self.done) if self.done else False


class _Missing(dict):
    def __missing__(self, key):
        return f"<{key}>"


# ------------------------------------------------------------------------------------------------------- comparing


def _text(value):
    return "" if value is None else str(value)


def _same_text(found, asked):
    return _text(found) == _text(asked)


def _same_number(found, asked):
    try:
        return int(found) == int(asked)
    except (TypeError, ValueError):
        return False


def _same_flag(found, asked):
    return str(found).lower() == str(asked).lower()


def _same_document(found, asked):
    try:
        return documents_equal(found, asked)
    except PolicyError:
        return False


def _unreadable(found, asked):
    """A value the API never returns (a password): it cannot be confirmed, so the write is made again."""
    del found, asked
    return False


def _field(name):
    return lambda entity: entity.get(name)


def differences(entity, params, fields):
    """Names of the parameters given in ``params`` whose value ``entity`` does not hold.

    ``fields``: (parameter, getter of the entity's value, comparison) triples."""
    return [
        param
        for param, value_of, same in fields
        if params.get(param) is not None and not same(value_of(entity), params[param])
    ]


# ------------------------------------------------------------------------------------------------------- reading back


def _reader(action, names, answer_key=None, missing=(), fixed=None):
    """read(session, params): the entity (``answer_key`` of ``action``'s answer, or all of it), None when missing."""

    def read(session, params):
        request = dict({name: params[name] for name in names}, **(fixed or {}))
        body = session.read(action, request, ignore=missing)
        if body is None:
            return None
        return body.get(answer_key) if answer_key else body

    return read


def _created(read, fields, answer):
    """A create: applied when the entity exists and holds what was asked; another one is a conflict."""

    def settle(session, params, known):
        del known
        entity = read(session, params)
        if not entity:
            return NOT_APPLIED, None
        differing = differences(entity, params, fields)
        if differing:
            raise Unsettled(
                f"and what exists now differs from what was asked ({', '.join(differing)}): another writer may "
                "have made it"
            )
        return APPLIED, answer(entity)

    return settle


def _updated(read, fields, answer):
    """An update: applied when the entity holds the new values (a value that cannot be read back is written again)."""

    def settle(session, params, known):
        del known
        entity = read(session, params)
        if not entity:
            raise Unsettled("and it no longer exists: another writer may have deleted it")
        return (NOT_APPLIED, None) if differences(entity, params, fields) else (APPLIED, answer(entity))

    return settle


def _deleted(read):
    def settle(session, params, known):
        del known
        return (NOT_APPLIED, None) if read(session, params) else (APPLIED, {})

    return settle


def _attachment(entity, wanted):
    """AttachPolicyTo<entity> (``wanted`` True) or DetachPolicyFrom<entity>: applied when the list says so."""

    def settle(session, params, known):
        del known
        body = (
            session.read(
                f"ListPoliciesFor{entity}",
                {f"{entity}Name": params[f"{entity}Name"]},
                ignore=(f"EntityNotExist.{entity}",),
            )
            or {}
        )
        policies = (body.get("Policies") or {}).get("Policy") or []
        attached = any(
            (p.get("PolicyType"), p.get("PolicyName")) == (params["PolicyType"], params["PolicyName"]) for p in policies
        )
        return (APPLIED, {}) if attached == wanted else (NOT_APPLIED, None)

    return settle


def _membership(wanted):
    """AddUserToGroup (``wanted`` True) or RemoveUserFromGroup; RAM matches group names case-insensitively."""

    def settle(session, params, known):
        del known
        body = (
            session.read("ListGroupsForUser", {"UserName": params["UserName"]}, ignore=("EntityNotExist.User",)) or {}
        )
        groups = {group.get("GroupName", "").lower() for group in (body.get("Groups") or {}).get("Group") or []}
        return (APPLIED, {}) if (params["GroupName"].lower() in groups) == wanted else (NOT_APPLIED, None)

    return settle


def _versions(session, params):
    body = (
        session.read(
            "ListPolicyVersions",
            {"PolicyName": params["PolicyName"], "PolicyType": "Custom"},
            ignore=("EntityNotExist.Policy",),
        )
        or {}
    )
    versions = (body.get("PolicyVersions") or {}).get("PolicyVersion") or []
    return sorted(versions, key=lambda version: _version_number(version.get("VersionId")))


def _version_number(version_id):
    digits = str(version_id).lstrip("vV")
    return int(digits) if digits.isdigit() else 0


def _version_created(session, params, known):
    """Applied when the default version (the newest one, without SetAsDefault) holds the document sent; it is never
    made twice, which would push the policy toward RAM's five-version limit."""
    del known
    versions = _versions(session, params)
    if _same_flag(params.get("SetAsDefault"), True):
        candidates = [version for version in versions if _same_flag(version.get("IsDefaultVersion"), True)]
    else:
        candidates = versions[-1:]
    made = [
        version for version in candidates if _same_document(version.get("PolicyDocument"), params["PolicyDocument"])
    ]
    return (APPLIED, {"PolicyVersion": made[0]}) if made else (NOT_APPLIED, None)


def _version_deleted(session, params, known):
    del known
    gone = params["VersionId"] not in {version.get("VersionId") for version in _versions(session, params)}
    return (APPLIED, {}) if gone else (NOT_APPLIED, None)


def _access_keys(session, params):
    body = session.read("ListAccessKeys", {"UserName": params["UserName"]}, ignore=("EntityNotExist.User",)) or {}
    return (body.get("AccessKeys") or {}).get("AccessKey") or []


def _access_key_created(session, params, known):
    """The secret of a key made by the lost attempt is lost with the answer: that key is deleted and the write retried.

    ``known``: the ids of the user's keys before the call (the caller read them); without them nothing is deleted."""
    user = params["UserName"]
    if known is None:
        raise Unsettled(
            f"and RAM may have made an AccessKey for {user} whose secret nobody holds (the caller did not say "
            "which keys it knew, so none was deleted): delete the one your key file does not hold",
            UNKNOWN,
        )
    strays = [key["AccessKeyId"] for key in _access_keys(session, params) if key.get("AccessKeyId") not in set(known)]
    if len(strays) > 1:
        raise Unsettled(
            f"and {len(strays)} AccessKeys appeared meanwhile ({', '.join(strays)}), so which one it made is "
            "unknown: delete the ones your key files do not hold"
        )
    for key_id in strays:
        session.write(
            "DeleteAccessKey", {"UserName": user, "UserAccessKeyId": key_id}, ignore=("EntityNotExist.User.AccessKey",)
        )
    return (UNDONE if strays else NOT_APPLIED), None


def _access_key(session, params):
    return next(
        (key for key in _access_keys(session, params) if key.get("AccessKeyId") == params["UserAccessKeyId"]), None
    )


def _tags(session, params):
    """{(resource name, tag key): value} of the resources a TagResources or UntagResources call names (every page)."""
    request = {"ResourceType": params["ResourceType"], "ResourceNames": list(params["ResourceNames"]), "PageSize": 100}
    tags = {}
    while True:
        body = session.read("ListTagResources", request) or {}
        for row in body.get("TagResources") or []:
            tags[(row.get("ResourceName"), row.get("TagKey"))] = _text(row.get("TagValue"))
        if not body.get("NextToken"):
            return tags
        request = dict(request, NextToken=body["NextToken"])


def _tagged(session, params, known):
    del known
    tags = _tags(session, params)
    done = all(
        tags.get((name, tag["Key"])) == _text(tag.get("Value"))
        for name in params["ResourceNames"]
        for tag in params["Tag"]
    )
    return (APPLIED, {}) if done else (NOT_APPLIED, None)


def _untagged(session, params, known):
    del known
    tags = _tags(session, params)
    done = not any((name, key) in tags for name in params["ResourceNames"] for key in params["TagKeys"])
    return (APPLIED, {}) if done else (NOT_APPLIED, None)


# ------------------------------------------------------------------------------------------------------- the table

ROLE = _reader("GetRole", ("RoleName",), "Role", ("EntityNotExist.Role",))
USER = _reader("GetUser", ("UserName",), "User", ("EntityNotExist.User",))
GROUP = _reader("GetGroup", ("GroupName",), "Group", ("EntityNotExist.Group",))
POLICY = _reader("GetPolicy", ("PolicyName",), None, ("EntityNotExist.Policy",), fixed={"PolicyType": "Custom"})
LOGIN_PROFILE = _reader(
    "GetLoginProfile", ("UserName",), "LoginProfile", ("EntityNotExist.User.LoginProfile", "EntityNotExist.User")
)


def _policy_record(body):
    return (body.get("Policy") or {}) if body else {}


def _answer(key):
    return lambda entity: {key: entity}


ROLE_FIELDS = (
    ("AssumeRolePolicyDocument", _field("AssumeRolePolicyDocument"), _same_document),
    ("Description", _field("Description"), _same_text),
    ("MaxSessionDuration", _field("MaxSessionDuration"), _same_number),
)
ROLE_UPDATES = tuple(("New" + param, value_of, same) for param, value_of, same in ROLE_FIELDS)
USER_FIELDS = (("DisplayName", _field("DisplayName"), _same_text), ("Comments", _field("Comments"), _same_text))
USER_UPDATES = tuple(("New" + param, value_of, same) for param, value_of, same in USER_FIELDS)
GROUP_FIELDS = (("Comments", _field("Comments"), _same_text),)
GROUP_UPDATES = (("NewComments", _field("Comments"), _same_text),)
POLICY_FIELDS = (
    ("PolicyDocument", lambda body: (body.get("DefaultPolicyVersion") or {}).get("PolicyDocument"), _same_document),
    ("Description", lambda body: _policy_record(body).get("Description"), _same_text),
)
POLICY_UPDATES = (("NewDescription", lambda body: _policy_record(body).get("Description"), _same_text),)
LOGIN_FLAGS = (
    ("PasswordResetRequired", _field("PasswordResetRequired"), _same_flag),
    ("MFABindRequired", _field("MFABindRequired"), _same_flag),
)
ACCESS_KEY_FIELDS = (("Status", _field("Status"), _same_text),)


def _ram_table():
    table = {
        "CreateRole": Reconciler("role {RoleName}", _created(ROLE, ROLE_FIELDS, _answer("Role")), CREATED),
        "UpdateRole": Reconciler("role {RoleName}", _updated(ROLE, ROLE_UPDATES, _answer("Role"))),
        "DeleteRole": Reconciler("role {RoleName}", _deleted(ROLE), DELETED),
        "CreatePolicy": Reconciler(
            "custom policy {PolicyName}",
            _created(POLICY, POLICY_FIELDS, lambda body: {"Policy": _policy_record(body)}),
            CREATED,
        ),
        "UpdatePolicyDescription": Reconciler(
            "custom policy {PolicyName}", _updated(POLICY, POLICY_UPDATES, lambda body: {})
        ),
        "DeletePolicy": Reconciler("custom policy {PolicyName}", _deleted(POLICY), DELETED),
        "CreatePolicyVersion": Reconciler("versions of the custom policy {PolicyName}", _version_created),
        "DeletePolicyVersion": Reconciler(
            "version {VersionId} of the custom policy {PolicyName}", _version_deleted, DELETED
        ),
        "CreateUser": Reconciler("user {UserName}", _created(USER, USER_FIELDS, _answer("User")), CREATED),
        "UpdateUser": Reconciler("user {UserName}", _updated(USER, USER_UPDATES, _answer("User"))),
        "DeleteUser": Reconciler("user {UserName}", _deleted(USER), DELETED),
        "CreateGroup": Reconciler("group {GroupName}", _created(GROUP, GROUP_FIELDS, _answer("Group")), CREATED),
        "UpdateGroup": Reconciler("group {GroupName}", _updated(GROUP, GROUP_UPDATES, _answer("Group"))),
        "DeleteGroup": Reconciler("group {GroupName}", _deleted(GROUP), DELETED),
        "AddUserToGroup": Reconciler("groups of the user {UserName}", _membership(True), CREATED),
        "RemoveUserFromGroup": Reconciler("groups of the user {UserName}", _membership(False), DELETED),
        "CreateAccessKey": Reconciler("AccessKeys of the user {UserName}", _access_key_created),
        "UpdateAccessKey": Reconciler(
            "AccessKey {UserAccessKeyId} of the user {UserName}",
            _updated(_access_key, ACCESS_KEY_FIELDS, lambda key: {}),
        ),
        "DeleteAccessKey": Reconciler("AccessKeys of the user {UserName}", _deleted(_access_key), DELETED),
        "CreateLoginProfile": Reconciler(
            "login profile of the user {UserName}",
            _created(LOGIN_PROFILE, LOGIN_FLAGS, _answer("LoginProfile")),
            CREATED,
        ),
        # The password cannot be read back: with the flags confirmed it is set again (the same password).
        "UpdateLoginProfile": Reconciler(
            "login profile of the user {UserName}",
            _updated(
                LOGIN_PROFILE, LOGIN_FLAGS + (("Password", _field("Password"), _unreadable),), _answer("LoginProfile")
            ),
        ),
        "DeleteLoginProfile": Reconciler("login profile of the user {UserName}", _deleted(LOGIN_PROFILE), DELETED),
        "TagResources": Reconciler("tags of the {ResourceType} {ResourceNames}", _tagged),
        "UntagResources": Reconciler("tags of the {ResourceType} {ResourceNames}", _untagged),
    }
    for entity in ENTITIES:
        subject = f"policies attached to the {entity.lower()} {{{entity}Name}}"
        table[f"AttachPolicyTo{entity}"] = Reconciler(subject, _attachment(entity, True), CREATED)
        table[f"DetachPolicyFrom{entity}"] = Reconciler(subject, _attachment(entity, False), DELETED)
    return table


# RocketMQ 5.x management writes are made by rocketmq_access_check's probes only, on a fresh probe name unique to the
# run (or to delete what a probe just made): the retry's answer is the proof, and no read is needed, nor allowed to the
# credentials under test. "Already exists" on a retry of a create proves the lost attempt made it; "not found" on a
# retry of a delete proves it deleted it, or that there was nothing (the fresh name): both are what the attempt did.
ROCKETMQ = {
    "CreateTopic": Reconciler("topic {topicName} of the instance {instanceId}", None, ("Topic.AlreadyExists",)),
    "DeleteTopic": Reconciler("topic {topicName} of the instance {instanceId}", None, ("Topic.NotFound",)),
    "CreateConsumerGroup": Reconciler(
        "consumer group {consumerGroupId} of the instance {instanceId}", None, ("ConsumerGroup.AlreadyExists",)
    ),
    "DeleteConsumerGroup": Reconciler(
        "consumer group {consumerGroupId} of the instance {instanceId}", None, ("ConsumerGroup.NotFound",)
    ),
}

RECONCILERS = {"ram": _ram_table(), "rocketmq": ROCKETMQ, "sts": {}}


def reconciler_for(product, action):
    return RECONCILERS.get(product, {}).get(action)


# ------------------------------------------------------------------------------------------------------- the guard


def _found(verdict):
    """What an error message says of a lost attempt that was retried."""
    return {
        RETRIED: "not read back: the retry's answer decides",
        UNDONE: "read back: the AccessKey it made was deleted",
    }.get(verdict, "read back: not applied")


class WriteGuard:
    """Runs the attempts of one write call: ``run(send, attempt)`` is what RetryPolicy.run calls.

    ``session`` offers ``read(action, params, ignore)``, ``write(action, params, ignore)`` (counted, within the call's
    budget) and ``record(action, attempt, verdict)``; ``known`` is the caller's context (CreateAccessKey: the ids of
    the user's keys before the call)."""

    def __init__(self, product, action, params, known, session):
        self.action = action
        self.params = params
        self.known = known
        self.session = session
        self.reconciler = reconciler_for(product, action)
        self.lost = None  # the failure of the latest attempt whose answer was lost
        self.verdict = None  # what reading back found after it

    def run(self, send, attempt):
        try:
            return send(attempt)
        except ApiError as error:
            if answer_may_be_lost(error):
                return self._after_lost_answer(error, attempt)
            if attempt > 1 and self.reconciler is not None and self.reconciler.says_done(error.code):
                return self._after_done_answer(error, attempt)
            if self.lost is not None:
                error.message = (
                    f"{error.message} (a retry after an earlier attempt's answer was lost; {_found(self.verdict)})"
                )
            raise

    def _after_lost_answer(self, error, attempt):
        self.lost = error
        if self.reconciler is None:
            raise self._unreconciled(
                "and this action cannot be read back: it may or may not have been applied", UNKNOWN, attempt
            )
        if self.reconciler.settle is None:
            self.verdict = RETRIED
            self.session.record(self.action, attempt, RETRIED)
            raise error
        verdict, body = self._settle(attempt)
        if verdict == APPLIED:
            return body
        # Not applied (or undone): retried like any transport failure, within the budget; if that is spent, say so.
        error.message = f"{error.message} (the answer was lost; {_found(verdict)})"
        raise error

    def _after_done_answer(self, error, attempt):
        """A retry answered that the write is done already: accepted when reading back confirms it."""
        if self.reconciler.settle is None:
            if self.lost is None:
                raise error
            self.session.record(self.action, attempt, APPLIED)
            return {}
        try:
            verdict, body = self._settle(attempt)
        except UnreconciledWrite:
            if self.lost is None:
                raise error from None  # no answer was lost: the refusal stands as it was
            raise
        if verdict != APPLIED:
            raise error
        return body

    def _settle(self, attempt):
        try:
            verdict, body = self.reconciler.settle(self.session, self.params, self.known)
        except Unsettled as unsettled:
            raise self._unreconciled(unsettled.reason, unsettled.verdict, attempt) from None
        except ApiError as failure:
            reason = (
                f"and reading it back failed ({failure.operation or 'read'}: {failure.code}): the write may or may not "
                "have been applied"
            )
            raise self._unreconciled(reason, UNKNOWN, attempt) from None
        self.verdict = verdict
        self.session.record(self.action, attempt, verdict)
        return verdict, body

    def _unreconciled(self, reason, verdict, attempt):
        self.session.record(self.action, attempt, verdict)
        subject = self.reconciler.describe(self.params) if self.reconciler else f"what {self.action} changes"
        lost = (
            f"the answer was lost after the request was sent ({self.lost.code})" if self.lost else "a retry was refused"
        )
        return UnreconciledWrite(
            f"{self.action} ({subject}): {lost}, {reason}. Check the {subject} and run the task again.",
            operation=self.action,
            reconciliation=verdict,
        )
