// Command kfp-server is a KFP API server for tests: KFP's own run, experiment and pipeline services, resource
// manager and storage, over KFP's in-memory fake client manager (SQLite, fake Argo and Kubernetes clients, an
// in-memory blob store), behind KFP's generated grpc-gateway handlers on the v2beta1 REST paths.
//
// Nothing runs the workflows: a test moves a run's Argo workflow through its phases with
//
//	POST /test/runs/{run_id}/phase  {"phase": "Running" | "Succeeded" | "Failed" | "" | ..., "failed_steps": [...]}
//
// which changes the workflow in the fake Argo client and reports it through KFP's report service, as KFP's
// persistence agent does. The server listens on 127.0.0.1 only and prints "KFP_TEST_SERVER_PORT=<port>" once
// it answers.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	workflowapi "github.com/argoproj/argo-workflows/v4/pkg/apis/workflow/v1alpha1"
	"github.com/google/uuid"
	"github.com/gorilla/mux"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	apiv2beta1 "github.com/kubeflow/pipelines/backend/api/v2beta1/go_client"
	"github.com/kubeflow/pipelines/backend/src/apiserver/common"
	"github.com/kubeflow/pipelines/backend/src/apiserver/config/proxy"
	"github.com/kubeflow/pipelines/backend/src/apiserver/resource"
	"github.com/kubeflow/pipelines/backend/src/apiserver/server"
	"github.com/kubeflow/pipelines/backend/src/common/util"
	"github.com/spf13/viper"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// The KFP release this binary is built from; keep in step with go.mod.
const kfpVersion = "2.17.0"

var (
	portFlag      = flag.Int("port", 0, "HTTP port on 127.0.0.1 (0 picks a free one)")
	namespaceFlag = flag.String("namespace", "kubeflow", "the namespace KFP runs its workflows in (single-user)")
)

func main() {
	flag.Parse()
	viper.Set(common.PodNamespace, *namespaceFlag)
	proxy.InitializeConfigWithEmptyForTests()

	clients, err := resource.NewFakeClientManager(util.NewRealTime(), util.NewUUIDGenerator())
	if err != nil {
		log.Fatalf("cannot create KFP's fake client manager: %v", err)
	}
	resources := resource.NewResourceManager(clients, &resource.ResourceManagerOptions{CollectMetrics: false})

	// KFP's fakes keep their state in plain maps; one request at a time keeps them consistent.
	var serial sync.Mutex

	grpcListener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("cannot listen for gRPC: %v", err)
	}
	grpcServer := grpc.NewServer(grpc.ChainUnaryInterceptor(toGRPCStatus))
	apiv2beta1.RegisterRunServiceServer(grpcServer, server.NewRunServer(resources, &server.RunServerOptions{}))
	apiv2beta1.RegisterExperimentServiceServer(grpcServer,
		server.NewExperimentServer(resources, &server.ExperimentServerOptions{}))
	apiv2beta1.RegisterPipelineServiceServer(grpcServer,
		server.NewPipelineServer(resources, &server.PipelineServerOptions{}))
	reports := server.NewReportServer(resources)
	apiv2beta1.RegisterReportServiceServer(grpcServer, reports)
	go func() {
		if err := grpcServer.Serve(grpcListener); err != nil {
			log.Fatalf("gRPC server stopped: %v", err)
		}
	}()

	ctx := context.Background()
	gateway := runtime.NewServeMux(runtime.WithMarshalerOption(runtime.MIMEWildcard, common.CustomMarshaler()))
	dial := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	for _, register := range []func(context.Context, *runtime.ServeMux, string, []grpc.DialOption) error{
		apiv2beta1.RegisterRunServiceHandlerFromEndpoint,
		apiv2beta1.RegisterExperimentServiceHandlerFromEndpoint,
		apiv2beta1.RegisterPipelineServiceHandlerFromEndpoint,
		apiv2beta1.RegisterReportServiceHandlerFromEndpoint,
	} {
		if err := register(ctx, gateway, grpcListener.Addr().String(), dial); err != nil {
			log.Fatalf("cannot register a gateway handler: %v", err)
		}
	}

	uploads := server.NewPipelineUploadServer(resources, &server.PipelineUploadServerOptions{})
	artifacts := server.NewRunArtifactServer(resources)
	control := &workflowControl{clients: clients, resources: resources, reports: reports}

	router := mux.NewRouter()
	router.HandleFunc("/apis/v2beta1/pipelines/upload", uploads.UploadPipeline)
	router.HandleFunc("/apis/v2beta1/pipelines/upload_version", uploads.UploadPipelineVersion)
	router.HandleFunc("/apis/v2beta1/runs/{run_id}/nodes/{node_id}/artifacts/{artifact_name}:read",
		artifacts.ReadArtifact).Methods(http.MethodGet)
	router.HandleFunc("/apis/v2beta1/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"commit_sha": "test-server", "tag_name": kfpVersion,
			"multi_user": false, "pipeline_store": "database"})
	})
	router.HandleFunc("/test/runs/{run_id}/phase", control.setPhase).Methods(http.MethodPost)
	router.PathPrefix("/apis/").Handler(gateway)

	listener, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *portFlag))
	if err != nil {
		log.Fatalf("cannot listen for HTTP: %v", err)
	}
	fmt.Printf("KFP_TEST_SERVER_PORT=%d\n", listener.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serial.Lock()
		defer serial.Unlock()
		// A client that goes away (a killed operator pod, a client timeout) must not cut a call short: the gRPC
		// handler would run on after the gateway gave up, beside the next request, and a second SQLite connection
		// to ":memory:" is a new, empty database ("no such table: run_details" from then on).
		router.ServeHTTP(w, r.WithContext(context.WithoutCancel(r.Context())))
	})
	log.Fatal((&http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}).Serve(listener))
}

// toGRPCStatus turns KFP's errors into gRPC statuses with KFP's own conversion, as KFP's API server does for
// every call, so that the gateway maps them to the HTTP statuses and bodies a real KFP answers with.
func toGRPCStatus(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	response, err := handler(ctx, req)
	if err != nil {
		return nil, util.ToGRPCError(err)
	}
	return response, nil
}

// workflowControl stands in for Argo and KFP's persistence agent.
type workflowControl struct {
	clients   *resource.FakeClientManager
	resources *resource.ResourceManager
	reports   *server.ReportServer
}

// phaseRequest is the body of POST /test/runs/{run_id}/phase.
type phaseRequest struct {
	// An Argo workflow phase: Pending, Running, Succeeded, Failed or Error. Empty keeps the phase: the report of
	// a workflow that changed otherwise, e.g. the spec patch of a terminate.
	Phase string `json:"phase"`
	// With Failed or Error: the steps that failed; each gets the nodes Argo makes for a KFP v2 step (driver pod,
	// executor DAG named after the step, failed executor pod), and the executor pod's main-logs artifact (a
	// gzipped tar, as Argo archives logs) is put into the object store where read_artifact looks.
	FailedSteps []failedStep `json:"failed_steps"`
}

type failedStep struct {
	Name string `json:"name"`
	// The archived log: the bytes Argo would have stored, base64 encoded.
	MainLogs string `json:"main_logs"`
}

// phaseResponse names the workflow and, per failed step, the node id of its executor pod, for read_artifact calls.
type phaseResponse struct {
	Workflow string            `json:"workflow"`
	Nodes    map[string]string `json:"nodes"`
	// The status the report service answered with (200 when KFP accepted the report).
	ReportStatus int    `json:"report_status"`
	ReportError  string `json:"report_error,omitempty"`
}

func (c *workflowControl) setPhase(w http.ResponseWriter, r *http.Request) {
	runID := mux.Vars(r)["run_id"]
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	var request phaseRequest
	if err := json.Unmarshal(body, &request); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unreadable body: " + err.Error()})
		return
	}
	phase := workflowapi.WorkflowPhase(request.Phase)
	switch phase {
	case "", workflowapi.WorkflowPending, workflowapi.WorkflowRunning, workflowapi.WorkflowSucceeded,
		workflowapi.WorkflowFailed, workflowapi.WorkflowError:
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unknown phase " + request.Phase})
		return
	}
	run, err := c.resources.GetRun(runID)
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		return
	}
	namespace := run.Namespace
	if namespace == "" {
		namespace = common.GetPodNamespace()
	}
	workflows := c.clients.ExecClientFake.Execution(namespace)
	current, err := workflows.Get(r.Context(), run.K8SName, metav1.GetOptions{})
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no workflow for run " + runID + ": " + err.Error()})
		return
	}
	workflow := current.(*util.Workflow)
	nodes, err := c.advance(r.Context(), workflow, phase, request.FailedSteps)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	if _, err := workflows.Update(r.Context(), workflow, metav1.UpdateOptions{}); err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "cannot update the workflow: " + err.Error()})
		return
	}
	manifest, err := json.Marshal(workflow.Workflow)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	response := phaseResponse{Workflow: workflow.Name, Nodes: nodes, ReportStatus: http.StatusOK}
	_, err = c.reports.ReportWorkflow(r.Context(), &apiv2beta1.ReportWorkflowRequest{Workflow: string(manifest)})
	if err != nil {
		grpcStatus, _ := status.FromError(util.ToGRPCError(err))
		response.ReportStatus = runtime.HTTPStatusFromCode(grpcStatus.Code())
		response.ReportError = shortened(grpcStatus.Message())
	}
	writeJSON(w, http.StatusOK, response)
}

// advance sets the workflow's phase and times the way Argo does, and its nodes the way Argo records a workflow
// that KFP's v2 compiler made: the entrypoint DAG node (named after the workflow), the root-driver pod and the
// root DAG; per failed step its driver pod (succeeded), its executor DAG (named after the step) and, under that,
// the executor pod running the user's container (system-container-impl), which failed and archived its log.
func (c *workflowControl) advance(ctx context.Context, workflow *util.Workflow, phase workflowapi.WorkflowPhase,
	failed []failedStep) (map[string]string, error) {
	now := metav1.NewTime(time.Now().UTC().Truncate(time.Second))
	if workflow.UID == "" {
		// Kubernetes gives every object a UID at create; KFP's fake Argo client does not, and reports need one.
		workflow.UID = types.UID(uuid.NewString())
	}
	workflow.ResourceVersion = nextVersion(workflow.ResourceVersion)
	if phase == "" {
		return map[string]string{}, nil
	}
	status := &workflow.Status
	status.Phase = phase
	if phase != workflowapi.WorkflowPending && status.StartedAt.IsZero() {
		status.StartedAt = now
	}
	if phase == workflowapi.WorkflowRunning || phase == workflowapi.WorkflowPending {
		status.FinishedAt = metav1.Time{}
	} else {
		status.FinishedAt = now
	}
	if status.Nodes == nil {
		status.Nodes = workflowapi.Nodes{}
	}
	if phase == workflowapi.WorkflowPending {
		return map[string]string{}, nil
	}
	nodePhase := workflowapi.NodePhase(phase)
	entry := c.node(workflow, workflow.Name, workflow.Name, workflowapi.NodeTypeDAG, "entrypoint", nodePhase, now)
	rootDriver := c.node(workflow, workflow.Name+".root-driver", "root-driver", workflowapi.NodeTypePod,
		"system-dag-driver", workflowapi.NodeSucceeded, now)
	root := c.node(workflow, workflow.Name+".root", "root", workflowapi.NodeTypeDAG, "root", nodePhase, now)
	addChild(&entry, rootDriver.ID)
	addChild(&entry, root.ID)
	nodes := map[string]string{}
	for _, step := range failed {
		logs, err := decodeBase64(step.MainLogs)
		if err != nil {
			return nil, fmt.Errorf("main_logs of step %s: %w", step.Name, err)
		}
		driver := c.node(workflow, root.Name+"."+step.Name+"-driver", step.Name+"-driver", workflowapi.NodeTypePod,
			"system-container-driver", workflowapi.NodeSucceeded, now)
		executorDag := c.node(workflow, root.Name+"."+step.Name, step.Name, workflowapi.NodeTypeDAG,
			"system-container-executor", workflowapi.NodeFailed, now)
		executor := c.node(workflow, executorDag.Name+".executor", "executor", workflowapi.NodeTypePod,
			"system-container-impl", workflowapi.NodeFailed, now)
		executor.Message = "Error (exit code 1)"
		// Argo's key for an archived log: <workflow>/<pod name>/main.log.tgz under the repository's key format
		key := fmt.Sprintf("artifacts/%s/%s/main.log.tgz", workflow.Name, util.RetrievePodName(*workflow.Workflow,
			executor))
		if err := c.clients.ObjectStore().AddFile(ctx, logs, key); err != nil {
			return nil, fmt.Errorf("cannot store the logs of step %s: %w", step.Name, err)
		}
		executor.Outputs = &workflowapi.Outputs{Artifacts: []workflowapi.Artifact{{
			Name:             "main-logs",
			ArtifactLocation: workflowapi.ArtifactLocation{S3: &workflowapi.S3Artifact{Key: key}},
		}}}
		addChild(&executorDag, executor.ID)
		addChild(&root, driver.ID)
		addChild(&root, executorDag.ID)
		status.Nodes[driver.ID] = driver
		status.Nodes[executorDag.ID] = executorDag
		status.Nodes[executor.ID] = executor
		nodes[step.Name] = executor.ID
	}
	status.Nodes[entry.ID] = entry
	status.Nodes[rootDriver.ID] = rootDriver
	status.Nodes[root.ID] = root
	return nodes, nil
}

// node returns the workflow's node of that name, created if new, in the given phase; Argo's node id is the
// workflow's name and the FNV-32a hash of the node's name (the entrypoint's id is the workflow's name).
func (c *workflowControl) node(workflow *util.Workflow, name, displayName string, kind workflowapi.NodeType,
	template string, phase workflowapi.NodePhase, now metav1.Time) workflowapi.NodeStatus {
	id := workflow.Name
	if name != workflow.Name {
		hash := fnv.New32a()
		_, _ = hash.Write([]byte(name))
		id = fmt.Sprintf("%s-%d", workflow.Name, hash.Sum32())
	}
	node, ok := workflow.Status.Nodes[id]
	if !ok {
		node = workflowapi.NodeStatus{ID: id, Name: name, DisplayName: displayName, Type: kind,
			TemplateName: template, StartedAt: now}
		if name != workflow.Name {
			node.BoundaryID = workflow.Name
		}
	}
	node.Phase = phase
	if phase == workflowapi.NodeRunning || phase == workflowapi.NodePending {
		node.FinishedAt = metav1.Time{}
	} else if node.FinishedAt.IsZero() {
		node.FinishedAt = now
	}
	return node
}

func addChild(node *workflowapi.NodeStatus, child string) {
	for _, existing := range node.Children {
		if existing == child {
			return
		}
	}
	node.Children = append(node.Children, child)
}

func nextVersion(version string) string {
	var n int
	fmt.Sscanf(version, "%d", &n)
	return fmt.Sprintf("%d", n+1)
}

func decodeBase64(text string) ([]byte, error) {
	if strings.TrimSpace(text) == "" {
		return []byte{}, nil
	}
	var data []byte
	err := json.Unmarshal([]byte(`"`+text+`"`), &data)
	return data, err
}

// shortened keeps error texts readable: KFP's report errors embed the whole workflow.
func shortened(text string) string {
	if len(text) > 600 {
		return text[:600] + "..."
	}
	return text
}

func writeJSON(w http.ResponseWriter, code int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}
