"""The app's AWS resources on this machine: a moto server holding them, and their local names.

Stages: start moto (its own process, loopback) → name every emulated resource the way
CloudFormation would (`physical_names`) → create them in moto (`aws.provision`) → hand the
functions a resolver that turns the template's ``Ref``/``GetAtt``/``Sub`` into those names, so
``TABLE_NAME: !Ref CountsTable`` reads the local table's name. The functions reach moto through
the services endpoint (``AWS_ENDPOINT_URL``), which sends Lambda's API to lambdakit and the
rest to moto.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType

from lambdakit.aws.destinations_sink import AwsDestinationSink, InvokeAsync
from lambdakit.aws.moto_server import MotoServer
from lambdakit.aws.provision import provision
from lambdakit.aws.sqs_poller import SqsPoller, start_sqs_pollers
from lambdakit.aws.stream_poller import StreamPoller, start_stream_pollers
from lambdakit.local.edge_calls import EdgeObserver
from lambdakit.local.eventbridge_observer import EventBridgeNotifier
from lambdakit.local.events.eventbridge_rules import rule_table
from lambdakit.local.events.s3_notifications import notification_table
from lambdakit.local.events.schedule_targets import schedule_targets
from lambdakit.local.events.sns_delivery import subscription_table
from lambdakit.local.invocation import Invocation
from lambdakit.local.physical_names import PhysicalResource, physical_resources
from lambdakit.local.references import resolve
from lambdakit.local.runner import LocalLambda
from lambdakit.local.s3_observer import S3Notifier
from lambdakit.local.scheduler import Scheduler
from lambdakit.local.sns_observer import SnsNotifier
from lambdakit.local_functions import physical_name
from lambdakit.model import App, ResourceKind, Value


@dataclass
class CloudResources:
    """A running moto server with the app's resources, and what each one is called in it."""

    moto: MotoServer
    physical: Mapping[str, PhysicalResource]
    not_emulated: frozenset[str]

    def resolve(self, value: Value) -> str:
        """`value` as the functions see it: references become local names and ARNs."""
        return resolve(value, self.physical, not_emulated=self.not_emulated)

    def stop(self) -> None:
        self.moto.stop()

    def __enter__(self) -> CloudResources:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


def start_resources(
    app: App, services_url: str, *, moto: MotoServer | None = None
) -> CloudResources:
    """Create the app's resources in moto (`moto`, started, or a new one); queue URLs point at
    `services_url`. Resources that exist already keep their data. On failure a moto started
    here is stopped."""
    started_here = moto is None
    moto = moto or MotoServer().start()
    try:
        physical = dict(physical_resources(app, services_url))
        provision(app, moto.url, physical)
        physical.update(_function_records(app))
    except BaseException:
        if started_here:
            moto.stop()
        raise
    not_emulated = frozenset(resource.logical_id for resource in app.not_emulated)
    return CloudResources(moto=moto, physical=physical, not_emulated=not_emulated)


def destination_sink(app: App, resources: CloudResources, endpoint_url: str) -> AwsDestinationSink:
    """Async destinations and DLQs delivered to the app's local resources through `endpoint_url`.

    Give it the services endpoint, so that the event wiring sees these publishes as it sees the
    functions' own; Lambda destinations need `event_invoker` of the service, once it exists.
    """
    region = app.stacks[0].region if app.stacks else "us-east-1"
    return AwsDestinationSink(endpoint_url, region=region, physical=resources.physical)


def event_invoker(local: LocalLambda) -> InvokeAsync:
    """An ``Event`` invoke on `local`'s service, for `AwsDestinationSink.connect`."""

    async def invoke(target: str, payload: bytes) -> None:
        await local.service.invoke(target, Invocation(payload=payload), "Event")

    return invoke


def _function_records(app: App) -> dict[str, PhysicalResource]:
    """``Ref Fn`` is the function's name and ``GetAtt Fn.Arn`` its ARN, as in CloudFormation."""
    stacks = {stack.name: stack for stack in app.stacks}
    records = {}
    for fn in app.functions:
        stack = stacks.get(fn.stack, app.stacks[0])
        name = fn.name if isinstance(fn.name, str) else physical_name(stack.name, fn.logical_id)
        arn = f"arn:aws:lambda:{stack.region}:{stack.account}:function:{name}"
        records[fn.logical_id] = PhysicalResource(
            logical_id=fn.logical_id,
            kind=ResourceKind.OTHER,
            name=name,
            arn=arn,
            ref=name,
            attributes={"Arn": arn},
        )
    return records


class EventWiring:
    """Every way events reach the app's functions, as AWS delivers them (FIDELITY §4).

    S3 object changes, SNS publishes and EventBridge ``PutEvents`` are seen at the services
    endpoint (`observers`); schedules fire on the service's loop; SQS event source mappings are
    polled from moto by threads. Build it once the functions and resources exist; `start` it
    once the service runs; `stop` it before the service stops.
    """

    def __init__(
        self,
        app: App,
        local: LocalLambda,
        resources: CloudResources,
        report: Callable[[str], None],
        *,
        sink: AwsDestinationSink | None = None,
    ) -> None:
        """`sink` sends to queues and topics through the services endpoint (rule targets)."""
        physical = resources.physical
        service = local.service
        self.observers: list[EdgeObserver] = [
            S3Notifier(service, notification_table(app, physical), report=report),
            SnsNotifier(
                service,
                subscription_table(app, physical),
                report=report,
                time_scale=service.options.time_scale,
            ),
            EventBridgeNotifier(service, rule_table(app, physical), report=report, sink=sink),
        ]
        targets = schedule_targets(app, resolve=resources.resolve)
        self._scheduler = Scheduler(service, targets, report=report, sink=sink)
        self._app, self._local, self._resources, self._report = app, local, resources, report
        self._pollers: list[SqsPoller] = []
        self._stream_pollers: list[StreamPoller] = []
        self._sink = sink

    def start(self) -> None:
        self._local.call(self._scheduler.start())
        self._pollers = start_sqs_pollers(
            self._app,
            self._resources.physical,
            self._resources.moto.url,
            self._local.invoke,
            self._report,
        )
        self._stream_pollers = start_stream_pollers(
            self._app,
            self._resources.physical,
            self._resources.moto.url,
            self._local.invoke,
            self._report,
            sink=self._sink,
            run_async=self._local.call,
        )

    def stop(self) -> None:
        for poller in self._pollers:
            poller.stop()
        self._pollers = []
        for stream_poller in self._stream_pollers:
            stream_poller.stop()
        self._stream_pollers = []
        self._local.call(self._scheduler.stop())
