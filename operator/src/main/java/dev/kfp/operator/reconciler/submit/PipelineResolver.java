package dev.kfp.operator.reconciler.submit;

import dev.kfp.operator.api.PipelineSource;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.kfp.KfpClient;
import dev.kfp.operator.kfp.KfpClientProvider;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpPipeline;
import dev.kfp.operator.kfp.KfpPipelineVersion;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.ListPipelineVersionsRequest;
import dev.kfp.operator.kfp.ListPipelineVersionsResponse;
import dev.kfp.operator.kfp.PipelineVersionReference;
import dev.kfp.operator.reconciler.status.EventReason;
import dev.kfp.operator.reconciler.status.StatusRecorder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Turns a version reference by name into KFP ids, once per submission: by the pipeline's name through KFP's
 * pipeline service (GetPipelineByName, then ListPipelineVersions filtered by display name when a version is
 * named), or by a PipelineVersion object of KFP's Kubernetes-native mode. The ids go into the status before the
 * create is claimed, and a later attempt of the same submission takes them from there instead of asking again.
 */
public final class PipelineResolver {

  /** KFP's Kubernetes-native pipelines: the group and version of its Pipeline and PipelineVersion objects. */
  static final String KFP_PIPELINES_API = "pipelines.kubeflow.org/v2beta1";
  /**
   * Two are enough to tell one version from an ambiguous name; the total size of the answer says how many more.
   */
  static final int VERSIONS_PAGE = 2;

  private final KfpClientProvider kfpClients;
  private final PipelineVersionObjects pipelineVersions;
  private final StatusRecorder recorder;

  public PipelineResolver(KfpClientProvider kfpClients, PipelineVersionObjects pipelineVersions,
      StatusRecorder recorder) {
    this.kfpClients = kfpClients;
    this.pipelineVersions = pipelineVersions;
    this.recorder = recorder;
  }

  /**
   * The create request naming the pipeline by ids; unchanged when the spec names it by ids already or carries
   * the pipeline itself. Sets status.pipelineId and status.pipelineVersionId when it resolved them.
   *
   * @throws InvalidSpecException when the name finds nothing or more than one version; these may resolve
   *     themselves (a pipeline uploaded later, a version renamed)
   * @throws KfpException when KFP could not answer
   */
  KfpRun resolve(Run run, KfpRun request) throws InvalidSpecException {
    PipelineSource.VersionRef ref = run.getSpec().getPipeline().getVersionRef();
    if (ref == null || (isEmpty(ref.pipelineName()) && isEmpty(ref.pipelineVersionObject()))) {
      return request;
    }
    RunStatus status = run.getStatus();
    if (!isEmpty(status.getPipelineId())) {
      return request.withPipelineVersionReference(
          new PipelineVersionReference(status.getPipelineId(), status.getPipelineVersionId()));
    }
    String namespace = run.getMetadata().getNamespace();
    PipelineVersionReference resolved = isEmpty(ref.pipelineName())
        ? byObject(namespace, ref.pipelineVersionObject())
        : byName(namespace, ref.pipelineName(), isEmpty(ref.versionName()) ? null : ref.versionName());
    status.setPipelineId(resolved.pipelineId());
    status.setPipelineVersionId(resolved.pipelineVersionId());
    recorder.normal(run, EventReason.PIPELINE_RESOLVED, describe(ref) + " is pipeline " + resolved.pipelineId()
        + (resolved.pipelineVersionId() == null ? ", its latest version at creation"
            : ", version " + resolved.pipelineVersionId()));
    return request.withPipelineVersionReference(resolved);
  }

  private PipelineVersionReference byName(String namespace, String pipelineName, String versionName)
      throws InvalidSpecException {
    KfpClient kfp = kfpClients.forNamespace(namespace);
    KfpPipeline pipeline;
    try {
      pipeline = kfp.getPipelineByName(pipelineName, namespace);
    } catch (KfpException e) {
      if (e.isNotFound()) {
        throw new InvalidSpecException("KFP has no pipeline named '" + pipelineName + "' (spec.pipeline.versionRef"
            + ".pipelineName; in multi-user KFP, of namespace " + namespace + "): upload it under that name, and it "
            + "is looked for again every resync interval; KFP said: " + e.getMessage(), true);
      }
      throw e;
    }
    if (isEmpty(pipeline.pipelineId())) {
      throw new KfpException("GetPipelineByName", 200, null, "KFP's answer for pipeline '" + pipelineName
          + "' has no pipeline_id", true, false, null, null);
    }
    if (versionName == null) {
      return new PipelineVersionReference(pipeline.pipelineId(), null);
    }
    ListPipelineVersionsResponse page = kfp.listPipelineVersions(
        ListPipelineVersionsRequest.named(pipeline.pipelineId(), versionName).withPageSize(VERSIONS_PAGE));
    String where = "pipeline '" + pipelineName + "' (" + pipeline.pipelineId() + ")";
    if (page.pipelineVersions().isEmpty()) {
      throw new InvalidSpecException(where + " has no version with display name '" + versionName
          + "' (spec.pipeline.versionRef.versionName): upload it, or leave versionName out in a new Run for the "
          + "latest version; it is looked for again every resync interval", true);
    }
    if (page.pipelineVersions().size() > 1 || page.hasNextPage()) {
      int count = Math.max(page.totalSize(), page.pipelineVersions().size());
      throw new InvalidSpecException(where + " has " + count + " versions with display name '" + versionName
          + "' (" + page.pipelineVersions().stream().map(KfpPipelineVersion::pipelineVersionId)
              .collect(Collectors.joining(", ")) + (count > page.pipelineVersions().size() ? ", ..." : "")
          + "), so the name does not say which to run: give all but one another display name in KFP, or create a "
          + "new Run naming the version by pipelineId and pipelineVersionId; it is looked at again every resync "
          + "interval", true);
    }
    return new PipelineVersionReference(pipeline.pipelineId(), page.pipelineVersions().get(0).pipelineVersionId());
  }

  /** KFP's webhook names the version's Pipeline in an owner reference; KFP reads the pipeline id from it. */
  private PipelineVersionReference byObject(String namespace, String name) throws InvalidSpecException {
    String what = "PipelineVersion " + namespace + "/" + name + " (spec.pipeline.versionRef.pipelineVersionObject)";
    Optional<ObjectMeta> found;
    try {
      found = pipelineVersions.read(namespace, name);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 403) {
        throw new InvalidSpecException("the operator may not read " + what + ": its role needs get on "
            + "pipelineversions.pipelines.kubeflow.org (the Helm chart and deploy/ grant it); looked at again every "
            + "resync interval; the API server said: " + (e.getStatus() == null ? e.getMessage()
                : e.getStatus().getMessage()), true);
      }
      throw e;
    }
    ObjectMeta version = found.orElseThrow(() -> new InvalidSpecException(what + " does not exist (or KFP's "
        + "Kubernetes-native mode, whose CRD defines it, is not installed): create it; it is looked for again "
        + "every resync interval", true));
    String pipelineId = version.getOwnerReferences() == null ? null : version.getOwnerReferences().stream()
        .filter(owner -> "Pipeline".equals(owner.getKind()) && KFP_PIPELINES_API.equals(owner.getApiVersion()))
        .map(OwnerReference::getUid)
        .filter(uid -> !isEmpty(uid))
        .findFirst().orElse(null);
    if (pipelineId == null) {
      throw new InvalidSpecException(what + " has no owner reference to a " + KFP_PIPELINES_API + " Pipeline, "
          + "which KFP's webhook adds from its spec.pipelineName: is it a PipelineVersion KFP admitted?", true);
    }
    return new PipelineVersionReference(pipelineId, version.getUid());
  }

  private static String describe(PipelineSource.VersionRef ref) {
    if (isEmpty(ref.pipelineName())) {
      return "PipelineVersion " + ref.pipelineVersionObject();
    }
    return "pipeline '" + ref.pipelineName() + "'" + (isEmpty(ref.versionName()) ? ""
        : " version '" + ref.versionName() + "'");
  }

  private static boolean isEmpty(String value) {
    return value == null || value.isEmpty();
  }
}
