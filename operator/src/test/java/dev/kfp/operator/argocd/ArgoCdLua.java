package dev.kfp.operator.argocd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.ZeroArgFunction;
import org.luaj.vm2.lib.jse.JseBaseLib;
import org.luaj.vm2.lib.jse.JseOsLib;

/**
 * Runs deploy/argocd scripts as Argo CD 3.x runs a script from {@code argocd-cm} ({@code util/lua/lua.go},
 * {@code runLua}, with {@code useOpenLibs} off, its default for customizations): the object as the global
 * {@code obj}; the base, package and table libraries; no string or math library; no global {@code os}, but
 * {@code local os = require("os")} gives {@code os.time} and {@code os.date} (Argo CD preloads a module of just
 * those two, which its own built-in actions use). Results are converted to JSON the way Argo CD's encoder
 * (gopher-json) does: an empty table becomes {@code []}, and for an action Argo CD then puts back an empty object
 * that the script's output turned into an empty array ({@link #runAction}).
 */
public final class ArgoCdLua {

  public static final Path DIR = Path.of("deploy", "argocd", "pipelines.kfp.dev", "Run");
  public static final Path QUEUE_DIR = Path.of("deploy", "argocd", "pipelines.kfp.dev", "RunQueue");
  public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private ArgoCdLua() {}

  /** Runs a health or discovery script and returns its result as Argo CD reads it. */
  public static JsonNode run(Path script, JsonNode object) {
    Globals globals = new Globals();
    globals.load(new JseBaseLib());
    globals.load(new PackageLib());
    globals.load(new TableLib());
    LoadState.install(globals);
    LuaC.install(globals);
    // Argo CD's Lua (gopher-lua, 5.1) still has table.getn; LuaJ (5.2) does not.
    globals.get("table").set("getn", globals.load("return function(t) return #t end").call());
    globals.get("package").get("preload").set("os", new ZeroArgFunction() {
      @Override
      public LuaValue call() {
        return safeOs();
      }
    });
    globals.set("obj", toLua(object));
    try {
      Varargs result = globals.load(Files.readString(script), script.toString()).invoke();
      // Re-read, so numbers have the node types a YAML or JSON reader gives them and results compare equal.
      return YAML.readTree(toJson(result.arg1()).toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs an action script and returns the object it asks Argo CD to write: where the script's output has an empty
   * array and the object it was given an object, the object is kept, as Argo CD's {@code cleanReturnedObj} does.
   */
  public static JsonNode runAction(Path script, JsonNode object) {
    return keepEmptyObjects(run(script, object), object);
  }

  private static JsonNode keepEmptyObjects(JsonNode out, JsonNode in) {
    if (out instanceof ObjectNode changed && in.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = changed.deepCopy().fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        JsonNode before = in.get(field.getKey());
        if (before == null) {
          continue;
        }
        if (field.getValue().isArray() && field.getValue().isEmpty() && before.isObject()) {
          changed.set(field.getKey(), before);
        } else {
          changed.set(field.getKey(), keepEmptyObjects(field.getValue(), before));
        }
      }
      return changed;
    }
    if (out instanceof ArrayNode changed && in.isArray()) {
      for (int i = 0; i < changed.size() && i < in.size(); i++) {
        changed.set(i, keepEmptyObjects(changed.get(i), in.get(i)));
      }
    }
    return out;
  }

  /** The module {@code require("os")} gives: LuaJ's {@code os.time} and {@code os.date}, and nothing else. */
  private static LuaTable safeOs() {
    Globals full = new Globals();
    full.load(new JseBaseLib());
    full.load(new PackageLib());
    full.load(new JseOsLib());
    LuaTable os = new LuaTable();
    os.set("time", full.get("os").get("time"));
    os.set("date", full.get("os").get("date"));
    return os;
  }

  /**
   * The discovery cases of an actions folder's {@code action_test.yaml}, in the format of Argo CD's own resource
   * customization tests: each the input object's path and the actions expected, as JUnit arguments.
   */
  public static Stream<Arguments> discoveryCases(Path actions) {
    List<Arguments> cases = new ArrayList<>();
    for (JsonNode test : read(actions.resolve("action_test.yaml")).path("discoveryTests")) {
      cases.add(Arguments.of(test.path("inputPath").asText(), test.path("result")));
    }
    return cases.stream();
  }

  /** The action cases of an actions folder's {@code action_test.yaml}: action, input path, expected output path. */
  public static Stream<Arguments> actionCases(Path actions) {
    List<Arguments> cases = new ArrayList<>();
    for (JsonNode test : read(actions.resolve("action_test.yaml")).path("actionTests")) {
      cases.add(Arguments.of(test.path("action").asText(), test.path("inputPath").asText(),
          test.path("expectedOutputPath").asText()));
    }
    return cases.stream();
  }

  /** Runs {@code discovery.lua} on the input and checks which actions it offers, and which of them are disabled. */
  public static void assertDiscovery(Path actions, String inputPath, JsonNode expected) {
    JsonNode offered = run(actions.resolve("discovery.lua"), read(actions.resolve(inputPath)));
    Map<String, Boolean> disabled = new LinkedHashMap<>();
    offered.fields().forEachRemaining(e -> disabled.put(e.getKey(), e.getValue().path("disabled").asBoolean()));
    Map<String, Boolean> expectedDisabled = new LinkedHashMap<>();
    expected.forEach(a -> expectedDisabled.put(a.path("name").asText(), a.path("disabled").asBoolean()));
    assertThat(disabled).isEqualTo(expectedDisabled);
  }

  /** Runs the action on the input and compares the object it gives back with the expected output. */
  public static void assertAction(Path actions, String action, String inputPath, String expectedOutputPath) {
    JsonNode result = runAction(actions.resolve(action).resolve("action.lua"), read(actions.resolve(inputPath)));
    assertThat(result).isEqualTo(read(actions.resolve(expectedOutputPath)));
  }

  public static JsonNode read(Path file) {
    try {
      return YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static LuaValue toLua(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return LuaValue.NIL;
    }
    if (node.isObject()) {
      LuaTable table = new LuaTable();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        table.set(field.getKey(), toLua(field.getValue()));
      }
      return table;
    }
    if (node.isArray()) {
      LuaTable table = new LuaTable();
      for (int i = 0; i < node.size(); i++) {
        table.set(i + 1, toLua(node.get(i)));
      }
      return table;
    }
    if (node.isBoolean()) {
      return LuaValue.valueOf(node.booleanValue());
    }
    if (node.isIntegralNumber()) {
      return LuaValue.valueOf(node.longValue());
    }
    if (node.isNumber()) {
      return LuaValue.valueOf(node.doubleValue());
    }
    return LuaValue.valueOf(node.asText());
  }

  /**
   * A table with keys 1..n becomes an array, as Argo CD's conversion does, and so does an empty table (gopher-json
   * cannot tell an empty object from an empty array and writes {@code []}).
   */
  static JsonNode toJson(LuaValue value) {
    JsonNodeFactory json = JsonNodeFactory.instance;
    if (value.isnil()) {
      return json.nullNode();
    }
    if (value.istable()) {
      LuaTable table = value.checktable();
      int length = table.length();
      if (table.keyCount() == length) {
        ArrayNode array = json.arrayNode();
        for (int i = 1; i <= length; i++) {
          array.add(toJson(table.get(i)));
        }
        return array;
      }
      ObjectNode object = json.objectNode();
      for (LuaValue key : table.keys()) {
        object.set(key.tojstring(), toJson(table.get(key)));
      }
      return object;
    }
    return switch (value.type()) {
      case LuaValue.TBOOLEAN -> json.booleanNode(value.toboolean());
      case LuaValue.TNUMBER -> value.islong() ? json.numberNode(value.tolong()) : json.numberNode(value.todouble());
      default -> json.textNode(value.tojstring());
    };
  }
}
