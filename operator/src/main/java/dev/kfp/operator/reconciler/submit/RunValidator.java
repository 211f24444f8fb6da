package dev.kfp.operator.reconciler.submit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kfp.operator.api.PipelineSource;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunSpec;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.PipelineVersionReference;
import dev.kfp.operator.kfp.RuntimeConfig;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks a Run's spec beyond what the CRD schema can, and turns a valid one into the body of KFP's create
 * call. Every problem message names the field and says what to fix; an invalid spec never reaches KFP.
 */
public final class RunValidator {

  /** KFP stores display name and description in columns of 255 characters. */
  static final int KFP_TEXT_LIMIT = 255;
  /** KFP rejects longer experiment ids. */
  static final int KFP_EXPERIMENT_ID_LIMIT = 64;
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  /** 2^53: every integer up to it, and none much beyond, survives a trip through a double unchanged. */
  static final BigInteger LARGEST_EXACT_INTEGER = BigInteger.TWO.pow(53);
  private static final Pattern KFP_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  /** Reads a ConfigMap's data in the Run's namespace; empty when the ConfigMap does not exist. */
  @FunctionalInterface
  public interface ConfigMapReader {
    Optional<Map<String, String>> read(String namespace, String name);
  }

  private final ConfigMapReader configMaps;

  public RunValidator(ConfigMapReader configMaps) {
    this.configMaps = configMaps;
  }

  /**
   * The create body for this Run.
   *
   * @throws InvalidSpecException naming every problem found
   */
  public KfpRun toCreateRequest(Run run) throws InvalidSpecException {
    RunSpec spec = run.getSpec();
    if (spec == null) {
      throw new InvalidSpecException("spec is missing: a Run needs at least spec.pipeline");
    }
    List<String> problems = new ArrayList<>();
    SubmissionMarker marker = SubmissionMarker.of(run);

    String displayName = spec.getDisplayName() == null ? run.getMetadata().getName() : spec.getDisplayName();
    if (displayName.isBlank()) {
      problems.add("spec.displayName is blank; leave it out to use metadata.name, or give a name");
    } else if (displayName.length() > KFP_TEXT_LIMIT) {
      problems.add("spec.displayName has " + displayName.length() + " characters; KFP stores at most "
          + KFP_TEXT_LIMIT);
    }
    String description = marker.describe(spec.getDescription());
    if (description.length() > KFP_TEXT_LIMIT) {
      int room = KFP_TEXT_LIMIT - marker.text().length() - 1;
      problems.add("spec.description is too long: KFP stores " + KFP_TEXT_LIMIT + " characters and the operator's "
          + marker.text().length() + "-character marker must fit, so keep it to " + Math.max(room, 0)
          + " characters");
    }
    String experimentId = emptyToNull(spec.getExperimentId());
    if (experimentId != null && (experimentId.length() > KFP_EXPERIMENT_ID_LIMIT
        || !KFP_ID.matcher(experimentId).matches())) {
      problems.add("spec.experimentId '" + abbreviate(experimentId) + "' is not a KFP id (letters, digits, '-', "
          + "'_', '.'; at most " + KFP_EXPERIMENT_ID_LIMIT + " characters)");
    }
    if (spec.effectiveDeletionPolicy().isEmpty()) {
      problems.add("spec.deletionPolicy '" + spec.getDeletionPolicy() + "' is not one of Archive, Delete, Orphan");
    }
    if (spec.getActiveDeadlineSeconds() != null && spec.getActiveDeadlineSeconds() < 1) {
      problems.add("spec.activeDeadlineSeconds is " + spec.getActiveDeadlineSeconds() + "; give a number of seconds"
          + " of at least 1, or leave it out for no deadline");
    }
    if (spec.getTtlSecondsAfterFinished() != null && spec.getTtlSecondsAfterFinished() < 0) {
      problems.add("spec.ttlSecondsAfterFinished is " + spec.getTtlSecondsAfterFinished() + "; give a number of"
          + " seconds of at least 0, or leave it out to keep the Run after it finished");
    }
    String pipelineRoot = emptyToNull(spec.getPipelineRoot());
    if (pipelineRoot != null && !isUriWithScheme(pipelineRoot)) {
      problems.add("spec.pipelineRoot '" + abbreviate(pipelineRoot)
          + "' is not a URI with a scheme (e.g. s3://bucket/root, gs://bucket/root, minio://bucket/root)");
    }
    String serviceAccount = emptyToNull(spec.getServiceAccount());
    if (serviceAccount != null && (serviceAccount.length() > 253
        || !DNS_SUBDOMAIN.matcher(serviceAccount).matches())) {
      problems.add("spec.serviceAccount '" + abbreviate(serviceAccount)
          + "' is not a valid Kubernetes service account name (lower-case letters, digits, '-', '.')");
    }
    Map<String, JsonNode> parameters = spec.getParameters() == null ? Map.of()
        : new LinkedHashMap<>(spec.getParameters());
    parameters.forEach((name, value) -> {
      if (name.isBlank()) {
        problems.add("spec.parameters has a parameter with an empty name");
      } else if (value == null || value.isNull()) {
        problems.add("spec.parameters." + name + " is null; give a value or leave the parameter out");
      } else {
        inexactIntegers("spec.parameters." + name, value, problems);
      }
    });

    KfpRun.CreateBuilder request = KfpRun.create(displayName)
        .description(description)
        .experimentId(experimentId)
        .serviceAccount(serviceAccount);
    boolean mayResolveItself = false;
    try {
      addPipeline(run, spec.getPipeline(), request, parameters, problems);
    } catch (InvalidSpecException e) {
      problems.add(e.getMessage());
      mayResolveItself = e.mayResolveItself();
    }
    if (!problems.isEmpty()) {
      throw new InvalidSpecException(String.join("; ", problems), mayResolveItself && problems.size() == 1);
    }
    if (!parameters.isEmpty() || pipelineRoot != null) {
      request.runtimeConfig(new RuntimeConfig(parameters.isEmpty() ? null : parameters, pipelineRoot));
    }
    return request.build();
  }

  private void addPipeline(Run run, PipelineSource pipeline, KfpRun.CreateBuilder request,
      Map<String, JsonNode> parameters, List<String> problems) throws InvalidSpecException {
    if (pipeline == null) {
      throw new InvalidSpecException("spec.pipeline is missing: set exactly one of pipeline.versionRef, "
          + "pipeline.spec, pipeline.specFrom");
    }
    List<String> sources = new ArrayList<>();
    if (pipeline.getVersionRef() != null) {
      sources.add("versionRef");
    }
    if (pipeline.getSpec() != null) {
      sources.add("spec");
    }
    if (pipeline.getSpecFrom() != null) {
      sources.add("specFrom");
    }
    if (sources.size() != 1) {
      throw new InvalidSpecException("spec.pipeline must set exactly one of versionRef, spec, specFrom; "
          + (sources.isEmpty() ? "none is set" : "it sets " + String.join(" and ", sources)));
    }
    PipelineSpecDocument document;
    switch (sources.get(0)) {
      case "versionRef" -> {
        if (run.getSpec().getCaching() != null) {
          throw new InvalidSpecException("spec.caching cannot apply to spec.pipeline.versionRef: KFP runs a stored "
              + "pipeline version as it was uploaded, and its API has no switch for a run's caching. Leave "
              + "spec.caching out and set caching when compiling the version (task.set_caching_options), or give "
              + "the compiled pipeline in spec.pipeline.spec or spec.pipeline.specFrom, whose tasks the operator "
              + "rewrites");
        }
        request.pipelineVersionReference(checkVersionRef(pipeline.getVersionRef()));
        return;
      }
      case "spec" -> document = PipelineSpecDocument.fromObject(
          JsonNodeFactory.instance.objectNode().setAll(pipeline.getSpec()), "spec.pipeline.spec");
      default -> document = fromConfigMap(run, pipeline.getSpecFrom());
    }
    problems.addAll(document.checkParameters(parameters));
    if (run.getSpec().getCaching() != null) {
      document = document.withCaching(run.getSpec().getCaching().enablesCache());
    }
    ObjectNode kfpSpec = document.toKfpPipelineSpec();
    request.pipelineSpec(kfpSpec);
  }

  /**
   * The rules of a version reference the CRD also states (one way of naming it; a version name only with a
   * pipeline name), for Runs the API server did not check. Returns KFP's reference for one by ids, null for one
   * by name or object, which {@link PipelineResolver} resolves at submission.
   */
  private static PipelineVersionReference checkVersionRef(PipelineSource.VersionRef ref)
      throws InvalidSpecException {
    String pipelineId = emptyToNull(ref.pipelineId());
    String versionId = emptyToNull(ref.pipelineVersionId());
    String pipelineName = emptyToNull(ref.pipelineName());
    String versionName = emptyToNull(ref.versionName());
    String object = emptyToNull(ref.pipelineVersionObject());
    List<String> ways = new ArrayList<>();
    if (pipelineId != null || versionId != null) {
      ways.add("KFP ids (" + (pipelineId != null && versionId != null ? "pipelineId and pipelineVersionId"
          : pipelineId != null ? "pipelineId" : "pipelineVersionId") + ")");
    }
    if (pipelineName != null || versionName != null) {
      ways.add(pipelineName != null ? "pipelineName" : "versionName");
    }
    if (object != null) {
      ways.add("pipelineVersionObject");
    }
    if (ways.size() != 1) {
      throw new InvalidSpecException(PipelineSource.VersionRef.ONE_WAY + "; "
          + (ways.isEmpty() ? "it sets none" : "it sets " + String.join(" and ", ways)));
    }
    if (versionName != null && pipelineName == null) {
      throw new InvalidSpecException("spec.pipeline.versionRef.versionName needs pipelineName: it names a version "
          + "of that pipeline");
    }
    for (String id : new String[] {pipelineId, versionId}) {
      if (id != null && !KFP_ID.matcher(id).matches()) {
        throw new InvalidSpecException("spec.pipeline.versionRef id '" + abbreviate(id) + "' is not a KFP id");
      }
    }
    if (pipelineName != null && pipelineName.isBlank()) {
      throw new InvalidSpecException("spec.pipeline.versionRef.pipelineName is blank; give the pipeline's name");
    }
    if (object != null && (object.length() > 253 || !DNS_SUBDOMAIN.matcher(object).matches())) {
      throw new InvalidSpecException("spec.pipeline.versionRef.pipelineVersionObject '" + abbreviate(object)
          + "' is not a Kubernetes object name (lower-case letters, digits, '-', '.')");
    }
    return pipelineName == null && object == null ? new PipelineVersionReference(pipelineId, versionId) : null;
  }

  private PipelineSpecDocument fromConfigMap(Run run, PipelineSource.SpecFrom specFrom)
      throws InvalidSpecException {
    PipelineSource.ConfigMapKeyRef ref = specFrom.configMapKeyRef();
    if (ref == null || emptyToNull(ref.name()) == null || emptyToNull(ref.key()) == null) {
      throw new InvalidSpecException("spec.pipeline.specFrom.configMapKeyRef needs both name and key");
    }
    String namespace = run.getMetadata().getNamespace();
    Map<String, String> data = configMaps.read(namespace, ref.name())
        .orElseThrow(() -> new InvalidSpecException("ConfigMap " + namespace + "/" + ref.name()
            + " (spec.pipeline.specFrom) does not exist; create it with the compiled pipeline under key '"
            + ref.key() + "'", true));
    String yaml = data.get(ref.key());
    if (yaml == null) {
      throw new InvalidSpecException("ConfigMap " + namespace + "/" + ref.name() + " has no key '" + ref.key()
          + "' (its keys: " + (data.isEmpty() ? "none" : String.join(", ", data.keySet())) + ")", true);
    }
    return PipelineSpecDocument.fromYaml(yaml, "ConfigMap " + namespace + "/" + ref.name() + " key " + ref.key());
  }

  /**
   * KFP keeps parameters as {@code google.protobuf.Value}, whose numbers are doubles: an integer beyond
   * ±2^53 would reach the pipeline as a neighbouring number, so it is refused, wherever it is nested.
   */
  private static void inexactIntegers(String path, JsonNode value, List<String> problems) {
    if (value.isIntegralNumber()) {
      BigInteger integer = value.bigIntegerValue();
      if (integer.abs().compareTo(LARGEST_EXACT_INTEGER) > 0) {
        problems.add(path + " is " + integer + ", beyond ±2^53: KFP stores numbers as doubles and would pass "
            + "the pipeline " + new BigDecimal(integer.doubleValue()).toBigInteger() + " instead. Quote it to "
            + "pass a string (\"" + integer + "\") and convert it in the pipeline");
      }
    } else if (value.isArray()) {
      for (int i = 0; i < value.size(); i++) {
        inexactIntegers(path + "[" + i + "]", value.get(i), problems);
      }
    } else if (value.isObject()) {
      value.fields().forEachRemaining(field -> inexactIntegers(path + "." + field.getKey(), field.getValue(),
          problems));
    }
  }

  private static boolean isUriWithScheme(String value) {
    try {
      URI uri = new URI(value);
      return uri.getScheme() != null && (uri.getAuthority() != null || uri.getPath() != null);
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static String emptyToNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  private static String abbreviate(String value) {
    return value.length() > 70 ? value.substring(0, 70) + "..." : value;
  }
}
