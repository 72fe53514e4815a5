"""The account a session's credentials belong to (STS GetCallerIdentity)."""

from __future__ import annotations

import boto3

from lambdakit.aws.cloudformation_stacks import translated


def account_id(boto_session: boto3.session.Session, endpoint_url: str | None = None) -> str:
    """The 12-digit account id of `boto_session`'s credentials."""
    with translated("finding the account of these credentials"):
        identity = boto_session.client("sts", endpoint_url=endpoint_url).get_caller_identity()
    return str(identity["Account"])
