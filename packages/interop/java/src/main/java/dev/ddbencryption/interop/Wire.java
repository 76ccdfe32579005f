package dev.ddbencryption.interop;

import com.amazonaws.services.dynamodbv2.model.AttributeValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DynamoDB JSON as the TypeScript side sends it (every value a one-key object, binaries as padded standard base64)
 * to and from the SDK v1 {@link AttributeValue} the Java library works on.
 */
final class Wire {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Wire() {
    }

    static byte[] base64(String text) {
        return Base64.getDecoder().decode(text);
    }

    static String base64(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    static Map<String, AttributeValue> item(JsonNode json) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = json.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            item.put(field.getKey(), value(field.getValue()));
        }
        return item;
    }

    static AttributeValue value(JsonNode json) {
        if (!json.isObject() || json.size() != 1) {
            throw new BridgeException("attribute value must be an object with exactly one type key");
        }
        Map.Entry<String, JsonNode> only = json.fields().next();
        JsonNode body = only.getValue();
        switch (only.getKey()) {
            case "S":
                return new AttributeValue().withS(body.textValue());
            case "N":
                return new AttributeValue().withN(body.textValue());
            case "B":
                return new AttributeValue().withB(ByteBuffer.wrap(base64(body.textValue())));
            case "BOOL":
                return new AttributeValue().withBOOL(body.booleanValue());
            case "NULL":
                return new AttributeValue().withNULL(body.booleanValue());
            case "SS":
                return new AttributeValue().withSS(strings(body));
            case "NS":
                return new AttributeValue().withNS(strings(body));
            case "BS": {
                List<ByteBuffer> members = new ArrayList<>();
                for (JsonNode member : body) members.add(ByteBuffer.wrap(base64(member.textValue())));
                return new AttributeValue().withBS(members);
            }
            case "L": {
                List<AttributeValue> elements = new ArrayList<>();
                for (JsonNode element : body) elements.add(value(element));
                return new AttributeValue().withL(elements);
            }
            case "M":
                return new AttributeValue().withM(item(body));
            default:
                throw new BridgeException("unknown attribute type " + only.getKey());
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode member : array) out.add(member.textValue());
        return out;
    }

    static ObjectNode toJson(Map<String, AttributeValue> item) {
        ObjectNode out = JSON.objectNode();
        for (Map.Entry<String, AttributeValue> entry : item.entrySet()) out.set(entry.getKey(), toJson(entry.getValue()));
        return out;
    }

    static ObjectNode toJson(AttributeValue value) {
        ObjectNode out = JSON.objectNode();
        if (value.getS() != null) {
            out.put("S", value.getS());
        } else if (value.getN() != null) {
            out.put("N", value.getN());
        } else if (value.getB() != null) {
            out.put("B", base64(value.getB()));
        } else if (value.getBOOL() != null) {
            out.put("BOOL", value.getBOOL());
        } else if (value.getNULL() != null) {
            out.put("NULL", value.getNULL());
        } else if (value.getSS() != null) {
            ArrayNode members = out.putArray("SS");
            value.getSS().forEach(members::add);
        } else if (value.getNS() != null) {
            ArrayNode members = out.putArray("NS");
            value.getNS().forEach(members::add);
        } else if (value.getBS() != null) {
            ArrayNode members = out.putArray("BS");
            value.getBS().forEach(member -> members.add(base64(member)));
        } else if (value.getL() != null) {
            ArrayNode elements = out.putArray("L");
            value.getL().forEach(element -> elements.add(toJson(element)));
        } else if (value.getM() != null) {
            out.set("M", toJson(value.getM()));
        } else {
            throw new BridgeException("attribute value without a type");
        }
        return out;
    }
}
