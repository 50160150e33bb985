"""The data converter every process shares, and the one way every process connects to Temporal.

`connect` is used by the worker, the web app and the dev runner (tests build their own clients). Its
calls are bounded by TEMPORAL_RPC_TIMEOUT_SECONDS, so an outage reaches an officer as a clear 503
within seconds instead of a page that hangs:
- every workflow call (start, query, signal, update, describe, terminate, cancel) gets that deadline
  unless its caller sets one; a timed-out Update raises `WorkflowUpdateRPCTimeoutOrCancelledError`;
- the SDK's retries of an unreachable server stop after the same time, and a TCP connect is bounded;
- a lazy client that has never reached the server raises `RPCError(UNAVAILABLE)` like a connected one
  (the SDK raises a bare RuntimeError from its first connection attempt).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio.client import (
    CancelWorkflowInput,
    Client,
    DescribeWorkflowInput,
    Interceptor,
    OutboundInterceptor,
    QueryWorkflowInput,
    SignalWorkflowInput,
    StartWorkflowInput,
    StartWorkflowUpdateInput,
    TerminateWorkflowInput,
    WorkflowExecutionDescription,
    WorkflowHandle,
    WorkflowUpdateHandle,
)
from temporalio.converter import DataConverter
from temporalio.service import ConnectConfig, RetryConfig, RPCError, RPCStatusCode, ServiceClient

from payloads.codec import EncryptionCodec
from payloads.keys import load_keyring
from payloads.plain_json import PayloadConverter
from settings import Settings

# How long a readiness probe waits for Temporal before calling it unreachable.
PROBE_TIMEOUT = timedelta(seconds=2)

Result = TypeVar("Result")


def data_converter(settings: Settings) -> DataConverter:
    """The SDK's converter with our dataclasses' JSON compiled once (same bytes on the wire, see
    payloads.plain_json) and personal data encrypted (payloads.codec)."""
    return dataclasses.replace(
        DataConverter.default,
        payload_converter_class=PayloadConverter,
        payload_codec=EncryptionCodec(load_keyring(settings)),
    )


async def connect(settings: Settings, *, lazy: bool = False) -> Client:
    """A client on TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE with the encrypting converter.

    `lazy`: return at once and connect on the first call (the web starts, and /healthz answers,
    while Temporal is still coming up). A lazy client cannot run a worker.
    """
    converter = data_converter(settings)  # first: a missing key stops the process before any call
    timeout = timedelta(seconds=settings.temporal_rpc_timeout_seconds)
    service = await ServiceClient.connect(
        ConnectConfig(
            target_host=settings.temporal_address,
            retry_config=RetryConfig(max_elapsed_time_millis=int(timeout.total_seconds() * 1000)),
            connect_timeout=min(timeout, PROBE_TIMEOUT * 2),
            lazy=lazy,
        )
    )
    return Client(
        service,
        namespace=settings.temporal_namespace,
        data_converter=converter,
        interceptors=[BoundedCalls(service, timeout)],
    )


async def reachable(service: ServiceClient) -> bool:
    """Whether Temporal's frontend answers a health check within PROBE_TIMEOUT."""
    try:
        return await asyncio.wait_for(
            service.check_health(timeout=PROBE_TIMEOUT), PROBE_TIMEOUT.total_seconds() + 0.5
        )
    except (RuntimeError, RPCError, TimeoutError):
        # RuntimeError: a lazy client's connection attempt failed (the SDK raises no RPCError there).
        return False


class BoundedCalls(Interceptor):
    def __init__(self, service: ServiceClient, rpc_timeout: timedelta) -> None:
        self.service = service
        self.rpc_timeout = rpc_timeout

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _Bounded(next, self.service, self.rpc_timeout)


class _Bounded(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, service: ServiceClient, rpc_timeout: timedelta) -> None:
        super().__init__(next)
        self.service = service
        self.rpc_timeout = rpc_timeout
        self.connected = False

    async def _call(self, call: Callable[[Any], Awaitable[Result]], input: Any) -> Result:
        if input.rpc_timeout is None:
            input = dataclasses.replace(input, rpc_timeout=self.rpc_timeout)
        try:
            result = await call(input)
        except RuntimeError as error:
            # Once connected, the SDK reports an outage as RPCError; before, as a RuntimeError. Any
            # other RuntimeError (a converter's) is a bug and stays one.
            if self.connected or await reachable(self.service):
                raise
            raise RPCError(f"Temporal is unreachable: {error}", RPCStatusCode.UNAVAILABLE, b"") from error
        self.connected = True
        return result

    async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[Any, Any]:
        return await self._call(self.next.start_workflow, input)

    async def start_workflow_update(self, input: StartWorkflowUpdateInput) -> WorkflowUpdateHandle[Any]:
        return await self._call(self.next.start_workflow_update, input)

    async def query_workflow(self, input: QueryWorkflowInput) -> Any:
        return await self._call(self.next.query_workflow, input)

    async def signal_workflow(self, input: SignalWorkflowInput) -> None:
        await self._call(self.next.signal_workflow, input)

    async def describe_workflow(self, input: DescribeWorkflowInput) -> WorkflowExecutionDescription:
        return await self._call(self.next.describe_workflow, input)

    async def terminate_workflow(self, input: TerminateWorkflowInput) -> None:
        await self._call(self.next.terminate_workflow, input)

    async def cancel_workflow(self, input: CancelWorkflowInput) -> None:
        await self._call(self.next.cancel_workflow, input)
