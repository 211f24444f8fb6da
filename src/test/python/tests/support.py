"""Helpers the client tests share: reading KFP errors, waiting for a state, building filters."""

import dataclasses
import json
import time
import types

import kfp_server_api


@dataclasses.dataclass(frozen=True)
class KfpError:
    """What an ApiException says: HTTP status, gRPC code, KFP's long message and its short, user-facing one."""
    http_status: int
    code: int
    message: str
    short_message: str


def kfp_error(api_client, error):
    """Parses an ApiException's body with the generated client's GoogleRpcStatus model. That model's detail type
    (ProtobufAny) keeps only "@type", so the short message of the google.rpc.Status detail is read from the raw
    body; gateway errors have no detail."""
    status = api_client.deserialize(types.SimpleNamespace(data=error.body), "GoogleRpcStatus")
    details = status.details or []
    assert [detail.type for detail in details] in ([], ["type.googleapis.com/google.rpc.Status"]), error.body
    short = json.loads(error.body)["details"][0]["message"] if details else None
    return KfpError(error.status, status.code, status.message, short)


def await_state(runs, run_id, *states, timeout_s=15):
    """Reads the run until its state is one of `states`; returns it."""
    deadline = time.monotonic() + timeout_s
    while True:
        run = runs.run_service_get_run(run_id)
        if run.state in states:
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} is still {run.state} after {timeout_s} s, expected one of {states}")
        time.sleep(0.05)


def filter_json(api_client, *predicates):
    """A v2beta1 Filter made of the generated client's models, serialised as the list call's filter wants."""
    model = kfp_server_api.V2beta1Filter(predicates=list(predicates))
    return json.dumps(api_client.sanitize_for_serialization(model))
