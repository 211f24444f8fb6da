package dev.kfp.operator.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;

/** A Kubeflow Pipelines run as a Kubernetes object: {@code pipelines.kfp.dev/v1alpha1 Run}. */
@Group(Run.GROUP)
@Version(Run.VERSION)
@Kind("Run")
@Plural("runs")
@ShortNames("kfprun")
@Categories({"kfp", "kubeflow"})
@AdditionalPrinterColumn(name = "Run ID", jsonPath = ".status.runId", type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(name = "State", jsonPath = ".status.state", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Succeeded", jsonPath = ".status.conditions[?(@.type==\"Succeeded\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type==\"Succeeded\")].reason",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Started", jsonPath = ".status.createdAt", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Finished", jsonPath = ".status.finishedAt",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Storage", jsonPath = ".status.storageState",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "has(self.spec)", fieldPath = ".spec", reason = "FieldValueRequired",
    message = "spec is required and cannot be removed: a Run names its pipeline in spec.pipeline; to stop the run,"
        + " annotate the Run with pipelines.kfp.dev/terminate, to drop it, delete the Run")
public class Run extends CustomResource<RunSpec, RunStatus> implements Namespaced {

  public static final String GROUP = "pipelines.kfp.dev";
  public static final String VERSION = "v1alpha1";
  /** Any non-empty value asks for the run to be terminated, once. */
  public static final String TERMINATE_ANNOTATION = GROUP + "/terminate";
  /** A token: every value not yet acted on asks for one retry. */
  public static final String RETRY_ANNOTATION = GROUP + "/retry";
  /** Keeps the KFP run while the operator cleans up the object. */
  public static final String FINALIZER = GROUP + "/finalizer";
  /** What {@code kubectl apply} keeps of the manifest it applied; the operator never reads it. */
  public static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
  private static final ObjectMapper SIZE = new ObjectMapper();

  /** Reading never fails on a spec this version cannot read: it comes back marked (see {@link Readable}). */
  @Override
  @JsonDeserialize(using = Readable.Deserializer.class)
  public void setSpec(RunSpec spec) {
    super.setSpec(spec);
  }

  /** Reading never fails on a status this version cannot read: it comes back marked (see {@link Readable}). */
  @Override
  @JsonDeserialize(using = Readable.Deserializer.class)
  public void setStatus(RunStatus status) {
    super.setStatus(status);
  }

  /**
   * A copy that stays unreadable, or trimmed, where this one is: the marks are not JSON (an unreadable part would
   * serialize as empty), so a copy made through JSON, as JOSDK clones every Run it hands to the reconciler, takes
   * them over.
   */
  public Run withMarksOf(Run original) {
    if (original.getSpec() != null && original.getSpec().unreadable() != null && getSpec() != null) {
      getSpec().markUnreadable(original.getSpec().unreadable(), original.getSpec().unreadableJson());
    }
    if (original.getSpec() != null && original.getSpec().trimmed() != null && getSpec() != null) {
      getSpec().markTrimmed(original.getSpec().trimmed());
    }
    if (original.getStatus() != null && original.getStatus().unreadable() != null && getStatus() != null) {
      getStatus().markUnreadable(original.getStatus().unreadable(), original.getStatus().unreadableJson());
    }
    return this;
  }

  /**
   * Trims this Run, in place, to what the operator reads from its informer cache, and returns it. Never kept:
   * {@code metadata.managedFields} and kubectl's {@value #LAST_APPLIED} annotation (the whole manifest once more).
   * Once the Run has a KFP run (a run id in its status), the inline pipeline spec and the parameters are left out
   * too: only the create needed them. Such a spec is marked ({@link RunSpec#trimmed()}); whoever needs those parts
   * after the create reads the Run from the API server. An unreadable Run is kept whole. The cached copy is never
   * written back whole: status writes and JOSDK's finalizer patches name only what they change. The strings kept
   * share their instances with equal ones ({@link CachedStrings}).
   */
  public Run trimForCache() {
    getMetadata().setManagedFields(null);
    Map<String, String> annotations = getMetadata().getAnnotations();
    if (annotations != null && annotations.containsKey(LAST_APPLIED)) {
      annotations.remove(LAST_APPLIED);
    }
    CachedStrings.share(this);
    RunSpec spec = getSpec();
    RunStatus status = getStatus();
    if (spec == null || status == null || unreadable() != null || status.getRunId() == null
        || (spec.getParameters() == null && (spec.getPipeline() == null || spec.getPipeline().getSpec() == null))) {
      return this;
    }
    long inlineSpecBytes = 0;
    if (spec.getPipeline() != null && spec.getPipeline().getSpec() != null) {
      inlineSpecBytes = jsonBytes(spec.getPipeline().getSpec());
      spec.getPipeline().setSpec(null);
    }
    spec.setParameters(null);
    spec.markTrimmed(new RunSpec.Trimmed(inlineSpecBytes,
        Objects.equals(getMetadata().getGeneration(), status.getObservedGeneration())));
    return this;
  }

  private static long jsonBytes(Object value) {
    CountingStream counter = new CountingStream();
    try {
      SIZE.writeValue(counter, value);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot measure an inline pipeline spec", e);
    }
    return counter.count;
  }

  /** Counts what is written to it and keeps nothing. */
  private static final class CountingStream extends OutputStream {
    private long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      count += length;
    }
  }

  /** Why this operator version cannot read the Run (its spec or its status), or null when it can. */
  public String unreadable() {
    if (getSpec() != null && getSpec().unreadable() != null) {
      return "spec cannot be read: " + getSpec().unreadable();
    }
    if (getStatus() != null && getStatus().unreadable() != null) {
      return "status cannot be read: " + getStatus().unreadable();
    }
    return null;
  }

  /** The value of one of our annotations, or null. */
  public String annotation(String name) {
    var annotations = getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(name);
  }
}
