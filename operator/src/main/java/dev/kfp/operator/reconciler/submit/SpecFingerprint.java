package dev.kfp.operator.reconciler.submit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kfp.operator.api.RunSpec;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Short hashes of the spec fields that shaped the KFP run ({@code displayName=1a2b3c4d,...}), so that a later
 * edit to one of them can be detected and named.
 */
public final class SpecFingerprint {

  private static final ObjectMapper CANONICAL = JsonMapper.builder()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
      .build();

  private SpecFingerprint() {}

  public static String of(RunSpec spec) {
    List<String> parts = new ArrayList<>();
    fields(spec).forEach((name, value) -> parts.add(name + "=" + hash(value)));
    return String.join(",", parts);
  }

  /** The immutable fields whose value differs from the fingerprint, in spec order. */
  public static List<String> changedFields(String fingerprint, RunSpec spec) {
    Map<String, String> recorded = new LinkedHashMap<>();
    for (String part : fingerprint.split(",")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        recorded.put(part.substring(0, eq), part.substring(eq + 1));
      }
    }
    List<String> changed = new ArrayList<>();
    Map<String, Object> fields = fields(spec);
    fields.forEach((name, value) -> {
      if (!hash(value).equals(recorded.get(name))) {
        changed.add("spec." + name);
      }
    });
    recorded.keySet().stream().filter(name -> !fields.containsKey(name)).forEach(name -> changed.add("spec." + name));
    return changed;
  }

  private static Map<String, Object> fields(RunSpec spec) {
    Map<String, Object> immutable = new LinkedHashMap<>();
    immutable.put("displayName", spec.getDisplayName());
    immutable.put("description", spec.getDescription());
    immutable.put("experimentId", spec.getExperimentId());
    immutable.put("pipeline", spec.getPipeline());
    immutable.put("parameters", spec.getParameters());
    immutable.put("pipelineRoot", spec.getPipelineRoot());
    immutable.put("serviceAccount", spec.getServiceAccount());
    if (spec.getCaching() != null) {
      immutable.put("caching", spec.getCaching()); // only when set: fingerprints written before it stay valid
    }
    return immutable;
  }

  /** Plain maps and lists first, so that key order in the manifest does not change the hash. */
  private static String hash(Object value) {
    try {
      Object plain = value == null ? null : CANONICAL.convertValue(value, Object.class);
      byte[] json = CANONICAL.writeValueAsBytes(plain);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json)).substring(0, 8);
    } catch (JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot fingerprint a Run spec", e);
    }
  }
}
