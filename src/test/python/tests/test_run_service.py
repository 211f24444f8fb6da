"""Every method of kfp-server-api's RunServiceApi against the simulator: the generated client must parse each
answer into its models, and the answers must be what KFP gives (states, storage states, errors and their HTTP
statuses, as described in KFP's run_server and resource_manager)."""

import datetime
import uuid

import pytest
from kfp_server_api import (ApiException, PredicateStringValues, V2beta1ListRunsResponse,
                            V2beta1PipelineVersionReference, V2beta1Predicate, V2beta1Run, V2beta1RuntimeConfig,
                            V2beta1RuntimeState)

from support import await_state, filter_json, kfp_error

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def unique(name):
    return f"{name}-{uuid.uuid4().hex[:8]}"


def demo_run(simulator, display_name, **fields):
    """A run of the simulator's demo pipeline (inputs message: str, repeat: int, dry_run: bool)."""
    fields.setdefault("runtime_config", V2beta1RuntimeConfig(parameters={"message": "hi", "repeat": 2}))
    return V2beta1Run(display_name=display_name,
                      pipeline_version_reference=V2beta1PipelineVersionReference(pipeline_id=simulator.pipeline_id),
                      **fields)


def expect_error(api_client, status, code, call, *args, **kwargs):
    """Calls the client, which must raise ApiException with this HTTP status and gRPC code; returns the error."""
    with pytest.raises(ApiException) as raised:
        call(*args, **kwargs)
    error = kfp_error(api_client, raised.value)
    assert (error.http_status, error.code) == (status, code), raised.value.body
    return error


def all_pages(runs, **list_args):
    """Follows next_page_token to the end; returns the runs in order and each page's total_size."""
    listed, totals, token = [], [], None
    while True:
        page = runs.run_service_list_runs(page_token=token, **list_args) if token else runs.run_service_list_runs(
            **list_args)
        assert isinstance(page, V2beta1ListRunsResponse)
        listed += page.runs or []
        totals.append(page.total_size)
        token = page.next_page_token
        if not token:
            return listed, totals


def test_create_returns_the_pending_run_with_the_resolved_version(simulator, runs):
    name = unique("create")
    created = runs.run_service_create_run(demo_run(simulator, name, description="from the generated client"))

    assert isinstance(created, V2beta1Run)
    assert created.run_id
    assert created.display_name == name
    assert created.description == "from the generated client"
    assert created.experiment_id == simulator.experiment_id("'Default'")
    assert created.state == V2beta1RuntimeState.PENDING
    assert created.storage_state == "AVAILABLE"
    assert created.pipeline_version_reference.pipeline_version_id == simulator.pipeline_version_id
    assert created.pipeline_spec is None
    assert created.runtime_config.parameters == {"message": "hi", "repeat": 2}
    assert created.service_account == "pipeline-runner"
    assert created.created_at.tzinfo is not None and created.scheduled_at == created.created_at
    assert created.finished_at == EPOCH
    assert [entry.state for entry in created.state_history] == ["PENDING"]
    assert created.run_details is None


def test_create_with_the_compilers_spec_echoes_it_and_keeps_typed_parameters(simulator, runs, compiled_pipelines):
    spec = compiled_pipelines("training")
    parameters = {"dataset": "s3://data/iris.csv", "epochs": 3, "learning_rate": 0.05, "early_stopping": True,
                  "features": ["sepal_length"], "hyperparameters": {"optimizer": "adam", "layers": [64, 32]}}

    created = runs.run_service_create_run(V2beta1Run(
        display_name=unique("inline"), pipeline_spec=spec,
        runtime_config=V2beta1RuntimeConfig(parameters=parameters, pipeline_root="s3://bucket/root")))

    assert created.pipeline_version_reference is None
    assert created.pipeline_spec["pipelineInfo"]["name"] == "training"
    assert created.pipeline_spec["root"] == spec["root"]
    assert created.runtime_config.parameters == parameters
    assert created.runtime_config.pipeline_root == "s3://bucket/root"


def test_create_refuses_what_kfp_refuses_with_kfps_statuses(simulator, runs, api_client, compiled_pipelines):
    spec = compiled_pipelines("training")
    wrong_type = expect_error(api_client, 400, 3, runs.run_service_create_run, V2beta1Run(
        display_name="typed", pipeline_spec=spec,
        runtime_config=V2beta1RuntimeConfig(parameters={"dataset": "d", "epochs": "3", "learning_rate": 0.1,
                                                        "early_stopping": False, "features": [],
                                                        "hyperparameters": {}})))
    assert "epochs" in wrong_type.message
    missing = expect_error(api_client, 400, 3, runs.run_service_create_run, V2beta1Run(
        display_name="missing", pipeline_spec=spec, runtime_config=V2beta1RuntimeConfig(parameters={"epochs": 1})))
    assert "dataset" in missing.message
    undeclared = expect_error(api_client, 400, 3, runs.run_service_create_run,
                              demo_run(simulator, "extra", runtime_config=V2beta1RuntimeConfig(
                                  parameters={"message": "m", "batch_size": 8})))
    assert "batch_size" in undeclared.message
    unknown_experiment = expect_error(api_client, 404, 5, runs.run_service_create_run,
                                      demo_run(simulator, "lost", experiment_id="no-such-experiment"))
    assert unknown_experiment.short_message == "Experiment no-such-experiment not found"
    unknown_pipeline = expect_error(api_client, 500, 13, runs.run_service_create_run, V2beta1Run(
        display_name="nothing", pipeline_version_reference=V2beta1PipelineVersionReference(pipeline_id="nope")))
    assert "nope" in unknown_pipeline.message
    no_name = expect_error(api_client, 500, 13, runs.run_service_create_run,
                           demo_run(simulator, None))
    assert "Run name cannot be empty" in no_name.message


def test_get_follows_a_run_through_its_states_to_succeeded(simulator, runs):
    created = runs.run_service_create_run(demo_run(simulator, unique("succeed")))

    done = await_state(runs, created.run_id, V2beta1RuntimeState.SUCCEEDED)

    assert isinstance(done, V2beta1Run)
    assert [entry.state for entry in done.state_history] == ["PENDING", "RUNNING", "SUCCEEDED"]
    assert done.finished_at >= done.created_at > EPOCH
    assert done.runtime_config.parameters == {"message": "hi", "repeat": 2}


def test_get_of_an_unknown_run_is_not_found(runs, api_client):
    status = expect_error(api_client, 404, 5, runs.run_service_get_run, "no-such-run")
    assert status.short_message == "Run no-such-run not found"


def test_list_pages_with_tokens_sorts_and_counts_the_whole_match(simulator, runs, api_client):
    prefix = unique("page")
    created = [runs.run_service_create_run(demo_run(simulator, f"{prefix}-{i}")) for i in range(5)]
    mine = filter_json(api_client, V2beta1Predicate(key="display_name", operation="IS_SUBSTRING",
                                                    string_value=prefix))

    by_name_desc, totals = all_pages(runs, page_size=2, sort_by="name desc", filter=mine)
    by_default, _ = all_pages(runs, page_size=3, filter=mine)

    assert [run.display_name for run in by_name_desc] == sorted((run.display_name for run in created), reverse=True)
    assert totals == [5, 5, 5]
    # KFP's default order: created_at ascending (whole seconds), ties broken by run id
    assert [run.run_id for run in by_default] == [run.run_id for run in
                                                   sorted(created, key=lambda run: (run.created_at, run.run_id))]


def test_list_filters_by_id_set_and_state_in_an_experiment(simulator, runs, api_client):
    experiment = simulator.experiment_id("'demo'")
    kept = [runs.run_service_create_run(demo_run(simulator, unique("in-set"), experiment_id=experiment))
            for _ in range(2)]
    runs.run_service_create_run(demo_run(simulator, unique("not-in-set"), experiment_id=experiment))
    ids = [run.run_id for run in kept]
    in_set = filter_json(api_client, V2beta1Predicate(key="run_id", operation="IN",
                                                      string_values=PredicateStringValues(values=ids)))

    page = runs.run_service_list_runs(experiment_id=experiment, filter=in_set)
    elsewhere = runs.run_service_list_runs(experiment_id=simulator.experiment_id("'Default'"), filter=in_set)
    for run in kept:
        await_state(runs, run.run_id, V2beta1RuntimeState.SUCCEEDED)
    finished = runs.run_service_list_runs(experiment_id=experiment, filter=filter_json(
        api_client, V2beta1Predicate(key="run_id", operation="IN", string_values=PredicateStringValues(values=ids)),
        V2beta1Predicate(key="state", operation="NOT_EQUALS", string_value="SUCCEEDED")))

    assert sorted(run.run_id for run in page.runs) == sorted(ids)
    assert page.total_size == 2 and page.next_page_token is None
    assert all(run.experiment_id == experiment for run in page.runs)
    assert elsewhere.runs is None and elsewhere.total_size is None
    assert finished.runs is None


def test_list_refuses_bad_arguments(runs, api_client):
    token = expect_error(api_client, 400, 3, runs.run_service_list_runs, page_token="not-a-token")
    assert "Invalid page token" in token.message
    expect_error(api_client, 400, 3, runs.run_service_list_runs, sort_by="colour")
    expect_error(api_client, 400, 3, runs.run_service_list_runs, filter="{not json")
    expect_error(api_client, 400, 3, runs.run_service_list_runs, page_size=-1)
    expect_error(api_client, 404, 5, runs.run_service_list_runs, experiment_id="no-such-experiment")


def test_archive_and_unarchive_change_the_storage_state(simulator, runs, api_client):
    run = runs.run_service_create_run(demo_run(simulator, unique("archive")))
    not_archived = filter_json(
        api_client, V2beta1Predicate(key="run_id", operation="EQUALS", string_value=run.run_id),
        V2beta1Predicate(key="storage_state", operation="NOT_EQUALS", string_value="ARCHIVED"))

    assert runs.run_service_archive_run(run.run_id) == {}
    archived = runs.run_service_get_run(run.run_id)
    hidden = runs.run_service_list_runs(filter=not_archived)
    assert runs.run_service_archive_run(run.run_id) == {}, "archiving an archived run is a no-op"
    assert runs.run_service_unarchive_run(run.run_id) == {}
    available = runs.run_service_get_run(run.run_id)

    assert archived.storage_state == "ARCHIVED"
    assert hidden.runs is None
    assert available.storage_state == "AVAILABLE"
    assert [r.run_id for r in runs.run_service_list_runs(filter=not_archived).runs] == [run.run_id]
    expect_error(api_client, 404, 5, runs.run_service_archive_run, "no-such-run")
    expect_error(api_client, 404, 5, runs.run_service_unarchive_run, "no-such-run")


def test_terminate_cancels_an_active_run_which_ends_failed(simulator, runs, api_client):
    run = runs.run_service_create_run(demo_run(simulator, unique("terminate")))

    assert runs.run_service_terminate_run(run.run_id) == {}
    canceling = runs.run_service_get_run(run.run_id)
    again = expect_error(api_client, 400, 3, runs.run_service_terminate_run, run.run_id)
    ended = await_state(runs, run.run_id, V2beta1RuntimeState.FAILED)

    assert canceling.state == V2beta1RuntimeState.CANCELING
    assert "Row not found" in again.message
    assert ended.state_history[-1].state == "FAILED" and "CANCELING" in [e.state for e in ended.state_history]
    assert ended.finished_at > EPOCH
    expect_error(api_client, 400, 3, runs.run_service_terminate_run, run.run_id)
    expect_error(api_client, 404, 5, runs.run_service_terminate_run, "no-such-run")


def test_retry_resumes_a_failed_run_under_the_same_id(simulator, runs, api_client):
    run = runs.run_service_create_run(demo_run(simulator, unique("will-fail")))
    not_yet = expect_error(api_client, 409, 10, runs.run_service_retry_run, run.run_id)
    failed = await_state(runs, run.run_id, V2beta1RuntimeState.FAILED)

    assert runs.run_service_retry_run(run.run_id) == {}
    retried = runs.run_service_get_run(run.run_id)
    busy = expect_error(api_client, 409, 10, runs.run_service_retry_run, run.run_id)
    failed_again = await_state(runs, run.run_id, V2beta1RuntimeState.FAILED)

    assert "workflow manifest" in not_yet.message
    assert failed.finished_at > EPOCH
    assert retried.run_id == run.run_id
    assert retried.state == V2beta1RuntimeState.RUNNING
    assert retried.finished_at == EPOCH
    assert "Workflow must be Failed/Error to retry" in busy.message
    assert [e.state for e in failed_again.state_history] == ["PENDING", "RUNNING", "FAILED", "RUNNING", "FAILED"]
    succeeded = runs.run_service_create_run(demo_run(simulator, unique("succeeds")))
    await_state(runs, succeeded.run_id, V2beta1RuntimeState.SUCCEEDED)
    expect_error(api_client, 409, 10, runs.run_service_retry_run, succeeded.run_id)
    expect_error(api_client, 404, 5, runs.run_service_retry_run, "no-such-run")


def test_delete_removes_the_run_and_a_second_delete_is_not_found(simulator, runs, api_client):
    run = runs.run_service_create_run(demo_run(simulator, unique("delete")))

    assert runs.run_service_delete_run(run.run_id) == {}

    expect_error(api_client, 404, 5, runs.run_service_get_run, run.run_id)
    expect_error(api_client, 404, 5, runs.run_service_delete_run, run.run_id)
    gone = runs.run_service_list_runs(filter=filter_json(
        api_client, V2beta1Predicate(key="run_id", operation="EQUALS", string_value=run.run_id)))
    assert gone.runs is None and gone.total_size is None
