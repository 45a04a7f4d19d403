# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Options shared by every module: credentials, assume_role, endpoints, TLS, timeouts, retries, call accounting."""

    DOCUMENTATION = r"""
options:
  access_key_id:
    description:
      - Alibaba Cloud AccessKey ID.
      - If not set, the environment variable E(ALIBABA_CLOUD_ACCESS_KEY_ID), then E(ALICLOUD_ACCESS_KEY), is used.
      - Explicit keys win over O(profile) and over the default credentials chain.
      - When neither keys nor O(profile) are given, the alibabacloud-credentials default chain is used
        (environment, OIDC, CLI profile C(~/.aliyun/config.json), C(~/.alibabacloud/credentials.ini), ECS RAM role,
        E(ALIBABA_CLOUD_CREDENTIALS_URI)).
    type: str
    aliases: [alicloud_access_key, access_key]
  access_key_secret:
    description:
      - Alibaba Cloud AccessKey secret, required with O(access_key_id).
      - If not set, the environment variable E(ALIBABA_CLOUD_ACCESS_KEY_SECRET), then E(ALICLOUD_SECRET_KEY), is used.
    type: str
    aliases: [alicloud_secret_key, secret_key]
  security_token:
    description:
      - STS security token, when O(access_key_id) and O(access_key_secret) are temporary credentials.
      - If not set, the environment variable E(ALIBABA_CLOUD_SECURITY_TOKEN), then E(ALICLOUD_SECURITY_TOKEN), is used.
    type: str
    aliases: [alicloud_security_token]
  region:
    description:
      - Region ID, used to pick the public STS and RocketMQ endpoints (RAM is global).
      - If not set, the environment variable E(ALIBABA_CLOUD_REGION_ID), then E(ALICLOUD_REGION), is used.
    type: str
    default: cn-hangzhou
    aliases: [alicloud_region, region_id]
  profile:
    description:
      - Named profile of the Alibaba Cloud CLI (C(~/.aliyun/config.json)) or of C(~/.alibabacloud/credentials.ini),
        used when no explicit keys are given.
      - If not set, the environment variable E(ALIBABA_CLOUD_PROFILE) is used.
    type: str
    aliases: [alicloud_profile]
  assume_role:
    description:
      - Assume this RAM role with STS AssumeRole first, using the credentials above, and make every other call with
        the temporary credentials; this is how an operator acts in another account.
      - The AssumeRole call is retried and reported in RV(ignore:api_calls) like any other call.
    type: dict
    aliases: [alicloud_assume_role]
    suboptions:
      role_arn:
        description:
          - ARN of the role, C(acs:ram::<account uid>:role/<role name>).
        type: str
        required: true
      session_name:
        description:
          - Role session name, visible in ActionTrail and in the assumed identity's ARN.
          - Defaults to C(ansible-apsaramq).
        type: str
      external_id:
        description:
          - External ID that the role's trust policy requires, if any.
        type: str
      duration_seconds:
        description:
          - Lifetime of the temporary credentials in seconds, between 900 and 43200 and at most the role's
            maximum session duration. STS defaults to 3600.
        type: int
        aliases: [session_expiration]
      policy:
        description:
          - Session policy (a dict or JSON text) that further restricts the role's permissions.
        type: raw
  endpoint_url:
    description:
      - One URL for every service (RAM, STS, RocketMQ management and MQ HTTP), for example a local emulator
        V(http://127.0.0.1:8080). The per-service endpoint options override it.
      - If not set, the environment variable E(ALIBABA_CLOUD_ENDPOINT_URL) is used.
    type: str
  ram_endpoint:
    description:
      - RAM endpoint, C(host[:port]) (HTTPS) or a C(http[s]://host[:port]) URL, for example a VPC endpoint.
      - Defaults to C(ram.aliyuncs.com).
    type: str
  sts_endpoint:
    description:
      - STS endpoint, C(host[:port]) (HTTPS) or a C(http[s]://host[:port]) URL, for example a VPC endpoint.
      - Defaults to C(sts.<region>.aliyuncs.com).
    type: str
  rocketmq_endpoint:
    description:
      - ApsaraMQ for RocketMQ 5.x management API endpoint, C(host[:port]) (HTTPS) or a C(http[s]://host[:port]) URL.
      - Defaults to C(rocketmq.<region>.aliyuncs.com).
    type: str
  mq_http_endpoint:
    description:
      - ApsaraMQ for RocketMQ HTTP messaging endpoint of the instance, C(host[:port]) (HTTPS) or a
        C(http[s]://host[:port]) URL, as shown in the console. It has no default; modules that send or receive
        messages need it or O(endpoint_url).
    type: str
  connect_timeout:
    description:
      - Seconds to wait for a connection to an endpoint.
    type: float
    default: 5.0
  read_timeout:
    description:
      - Seconds to wait for an answer once connected.
    type: float
    default: 10.0
  retry_max_attempts:
    description:
      - Most attempts per API call, the first included. V(1) disables retries.
      - Throttling (C(Throttling*), HTTP 429), C(ServiceUnavailable), C(InternalError), other HTTP 5xx and connection
        failures are retried with jittered exponential backoff, waiting as long as an C(x-acs-retry-after) answer asks.
        Other client errors are not retried.
      - A write whose answer was lost (the connection reset or closed after the request was sent, a read timeout) is
        not retried blindly - the module reads back whether it was applied and retries only a write that was not;
        where that cannot be decided the task fails saying what to check.
    type: int
    default: 5
  retry_max_seconds:
    description:
      - No retry starts later than this many seconds after the first attempt of a call.
    type: float
    default: 30.0
  debug_api_calls:
    description:
      - Return RV(ignore:api_calls), every API request this task made (one entry per attempt) with its
        C(product), C(action), C(write) (whether it changes anything), C(attempt) and HTTP C(status).
      - A read made to settle a write whose answer was lost carries C(reconciles) (that write's action); the verdict
        is one more entry, not a request, with C(write=false) and C(reconciliation) (C(applied), C(not_applied),
        C(undone), C(retried), C(conflict) or C(unknown)).
      - If not set, the environment variable E(APSARAMQ_DEBUG_API_CALLS) is used.
    type: bool
    default: false
  validate_certs:
    description:
      - Verify the TLS certificate of every HTTPS endpoint (RAM, STS, RocketMQ management and the MQ HTTP messaging
        endpoint). A certificate that cannot be verified fails the task at once, without retries, naming O(ca_bundle).
      - V(false) turns verification off for every client of the task and the task warns; prefer O(ca_bundle).
      - If not set, the environment variable E(ALIBABA_CLOUD_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_bundle:
    description:
      - PEM file of CA certificates to trust in addition to the default ones (the system's and certifi's), for
        example the CA of a corporate proxy or TLS inspection that re-signs HTTPS traffic. Every client of the task
        uses it.
      - The file must exist and hold at least one certificate; otherwise the task fails before any API call.
      - If not set, the environment variable E(ALIBABA_CLOUD_CA_BUNDLE) is used. E(REQUESTS_CA_BUNDLE) and
        E(CURL_CA_BUNDLE) are not read.
    type: path
requirements:
  - alibabacloud-tea-openapi >= 0.4.0
  - alibabacloud-credentials >= 1.0.0
notes:
  - Secrets (O(access_key_secret), O(security_token) and the temporary credentials of O(assume_role)) are never
    logged or returned; error messages name the API action, error code, message, request ID and HTTP status.
  - In check mode modules only read; the client layer refuses any write call.
  - The RAM, STS and RocketMQ management clients send their requests through the proxy of E(HTTPS_PROXY) or
    E(HTTP_PROXY) when set (E(NO_PROXY) is not honoured); the MQ HTTP messaging client connects directly.
"""
