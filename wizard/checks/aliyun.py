"""Alibaba Cloud RPC calls through aliyun-python-sdk-core, endpoints overridable."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from wizard.checks.common import CheckFailed, probe, split_endpoint
from wizard.checks.errors import for_code, network_message
from wizard.secret import reveal

if TYPE_CHECKING:
    from wizard.checks import Timeouts
    from wizard.model import Answers

# API versions, and the public endpoints used when no override is given.
PRODUCTS: dict[str, tuple[str, str]] = {
    "sts": ("2015-04-01", "sts.aliyuncs.com"),
    "eci": ("2018-08-08", "eci.{region}.aliyuncs.com"),
    "vpc": ("2016-04-28", "vpc.{region}.aliyuncs.com"),
}


def region_of(answers: Answers) -> str:
    """The region the RPC calls address: the cluster's, else the bucket's."""
    return answers.cluster.region or answers.cache.region or ""


def has_access_key(answers: Answers) -> bool:
    return bool(answers.cache.access_key_id) and bool(answers.cache.access_key_secret)


def endpoint_of(answers: Answers, product: str, region: str) -> str:
    override = getattr(answers.endpoints, product, "")
    return override or PRODUCTS[product][1].format(region=region)


def call(
    answers: Answers,
    timeouts: Timeouts,
    product: str,
    action: str,
    params: dict[str, str],
    region: str = "",
) -> dict:
    """One RPC call signed with the answers' AccessKey; raises CheckFailed on errors."""
    from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkcore.request import CommonRequest

    region = region or region_of(answers) or "cn-hangzhou"
    endpoint = endpoint_of(answers, product, region)
    scheme, host, port = split_endpoint(endpoint)
    where = f"{product.upper()} at {endpoint}"

    client = AcsClient(
        reveal(answers.cache.access_key_id),
        reveal(answers.cache.access_key_secret),
        region,
        auto_retry=False,
        port=port,
        connect_timeout=timeouts.connect,
        timeout=timeouts.total,
    )
    request = CommonRequest(
        domain=host, version=PRODUCTS[product][0], action_name=action
    )
    request.set_protocol_type(scheme)
    request.set_method("POST")
    request.set_accept_format("json")
    for key, value in params.items():
        request.add_query_param(key, value)
    try:
        body = client.do_action_with_exception(request)
    except ServerException as exc:
        code = exc.get_error_code()
        raise CheckFailed(f"{product.upper()} said {code}: {for_code(code)}") from None
    except ClientException:
        # The SDK keeps only a message for network errors; probe for the type.
        kind = probe(scheme, host, port, timeouts) or "timeout"
        raise CheckFailed(network_message(kind, where, timeouts.total)) from None
    return json.loads(body)
