"""Multi-user mode through kfp-server-api: the client's bearer token (its "authorization" API key) decides, per
namespace, what it may do; KFP's statuses are 401 without credentials and 403 outside the token's namespaces."""

import pytest
from kfp_server_api import (ApiException, ExperimentServiceApi, HealthzServiceApi, RunServiceApi,
                            V2beta1PipelineVersionReference, V2beta1Run)

from support import kfp_error


@pytest.fixture(scope="module")
def clients(multi_user_simulator):
    opened = {name: multi_user_simulator.client(token) for name, token in
              [("anonymous", None), ("a", "token-a"), ("b", "token-b"), ("forged", "not-a-token")]}
    yield opened
    for client in opened.values():
        client.close()


def run_in(simulator, namespace):
    return V2beta1Run(display_name=f"run in {namespace}",
                      experiment_id=simulator.experiment_id(f"in namespace {namespace}"),
                      pipeline_version_reference=V2beta1PipelineVersionReference(pipeline_id=simulator.pipeline_id))


def status_of(client, call, *args, **kwargs):
    with pytest.raises(ApiException) as raised:
        call(*args, **kwargs)
    error = kfp_error(client, raised.value)
    return error.http_status, error.code


def test_a_token_acts_in_its_own_namespace_only(multi_user_simulator, clients):
    runs_a = RunServiceApi(clients["a"])
    runs_b = RunServiceApi(clients["b"])

    created = runs_a.run_service_create_run(run_in(multi_user_simulator, "team-a"))
    listed = runs_a.run_service_list_runs(namespace="team-a")

    assert created.service_account == "default-editor"
    assert [run.run_id for run in listed.runs] == [created.run_id]
    assert status_of(clients["b"], runs_b.run_service_get_run, created.run_id) == (403, 7)
    assert status_of(clients["b"], runs_b.run_service_create_run, run_in(multi_user_simulator, "team-a")) == (403, 7)
    assert status_of(clients["b"], runs_b.run_service_list_runs, namespace="team-a") == (403, 7)
    assert status_of(clients["b"], runs_b.run_service_archive_run, created.run_id) == (403, 7)
    assert status_of(clients["b"], runs_b.run_service_terminate_run, created.run_id) == (403, 7)
    assert status_of(clients["b"], runs_b.run_service_delete_run, created.run_id) == (403, 7)
    assert runs_a.run_service_delete_run(created.run_id) == {}


def test_no_or_an_unknown_token_is_unauthenticated(multi_user_simulator, clients):
    for name in ("anonymous", "forged"):
        runs = RunServiceApi(clients[name])
        assert status_of(clients[name], runs.run_service_create_run, run_in(multi_user_simulator, "team-a")) == \
            (401, 16), name
        assert status_of(clients[name], runs.run_service_list_runs, namespace="team-a") == (401, 16), name


def test_an_unknown_run_is_not_found_before_any_credential_check(clients):
    runs = RunServiceApi(clients["anonymous"])

    assert status_of(clients["anonymous"], runs.run_service_get_run, "no-such-run") == (404, 5)


def test_listing_needs_a_namespace_or_an_experiment(clients):
    runs = RunServiceApi(clients["a"])

    assert status_of(clients["a"], runs.run_service_list_runs) == (400, 3)


def test_the_experiment_carries_its_namespace_and_healthz_says_multi_user(multi_user_simulator, clients):
    experiment = ExperimentServiceApi(clients["a"]).experiment_service_get_experiment(
        multi_user_simulator.experiment_id("in namespace team-a"))

    assert experiment.namespace == "team-a"
    assert HealthzServiceApi(clients["anonymous"]).healthz_service_get_healthz().multi_user is True
