"""Alibaba Cloud system policies known to the emulator, with the documents RAM publishes for them.

Sources: the "System policy reference" pages of the RAM documentation
(https://www.alibabacloud.com/help/en/ram/developer-reference/<policy name in lower case>), read in 2026.
The document text is kept as RAM returns it (a JSON string with its own layout), so GetPolicy answers with the
same bytes every time. Three pages could not be read, and their ``origin`` says so: ``AdministratorAccess``
(``*`` on ``*``, as RAM documents it everywhere), ``AliyunRAMFullAccess`` (``ram:*``, its documented meaning) and
``ReadOnlyAccess`` (the real one lists the read actions of every product; here only those of the products the
emulator serves). Their dates are placeholders.
"""

import json
from typing import Dict, Optional

_NOT_RETRIEVED = "documented meaning; published text not retrieved"
_PLACEHOLDER_DATE = "2015-04-28T16:15:45Z"
# The read actions of the MQ products, as AliyunMQReadOnlyAccess grants them (ReadOnlyAccess's share of them).
_MQ_READ_ACTIONS = [
    "mq:OnsInstanceBaseInfo",
    "mq:List*",
    "mq:Query*",
    "mq:Get*",
    "mq:Download*",
    "mq:Dashboard*",
    "rocketmq:List*",
    "rocketmq:SubmitQuery*",
    "rocketmq:Get*",
    "rocketmq:Download*",
]
_SERVICE_LINKED_ROLE_FOR_ONS = {
    "Action": "ram:CreateServiceLinkedRole",
    "Resource": "*",
    "Effect": "Allow",
    "Condition": {"StringEquals": {"ram:ServiceName": "ons.aliyuncs.com"}},
}


def _document(statements) -> str:
    """Render like the RAM console does: Version first, two-space indentation."""
    return json.dumps({"Version": "1", "Statement": statements}, indent=2)


def _policy(description: str, version: str, created: str, updated: str, statements, origin: str = "published") -> dict:
    return {
        "Description": description,
        "DefaultVersion": version,
        "CreateDate": created,
        "UpdateDate": updated,
        "PolicyDocument": _document(statements),
        "origin": origin,
    }


def _unread_policy(description: str, statements, origin: str = _NOT_RETRIEVED) -> dict:
    """A policy whose page could not be read: version v1 and placeholder dates."""
    return _policy(description, "v1", _PLACEHOLDER_DATE, _PLACEHOLDER_DATE, statements, origin)


SYSTEM_POLICIES: Dict[str, dict] = {
    "AdministratorAccess": _unread_policy(
        "Provides full access to Alibaba Cloud services and resources.",
        [{"Action": "*", "Effect": "Allow", "Resource": "*"}],
    ),
    "ReadOnlyAccess": _unread_policy(
        "Provides read-only access to Alibaba Cloud services and resources.",
        [
            {
                "Action": ["ram:Get*", "ram:List*", "ram:GenerateCredentialReport", *_MQ_READ_ACTIONS],
                "Resource": "*",
                "Effect": "Allow",
            }
        ],
        origin="abridged to the products served by the emulator",
    ),
    "AliyunSTSAssumeRoleAccess": _policy(
        "Provides access to the API AssumeRole of Security Token Service(STS).",
        "v1",
        "2015-08-03T04:52:09Z",
        "2017-04-27T16:48:07Z",
        [{"Action": "sts:AssumeRole", "Effect": "Allow", "Resource": "*"}],
    ),
    "AliyunRAMFullAccess": _unread_policy(
        "Provides full access to Resource Access Management(RAM) via Management Console.",
        [{"Action": "ram:*", "Resource": "*", "Effect": "Allow"}],
    ),
    "AliyunRAMReadOnlyAccess": _policy(
        "Provides read-only access to Resource Access Management(RAM) via Management Console.",
        "v3",
        "2015-04-28T16:15:45Z",
        "2025-12-03T10:03:48Z",
        [
            {"Action": ["ram:Get*", "ram:List*", "ram:GenerateCredentialReport"], "Resource": "*", "Effect": "Allow"},
            {"Effect": "Allow", "Action": ["accessanalyzer:Get*", "accessanalyzer:List*"], "Resource": "*"},
        ],
    ),
    "AliyunMQFullAccess": _policy(
        "Provides full access to MessageQueue for Apache RocketMQ via Management Console.",
        "v5",
        "2017-08-11T09:00:09Z",
        "2024-12-12T02:58:29Z",
        [
            {"Action": ["mq:*", "rocketmq:*", "mq-as:*"], "Resource": "*", "Effect": "Allow"},
            {
                "Action": "ram:CreateServiceLinkedRole",
                "Resource": "*",
                "Effect": "Allow",
                "Condition": {"StringEquals": {"ram:ServiceName": ["ons.aliyuncs.com", "migration.rmq.aliyuncs.com"]}},
            },
        ],
    ),
    "AliyunMQPubOnlyAccess": _policy(
        "Provides publish-only access to RocketMQ4.0 Service via Management Console.",
        "v4",
        "2017-08-11T09:00:12Z",
        "2022-08-04T03:17:27Z",
        [
            {"Action": ["mq:PUB", "mq:OnsInstanceBaseInfo"], "Resource": "*", "Effect": "Allow"},
            _SERVICE_LINKED_ROLE_FOR_ONS,
        ],
    ),
    "AliyunMQSubOnlyAccess": _policy(
        "Provides subscribe-only access to RocketMQ4.0 Service via Management Console.",
        "v4",
        "2017-08-11T09:00:15Z",
        "2022-08-04T03:19:11Z",
        [
            {"Action": ["mq:SUB", "mq:OnsInstanceBaseInfo"], "Resource": "*", "Effect": "Allow"},
            _SERVICE_LINKED_ROLE_FOR_ONS,
        ],
    ),
    "AliyunMQReadOnlyAccess": _policy(
        "Provides read-only access to MessageQueue for Apache RocketMQ via Management Console.",
        "v6",
        "2019-10-23T12:17:19Z",
        "2025-03-27T11:02:29Z",
        [{"Action": [*_MQ_READ_ACTIONS, "mq-as:List*", "mq-as:Get*"], "Resource": "*", "Effect": "Allow"}],
    ),
}


def find_system_policy(name: str) -> Optional[dict]:
    """System policy names are matched exactly, as RAM does for policy names."""
    return SYSTEM_POLICIES.get(name)
