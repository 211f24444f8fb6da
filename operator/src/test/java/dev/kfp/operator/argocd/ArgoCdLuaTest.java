package dev.kfp.operator.argocd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test runner gives scripts what Argo CD 3.x gives a script from argocd-cm, and reads their results as it
 * does (checked against Argo CD's util/lua/lua.go and oslib_safe.go, and gopher-json's encoder), so a script
 * that passes here does not rely on something Argo CD lacks.
 */
class ArgoCdLuaTest {

  @TempDir
  Path dir;

  private JsonNode run(String lua, String objectYaml) throws IOException {
    Path script = Files.writeString(dir.resolve("script.lua"), lua);
    return ArgoCdLua.run(script, ArgoCdLua.YAML.readTree(objectYaml));
  }

  @Test
  void anEmptyTableIsEncodedAsAnEmptyArray() throws IOException {
    JsonNode result = run("""
        local result = {}
        result.nothing = {}
        result.list = {"a", "b"}
        return result
        """, "{}");

    assertThat(result.get("nothing").isArray()).isTrue();
    assertThat(result.get("nothing")).isEmpty();
    assertThat(result.get("list").toString()).isEqualTo("[\"a\",\"b\"]");
    assertThat(run("return {}", "{}").toString()).isEqualTo("[]");
  }

  @Test
  void osComesOnlyThroughRequireWithTimeAndDate() throws IOException {
    JsonNode result = run("""
        local result = {}
        result.globalOsIsNil = os == nil
        result.stringIsNil = string == nil
        result.mathIsNil = math == nil
        local os = require("os")
        result.epoch = os.date("!%Y-%m-%dT%H:%M:%SZ", 0)
        result.timeIsANumber = type(os.time()) == "number"
        result.noExit = os.exit == nil
        return result
        """, "{}");

    assertThat(result.get("globalOsIsNil").asBoolean()).isTrue();
    assertThat(result.get("stringIsNil").asBoolean()).isTrue();
    assertThat(result.get("mathIsNil").asBoolean()).isTrue();
    assertThat(result.get("epoch").asText()).isEqualTo("1970-01-01T00:00:00Z");
    assertThat(result.get("timeIsANumber").asBoolean()).isTrue();
    assertThat(result.get("noExit").asBoolean()).isTrue();
  }

  @Test
  void anActionKeepsTheObjectsItWasGivenThatItsOutputEmptied() throws IOException {
    Path script = Files.writeString(dir.resolve("action.lua"), "obj.spec.archived = true\nreturn obj\n");
    JsonNode given = ArgoCdLua.YAML.readTree("{metadata: {name: r, labels: {}}, spec: {archived: false}}");

    JsonNode written = ArgoCdLua.runAction(script, given);

    assertThat(written.at("/metadata/labels").isObject()).as("not the [] the encoder wrote").isTrue();
    assertThat(written.at("/spec/archived").asBoolean()).isTrue();
  }
}
