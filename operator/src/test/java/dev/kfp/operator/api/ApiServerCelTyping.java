package dev.kfp.operator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.CelType;
import dev.cel.common.types.CelTypeProvider;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.OptionalType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.types.StructType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Compiles a CRD schema's {@code x-kubernetes-validations} rules the way kube-apiserver does, with Google's CEL for
 * Java instead of a server, so that a rule the server would refuse fails a unit test. The types given to
 * {@code self} and {@code oldSelf} follow the apiserver's {@code SchemaDeclType} (k8s.io/apiserver
 * pkg/cel/common/schemas.go, checked at v0.35.4):
 *
 * <ul>
 *   <li>a property whose schema gets no type is left out of its object's fields, so naming it is
 *       {@code undefined field}; a schema with neither {@code type} nor {@code x-kubernetes-int-or-string} gets
 *       none, whatever {@code x-kubernetes-preserve-unknown-fields} says;
 *   <li>{@code type: object} with {@code additionalProperties} is a map from string, and gets no type when the
 *       values get none; without it, an object whose fields are its typed properties (none for a free-form
 *       object);
 *   <li>an array is a list of its items' type, and gets none when they get none;
 *   <li>strings with format byte, duration, date or date-time are bytes, durations and timestamps;
 *   <li>the root of the resource (and of an embedded resource) always has apiVersion, kind and metadata.name and
 *       metadata.generateName;
 *   <li>a property name is escaped as CEL sees it ({@code __dash__}, {@code __dot__}, reserved words) and left
 *       out when it cannot be.
 * </ul>
 *
 * <p>Only the function libraries both sides share are declared (CEL's standard ones, strings, sets, optional
 * values, {@code cel.bind}); a rule using one of Kubernetes' own (quantity, url, ip, ...) fails here although
 * the server would accept it. Cost estimation is not modelled: the real-server test settles that.
 */
final class ApiServerCelTyping {

  private static final Set<String> RESERVED = Set.of("true", "false", "null", "in", "as", "break", "const",
      "continue", "else", "for", "function", "if", "import", "let", "loop", "package", "namespace", "return", "var",
      "void", "while");

  /** One rule that does not compile, or that names a field path the schema does not have. */
  record Problem(String schemaPath, String rule, String error) {
    @Override
    public String toString() {
      return schemaPath + ": " + rule + ": " + error;
    }
  }

  /**
   * The prefix of the object types' names. Like the apiserver's {@code selfType<n>} it cannot be confused with a
   * variable: a type named {@code self.spec} would turn the select {@code self.spec} into that type's name.
   */
  private static final String TYPE_NAME = "selfType";

  private final Map<String, CelType> structs = new LinkedHashMap<>();

  private ApiServerCelTyping() {}

  /** Every problem with the rules of {@code openApiV3Schema} (a CRD version's schema), none when all compile. */
  static List<Problem> check(JsonNode openApiV3Schema) {
    ApiServerCelTyping typing = new ApiServerCelTyping();
    List<Problem> problems = new ArrayList<>();
    typing.checkNode(openApiV3Schema, "", true, problems);
    return problems;
  }

  private void checkNode(JsonNode schema, String path, boolean resourceRoot, List<Problem> problems) {
    JsonNode rules = schema.path("x-kubernetes-validations");
    if (!rules.isEmpty()) {
      Optional<CelType> self = declType(schema, TYPE_NAME + path, resourceRoot);
      for (JsonNode rule : rules) {
        String text = rule.path("rule").asText();
        String error = self.isEmpty()
            ? "failed to convert to declType for CEL validation rules (the schema here gets no CEL type)"
            : compile(self.get(), rule);
        if (error == null) {
          error = fieldPathError(schema, rule.path("fieldPath").asText(""));
        }
        if (error != null) {
          problems.add(new Problem(path.isEmpty() ? "<root>" : path.substring(1), text, error));
        }
      }
    }
    schema.path("properties").fields().forEachRemaining(property -> checkNode(property.getValue(),
        path + "." + property.getKey(), embedded(property.getValue()), problems));
    if (schema.path("items").isObject()) {
      checkNode(schema.get("items"), path + "[*]", embedded(schema.get("items")), problems);
    }
    if (schema.path("additionalProperties").isObject()) {
      checkNode(schema.get("additionalProperties"), path + "[*]", embedded(schema.get("additionalProperties")),
          problems);
    }
  }

  /** Null when the rule compiles to a bool (and its messageExpression, if any, to a string), else the error. */
  private String compile(CelType self, JsonNode rule) {
    boolean optionalOldSelf = rule.path("optionalOldSelf").asBoolean(false);
    CelCompiler compiler = CelCompilerFactory.standardCelCompilerBuilder()
        .setOptions(CelOptions.current().build())
        .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
        .addLibraries(CelExtensions.strings(), CelExtensions.sets(CelOptions.current().build()),
            CelExtensions.optional(), CelExtensions.bindings())
        .setTypeProvider(new Structs())
        .addVar("self", self)
        .addVar("oldSelf", optionalOldSelf ? OptionalType.create(self) : self)
        .build();
    CelValidationResult result = compiler.compile(rule.path("rule").asText());
    if (result.hasError()) {
      return "compilation failed: " + result.getErrorString();
    }
    if (!SimpleType.BOOL.equals(resultType(result))) {
      return "cel expression must evaluate to a bool";
    }
    String messageExpression = rule.path("messageExpression").asText("");
    if (!messageExpression.isEmpty()) {
      CelValidationResult message = compiler.compile(messageExpression);
      if (message.hasError()) {
        return "messageExpression compilation failed: " + message.getErrorString();
      }
      if (!SimpleType.STRING.equals(resultType(message))) {
        return "messageExpression must evaluate to a string";
      }
    }
    return null;
  }

  private static CelType resultType(CelValidationResult result) {
    try {
      return result.getAst().getResultType();
    } catch (dev.cel.common.CelValidationException e) {
      throw new IllegalStateException("a result without errors has an AST", e);
    }
  }

  /**
   * Null when {@code fieldPath} (a rule's {@code .a.b} or {@code ['a']} path) names a property below the rule's
   * schema, as the apiserver requires, else why not.
   */
  private static String fieldPathError(JsonNode schema, String fieldPath) {
    if (fieldPath.isEmpty()) {
      return null;
    }
    JsonNode node = schema;
    for (String step : fieldPath.replaceAll("\\['([^']*)']", ".$1").substring(1).split("\\.")) {
      node = node.path("properties").path(step);
      if (node.isMissingNode()) {
        return "fieldPath " + fieldPath + ": no property " + step + " in the schema";
      }
    }
    return null;
  }

  /** SchemaDeclType: the CEL type the apiserver gives data of {@code schema}, empty when it gives none. */
  private Optional<CelType> declType(JsonNode schema, String name, boolean resourceRoot) {
    if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
      return Optional.of(SimpleType.DYN);
    }
    if (resourceRoot) {
      schema = withTypeAndObjectMeta(schema);
    }
    switch (schema.path("type").asText("")) {
      case "array": {
        if (!schema.path("items").isObject()) {
          return Optional.empty();
        }
        return declType(schema.get("items"), name + "[*]", embedded(schema.get("items"))).map(ListType::create);
      }
      case "object": {
        JsonNode additional = schema.path("additionalProperties");
        if (additional.isObject()) {
          return declType(additional, name + "[*]", embedded(additional))
              .map(values -> MapType.create(SimpleType.STRING, values));
        }
        Map<String, CelType> fields = new LinkedHashMap<>();
        schema.path("properties").fields().forEachRemaining(property -> {
          Optional<String> escaped = escape(property.getKey());
          Optional<CelType> type = declType(property.getValue(), name + "." + property.getKey(),
              embedded(property.getValue()));
          if (escaped.isPresent() && type.isPresent()) {
            fields.put(escaped.get(), type.get());
          }
        });
        StructType struct = StructType.create(name, ImmutableSet.copyOf(fields.keySet()),
            field -> Optional.ofNullable(fields.get(field)));
        structs.put(name, struct);
        return Optional.of(struct);
      }
      case "string":
        return Optional.of(switch (schema.path("format").asText("")) {
          case "byte" -> SimpleType.BYTES;
          case "duration" -> SimpleType.DURATION;
          case "date", "date-time" -> SimpleType.TIMESTAMP;
          default -> SimpleType.STRING;
        });
      case "boolean":
        return Optional.of(SimpleType.BOOL);
      case "number":
        return Optional.of(SimpleType.DOUBLE);
      case "integer":
        return Optional.of(SimpleType.INT);
      default:
        return Optional.empty();
    }
  }

  private static boolean embedded(JsonNode schema) {
    return schema.path("x-kubernetes-embedded-resource").asBoolean(false);
  }

  /** The root of a resource always declares apiVersion, kind, metadata.name and metadata.generateName. */
  private static JsonNode withTypeAndObjectMeta(JsonNode schema) {
    ObjectNode copy = schema.deepCopy();
    copy.put("type", "object");
    ObjectNode properties = copy.with("properties");
    JsonNodeFactory json = JsonNodeFactory.instance;
    properties.set("apiVersion", json.objectNode().put("type", "string"));
    properties.set("kind", json.objectNode().put("type", "string"));
    ObjectNode metadata = json.objectNode().put("type", "object");
    metadata.with("properties").set("name", json.objectNode().put("type", "string"));
    metadata.with("properties").set("generateName", json.objectNode().put("type", "string"));
    properties.set("metadata", metadata);
    return copy;
  }

  /** A property name as CEL names it (k8s.io/apiserver/pkg/cel Escape), empty when CEL cannot name it. */
  static Optional<String> escape(String name) {
    if (RESERVED.contains(name)) {
      return Optional.of("__" + name + "__");
    }
    if (name.isEmpty() || Character.isDigit(name.charAt(0))) {
      return Optional.empty();
    }
    StringBuilder escaped = new StringBuilder();
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '_' && i + 1 < name.length() && name.charAt(i + 1) == '_') {
        escaped.append("__underscores__");
        i++;
      } else if (c == '.') {
        escaped.append("__dot__");
      } else if (c == '-') {
        escaped.append("__dash__");
      } else if (c == '/') {
        escaped.append("__slash__");
      } else if (Character.isLetterOrDigit(c) && c < 128 || c == '_') {
        escaped.append(c);
      } else {
        return Optional.empty();
      }
    }
    return Optional.of(escaped.toString());
  }

  /** The object types of this schema, by name, for the checker's field look-ups. */
  private final class Structs implements CelTypeProvider {
    @Override
    public ImmutableList<CelType> types() {
      return ImmutableList.copyOf(structs.values());
    }

    @Override
    public Optional<CelType> findType(String typeName) {
      return Optional.ofNullable(structs.get(typeName));
    }
  }
}
