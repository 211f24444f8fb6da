package dev.kfp.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.deser.ContextualDeserializer;
import com.fasterxml.jackson.databind.BeanProperty;
import java.io.IOException;

/**
 * A part of a Run (spec or status) that may hold what this operator version cannot read: a value of another type
 * than its schema here says, written under a newer CRD. Reading such a part never fails; it comes back empty and
 * {@link #unreadable()} says why, so that one odd object is reported instead of stopping the informer that
 * feeds every Run. Unknown fields are ignored (see {@code @JsonIgnoreProperties} on the types), not an error.
 * The operator never writes an unreadable part; {@link #unreadableJson()} keeps what it could not read.
 */
public abstract class Readable {

  /** Why the stored JSON could not be read into this part; never stored. */
  @JsonIgnore
  private String unreadable;
  /** The JSON this part could not be read from; never stored. */
  @JsonIgnore
  private JsonNode unreadableJson;

  /** Why the stored JSON could not be read into this type, or null when it could. */
  public String unreadable() {
    return unreadable;
  }

  /** The JSON this value could not be read from, when {@link #unreadable()} is set. */
  public JsonNode unreadableJson() {
    return unreadableJson;
  }

  /** Marks this (empty) value as standing for {@code json}, which could not be read. */
  public void markUnreadable(String why, JsonNode json) {
    this.unreadable = why;
    this.unreadableJson = json;
  }

  /** Reads the part as a tree first, then binds it; a binding failure yields an empty value marked unreadable. */
  public static final class Deserializer extends JsonDeserializer<Readable> implements ContextualDeserializer {

    private final JavaType type;

    public Deserializer() {
      this(null);
    }

    private Deserializer(JavaType type) {
      this.type = type;
    }

    @Override
    public JsonDeserializer<?> createContextual(DeserializationContext context, BeanProperty property) {
      return new Deserializer(property != null ? property.getType() : context.getContextualType());
    }

    @Override
    public Readable deserialize(JsonParser parser, DeserializationContext context) throws IOException {
      JsonNode tree = parser.readValueAsTree();
      try {
        return context.readTreeAsValue(tree, type);
      } catch (IOException | IllegalArgumentException e) {
        Readable empty;
        try {
          empty = (Readable) type.getRawClass().getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException reflection) {
          throw new IllegalStateException(type + " needs a no-argument constructor", reflection);
        }
        empty.markUnreadable(describe(e), tree);
        return empty;
      }
    }

    /** Jackson's own words (first line) and, when it knows it, the field: enough to find the odd value. */
    private static String describe(Exception e) {
      String message = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
      message = message == null ? e.getClass().getSimpleName() : message;
      int newline = message.indexOf('\n');
      message = newline < 0 ? message : message.substring(0, newline);
      if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
        String field = mapping.getPath().stream()
            .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
            .reduce((a, b) -> b.startsWith("[") ? a + b : a + "." + b).orElse("");
        return field + ": " + message;
      }
      return message;
    }
  }
}
