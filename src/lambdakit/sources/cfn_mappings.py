"""Event source mappings (``AWS::Lambda::EventSourceMapping``) -> `SqsEvent` or `StreamEvent`.

Lambda polls the source and invokes the function synchronously. What ``EventSourceArn`` points at
decides the kind: a queue is SQS (FIDELITY 4.5); a table's ``StreamArn`` is DynamoDB; a Kinesis
stream, or a stream consumer, is Kinesis (FIDELITY 4.7); a literal ARN is told by its service
field. Other pollers (Kafka, MQ, DocumentDB) are not event sources lambdakit runs: left out.
Unset settings take Lambda's defaults; values Lambda would reject raise `TemplateError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from lambdakit.errors import TemplateError
from lambdakit.model import (
    Destination,
    EventSource,
    GetAtt,
    Join,
    Ref,
    SqsEvent,
    StreamEvent,
    Value,
)
from lambdakit.sources.cfn_props import items, json_object, mapping, upper_str, where
from lambdakit.sources.coerce import as_bool, as_int, as_str_list
from lambdakit.sources.resolved import ResolvedResource, ResolvedStack

_ARN_SERVICE = re.compile(r"^arn:[^:]*:([^:]+):")
_SOURCE_TYPES: Mapping[str, Literal["sqs", "dynamodb", "kinesis"]] = {
    "AWS::SQS::Queue": "sqs",
    "AWS::DynamoDB::Table": "dynamodb",
    "AWS::DynamoDB::GlobalTable": "dynamodb",
    "AWS::Kinesis::Stream": "kinesis",
    "AWS::Kinesis::StreamConsumer": "kinesis",
}
_SOURCE_SERVICES: Mapping[str, Literal["sqs", "dynamodb", "kinesis"]] = {
    "sqs": "sqs",
    "dynamodb": "dynamodb",
    "kinesis": "kinesis",
}
_DestinationKind = Literal["sqs", "sns", "lambda", "eventbridge", "s3", "unknown"]
_DESTINATION_TYPES: Mapping[str, _DestinationKind] = {
    "AWS::SQS::Queue": "sqs",
    "AWS::SNS::Topic": "sns",
    "AWS::Lambda::Function": "lambda",
    "AWS::Lambda::Alias": "lambda",
    "AWS::Lambda::Version": "lambda",
    "AWS::Events::EventBus": "eventbridge",
    "AWS::S3::Bucket": "s3",
}
_DESTINATION_SERVICES: Mapping[str, _DestinationKind] = {
    "sqs": "sqs",
    "sns": "sns",
    "lambda": "lambda",
    "events": "eventbridge",
    "s3": "s3",
}
_SQS_BATCH_DEFAULT = 10
_STREAM_BATCH_DEFAULT = 100
_REPORT_FAILURES = "ReportBatchItemFailures"


def mapping_events(stack: ResolvedStack, esm: ResolvedResource) -> list[EventSource]:
    """The SQS or stream event source one mapping defines (none for other pollers)."""
    if esm.prop("FunctionName") is None:
        raise TemplateError(
            f"{where(stack, esm.logical_id, 'FunctionName')}: required property is missing"
        )
    function = stack.target_function(esm.prop("FunctionName"))
    if function is None:
        return []
    kind, source = _source_of(stack, esm)
    if kind == "sqs":
        return [_sqs_event(stack, esm, function, source)]
    if kind is not None:
        return [_stream_event(stack, esm, function, kind, source)]
    return []


def arn_service(arn: Value) -> str | None:
    """The service field of a literal ARN, or of the literal start of a `Join` ARN."""
    if isinstance(arn, Join) and arn.parts and isinstance(arn.parts[0], str):
        arn = arn.parts[0]
    match = _ARN_SERVICE.match(arn) if isinstance(arn, str) else None
    return match[1].lower() if match else None


def _source_of(
    stack: ResolvedStack, esm: ResolvedResource
) -> tuple[Literal["sqs", "dynamodb", "kinesis"] | None, str | None]:
    """What kind of source ``EventSourceArn`` is, and its logical id when it is ours."""
    arn = esm.prop("EventSourceArn")
    logical_id = stack.referenced(arn)
    res = stack.get(logical_id)
    if res is None:
        return _SOURCE_SERVICES.get(arn_service(arn) or ""), None
    kind = _SOURCE_TYPES.get(res.type)
    _check_source_attribute(stack, esm, res, arn)
    if res.type == "AWS::Kinesis::StreamConsumer":
        # Records come from the consumer's stream; the stream is what the local cloud feeds.
        return kind, stack.referenced(res.prop("StreamARN"))
    return kind, logical_id


def _check_source_attribute(
    stack: ResolvedStack, esm: ResolvedResource, res: ResolvedResource, arn: Value
) -> None:
    """Lambda needs an ARN: a queue's URL (``!Ref``) or a table's ARN (not its stream) fail."""
    place = where(stack, esm.logical_id, "EventSourceArn")
    if res.type == "AWS::SQS::Queue" and isinstance(arn, Ref):
        raise TemplateError(
            f"{place}: !Ref {res.logical_id} is the queue's URL, not its ARN",
            hint=f"use !GetAtt {res.logical_id}.Arn",
        )
    if res.type != "AWS::DynamoDB::Table":
        return
    if isinstance(arn, Ref) or (isinstance(arn, GetAtt) and arn.attribute != "StreamArn"):
        raise TemplateError(
            f"{place}: a DynamoDB event source is the table's stream, not the table",
            hint=f"use !GetAtt {res.logical_id}.StreamArn",
        )
    if res.prop("StreamSpecification") is None:
        raise TemplateError(
            f"{place}: table {res.logical_id} has no stream",
            hint=f"add StreamSpecification (e.g. StreamViewType: NEW_IMAGE) to {res.logical_id}",
        )


def _check_range(
    value: int | None, low: int, high: int, place: str, fidelity: str, *, unit: str = ""
) -> None:
    if value is not None and not low <= value <= high:
        raise TemplateError(
            f"{place}: {value}{unit} is outside the allowed {low} to {high}{unit}",
            hint=f"Lambda rejects it (FIDELITY {fidelity})",
        )


def _sqs_event(
    stack: ResolvedStack, esm: ResolvedResource, function: str, source: str | None
) -> SqsEvent:
    def place(prop: str) -> str:
        return where(stack, esm.logical_id, prop)

    batch = as_int(esm.prop("BatchSize"), place("BatchSize"))
    window = as_int(
        esm.prop("MaximumBatchingWindowInSeconds"), place("MaximumBatchingWindowInSeconds")
    )
    _check_range(window, 0, 300, place("MaximumBatchingWindowInSeconds"), "4.5.2", unit=" s")
    fifo = _is_fifo_queue(stack, source, esm.prop("EventSourceArn"))
    _check_range(batch, 1, 10 if fifo else 10_000, place("BatchSize"), "4.5.2")
    if batch is not None and batch > _SQS_BATCH_DEFAULT and (window or 0) < 1:
        raise TemplateError(
            f"{place('BatchSize')}: a batch size of {batch} needs a batching window",
            hint="set MaximumBatchingWindowInSeconds to 1 or more, or BatchSize to 10 or less "
            "(FIDELITY 4.5.2)",
        )
    scaling = mapping(esm.prop("ScalingConfig"))
    concurrency = as_int(
        scaling.get("MaximumConcurrency"), place("ScalingConfig.MaximumConcurrency")
    )
    if concurrency is not None and concurrency < 2:
        raise TemplateError(
            f"{place('ScalingConfig.MaximumConcurrency')}: {concurrency} is below the minimum of 2",
            hint="Lambda needs at least 2 concurrent batches for an SQS source; remove it for none",
        )
    return SqsEvent(
        function=stack.context.function_id(function),
        source=source,
        source_arn=esm.prop("EventSourceArn"),
        origin=stack.context.origin(esm.logical_id),
        enabled=_enabled(stack, esm),
        batch_size=_SQS_BATCH_DEFAULT if batch is None else batch,
        batching_window_seconds=window or 0,
        report_batch_item_failures=_reports_item_failures(stack, esm),
        filters=_filters(stack, esm),
        maximum_concurrency=concurrency,
    )


def _is_fifo_queue(stack: ResolvedStack, source: str | None, arn: Value) -> bool:
    queue = stack.get(source)
    if queue is not None:
        place = where(stack, queue.logical_id, "FifoQueue")
        return bool(as_bool(queue.prop("FifoQueue"), place))
    return isinstance(arn, str) and arn.endswith(".fifo")


def _stream_event(
    stack: ResolvedStack,
    esm: ResolvedResource,
    function: str,
    kind: Literal["dynamodb", "kinesis"],
    source: str | None,
) -> StreamEvent:
    def place(prop: str) -> str:
        return where(stack, esm.logical_id, prop)

    def number(prop: str) -> int | None:
        return as_int(esm.prop(prop), place(prop))

    batch = number("BatchSize")
    _check_range(batch, 1, 10_000, place("BatchSize"), "4.7.5")
    window = number("MaximumBatchingWindowInSeconds")
    _check_range(window, 0, 300, place("MaximumBatchingWindowInSeconds"), "4.5.2", unit=" s")
    retries = number("MaximumRetryAttempts")
    _check_range(retries, -1, 10_000, place("MaximumRetryAttempts"), "4.7.6")
    max_age = number("MaximumRecordAgeInSeconds")
    _check_range(max_age, -1, 604_800, place("MaximumRecordAgeInSeconds"), "4.7.6", unit=" s")
    parallel = number("ParallelizationFactor")
    _check_range(parallel, 1, 10, place("ParallelizationFactor"), "4.7.5")
    on_failure = mapping(mapping(esm.prop("DestinationConfig")).get("OnFailure"))
    return StreamEvent(
        function=stack.context.function_id(function),
        source=source,
        source_arn=esm.prop("EventSourceArn"),
        origin=stack.context.origin(esm.logical_id),
        enabled=_enabled(stack, esm),
        stream_kind=kind,
        starting_position=_starting_position(stack, esm, kind),
        batch_size=_STREAM_BATCH_DEFAULT if batch is None else batch,
        batching_window_seconds=window or 0,
        bisect_on_error=bool(
            as_bool(esm.prop("BisectBatchOnFunctionError"), place("BisectBatchOnFunctionError"))
        ),
        maximum_retry_attempts=-1 if retries is None else retries,
        maximum_record_age_seconds=-1 if max_age is None else max_age,
        parallelization_factor=1 if parallel is None else parallel,
        report_batch_item_failures=_reports_item_failures(stack, esm),
        on_failure=destination(stack, on_failure.get("Destination")),
        filters=_filters(stack, esm),
    )


def _starting_position(
    stack: ResolvedStack, esm: ResolvedResource, kind: Literal["dynamodb", "kinesis"]
) -> str:
    place = where(stack, esm.logical_id, "StartingPosition")
    if esm.prop("StartingPosition") is None:
        raise TemplateError(
            f"{place}: a {kind} event source needs a starting position",
            hint="set StartingPosition: LATEST or TRIM_HORIZON (FIDELITY 4.7.5)",
        )
    position = upper_str(esm.prop("StartingPosition"), place)
    allowed = ("TRIM_HORIZON", "LATEST") + (("AT_TIMESTAMP",) if kind == "kinesis" else ())
    if position is not None and position not in allowed:
        raise TemplateError(
            f"{place}: {position!r} is not a starting position for {kind}",
            hint=f"use one of {', '.join(allowed)} (FIDELITY 4.7.5)",
        )
    return position or "LATEST"


def _enabled(stack: ResolvedStack, esm: ResolvedResource) -> bool:
    enabled = as_bool(esm.prop("Enabled"), where(stack, esm.logical_id, "Enabled"))
    return True if enabled is None else enabled


def _reports_item_failures(stack: ResolvedStack, esm: ResolvedResource) -> bool:
    place = where(stack, esm.logical_id, "FunctionResponseTypes")
    return _REPORT_FAILURES in as_str_list(esm.prop("FunctionResponseTypes"), place)


def _filters(stack: ResolvedStack, esm: ResolvedResource) -> tuple[Mapping[str, Any], ...]:
    """``FilterCriteria.Filters[].Pattern``: JSON strings (or objects), parsed."""
    place = where(stack, esm.logical_id, "FilterCriteria.Filters")
    patterns: list[Mapping[str, Any]] = []
    for i, item in enumerate(items(mapping(esm.prop("FilterCriteria")).get("Filters"), place)):
        pattern = json_object(mapping(item).get("Pattern"), f"{place}[{i}].Pattern")
        if pattern is not None:
            patterns.append(pattern)
    return tuple(patterns)


def destination(stack: ResolvedStack, arn: Value) -> Destination | None:
    """A failure/success destination: kind from the referenced resource or the ARN's service."""
    if arn is None:
        return None
    logical_id = stack.referenced(arn)
    res = stack.get(logical_id)
    if res is not None:
        kind: _DestinationKind = _DESTINATION_TYPES.get(res.type, "unknown")
        if kind == "lambda":
            logical_id = stack.target_function(arn) or logical_id
        return Destination(arn=arn, kind=kind, resource=logical_id)
    return Destination(arn=arn, kind=_DESTINATION_SERVICES.get(arn_service(arn) or "", "unknown"))
