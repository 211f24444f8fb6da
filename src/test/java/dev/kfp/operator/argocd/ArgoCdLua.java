package dev.kfp.operator.argocd;

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
import java.util.Iterator;
import java.util.Map;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.jse.JseBaseLib;

/**
 * Runs deploy/argocd scripts as Argo CD does: the object as the global {@code obj}, and only the base, package
 * and table libraries (Argo CD opens string, math and os only with useOpenLibs, so our scripts must do without).
 */
public final class ArgoCdLua {

  public static final Path DIR = Path.of("deploy", "argocd", "pipelines.kfp.dev", "Run");
  public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private ArgoCdLua() {}

  public static JsonNode run(Path script, JsonNode object) {
    Globals globals = new Globals();
    globals.load(new JseBaseLib());
    globals.load(new PackageLib());
    globals.load(new TableLib());
    LoadState.install(globals);
    LuaC.install(globals);
    // Argo CD's Lua (gopher-lua, 5.1) still has table.getn; LuaJ (5.2) does not.
    globals.get("table").set("getn", globals.load("return function(t) return #t end").call());
    globals.set("obj", toLua(object));
    try {
      Varargs result = globals.load(Files.readString(script), script.toString()).invoke();
      // Re-read, so numbers have the node types a YAML or JSON reader gives them and results compare equal.
      return YAML.readTree(toJson(result.arg1()).toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode read(Path file) {
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

  /** A table with keys 1..n becomes an array, as Argo CD's conversion does; an empty table an object. */
  static JsonNode toJson(LuaValue value) {
    JsonNodeFactory json = JsonNodeFactory.instance;
    if (value.isnil()) {
      return json.nullNode();
    }
    if (value.istable()) {
      LuaTable table = value.checktable();
      int length = table.length();
      if (length > 0 && table.keyCount() == length) {
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
