"""boto3 clients of one session and endpoint, made once per service, with bounded retries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import botocore.exceptions
from botocore.config import Config

from lambdakit.aws.cloudformation_stacks import session as new_session
from lambdakit.errors import CredentialsError

if TYPE_CHECKING:
    from boto3.session import Session

_CLIENT_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"})


class Clients:
    """The clients an adapter needs: ``clients("lambda")``; a session is made when not given."""

    def __init__(
        self,
        *,
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        session: Session | None = None,
    ) -> None:
        self.session = (
            session if session is not None else new_session(profile, region, endpoint_url)
        )
        self._endpoint_url = endpoint_url
        self._made: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self._made:
            try:
                self._made[service] = self.session.client(
                    service, endpoint_url=self._endpoint_url, config=_CLIENT_CONFIG
                )
            except botocore.exceptions.NoRegionError:
                raise CredentialsError(
                    "no AWS region: none configured for the profile or environment",
                    hint="pass --region (or set AWS_REGION)",
                ) from None
        return self._made[service]
