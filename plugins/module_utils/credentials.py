# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a module's credentials come from.

Explicit keys (options or their environment fallbacks) win; then a named profile; then the
alibabacloud-credentials default chain (environment, OIDC, CLI and INI profiles, ECS RAM role, credentials URI).
Credentials are resolved once per task into plain values so that every secret can be registered with
``no_log_values`` before anything could print it. ``assume_role`` is an STS call made by the client layer
itself (see base.py), so it is retried and counted like any other call."""

from __future__ import annotations

import json

DEFAULT_SESSION_NAME = "ansible-apsaramq"
MIN_ROLE_SESSION_SECONDS = 900
MAX_ROLE_SESSION_SECONDS = 43200


class CredentialsError(Exception):
    """No usable credentials could be found."""


class Credentials:
    """An AccessKey pair with an optional STS token; ``repr`` never shows the secret parts."""

    __slots__ = ("access_key_id", "access_key_secret", "security_token", "source")

    def __init__(self, access_key_id, access_key_secret, security_token=None, source="explicit"):
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.security_token = security_token or None
        self.source = source

    def __repr__(self):
        return f"Credentials(access_key_id={self.access_key_id!r}, source={self.source!r})"

    @property
    def secrets(self):
        """The values that must never be printed."""
        return tuple(value for value in (self.access_key_secret, self.security_token) if value)


def resolve_credentials(access_key_id=None, access_key_secret=None, security_token=None, profile=None):
    """Credentials from explicit keys, else from ``profile``, else from the SDK default chain."""
    if access_key_id and access_key_secret:
        return Credentials(access_key_id, access_key_secret, security_token)
    if profile:
        return _first_answer(_profile_providers(profile), f"profile {profile!r}")
    return _first_answer([_default_provider()], "the default credentials chain")


def _profile_providers(name):
    """A profile may live in the CLI's ~/.aliyun/config.json or in ~/.alibabacloud/credentials.ini."""
    from alibabacloud_credentials.provider import CLIProfileCredentialsProvider, ProfileCredentialsProvider

    return [CLIProfileCredentialsProvider(profile_name=name), ProfileCredentialsProvider(profile_name=name)]


def _default_provider():
    from alibabacloud_credentials.provider import DefaultCredentialsProvider

    return DefaultCredentialsProvider()


def _first_answer(providers, origin):
    from alibabacloud_credentials.exceptions import CredentialException

    reasons = []
    for provider in providers:
        try:
            found = provider.get_credentials()
        except (CredentialException, OSError, ValueError) as exc:  # a provider's own HTTP or file error
            reasons.append(f"{type(provider).__name__}: {exc}")
            continue
        if found is not None and found.get_access_key_id():
            return Credentials(
                found.get_access_key_id(),
                found.get_access_key_secret(),
                found.get_security_token(),
                source=found.get_provider_name() or origin,
            )
    raise CredentialsError(f"no credentials found in {origin}: {'; '.join(reasons) or 'nothing configured'}")


def assume_role_params(assume_role):
    """AssumeRole request parameters from the ``assume_role`` option (API parameter names)."""
    params = {
        "RoleArn": assume_role["role_arn"],
        "RoleSessionName": assume_role.get("session_name") or DEFAULT_SESSION_NAME,
        "DurationSeconds": assume_role.get("duration_seconds"),
        "ExternalId": assume_role.get("external_id"),
        "Policy": _policy_text(assume_role.get("policy")),
    }
    return {key: value for key, value in params.items() if value is not None}


def check_duration(seconds):
    """Error text when an AssumeRole duration is outside what STS accepts, else None."""
    if seconds is not None and not MIN_ROLE_SESSION_SECONDS <= seconds <= MAX_ROLE_SESSION_SECONDS:
        return (
            f"assume_role.duration_seconds must be between {MIN_ROLE_SESSION_SECONDS} and "
            f"{MAX_ROLE_SESSION_SECONDS}, got {seconds}"
        )
    return None


def _policy_text(policy):
    """A session policy may be given as a dict (from YAML) or as JSON text."""
    if policy is None or isinstance(policy, str):
        return policy or None
    return json.dumps(policy, separators=(",", ":"), sort_keys=True)


def credentials_from_assume_role(body):
    """Temporary credentials from an AssumeRole response body."""
    issued = (body or {}).get("Credentials") or {}
    if not (issued.get("AccessKeyId") and issued.get("AccessKeySecret") and issued.get("SecurityToken")):
        raise CredentialsError("AssumeRole answered without temporary credentials")
    return Credentials(issued["AccessKeyId"], issued["AccessKeySecret"], issued["SecurityToken"], source="assume_role")
