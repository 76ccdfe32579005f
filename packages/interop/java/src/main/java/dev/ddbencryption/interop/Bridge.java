package dev.ddbencryption.interop;

import com.amazonaws.services.dynamodbv2.AmazonDynamoDB;
import com.amazonaws.services.dynamodbv2.datamodeling.encryption.DynamoDBEncryptor;
import com.amazonaws.services.dynamodbv2.datamodeling.encryption.EncryptionContext;
import com.amazonaws.services.dynamodbv2.datamodeling.encryption.EncryptionFlags;
import com.amazonaws.services.dynamodbv2.model.AttributeValue;
import com.amazonaws.services.dynamodbv2.model.BatchGetItemResult;
import com.amazonaws.services.dynamodbv2.model.GetItemRequest;
import com.amazonaws.services.dynamodbv2.model.GetItemResult;
import com.amazonaws.services.dynamodbv2.model.KeysAndAttributes;
import com.amazonaws.services.dynamodbv2.model.PutItemRequest;
import com.amazonaws.services.dynamodbv2.model.QueryRequest;
import com.amazonaws.services.dynamodbv2.model.QueryResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Long-lived JSON-lines bridge to the Java reference DynamoDB Encryption Client (aws-dynamodb-encryption-java 2.0.3),
 * the Java twin of packages/interop/python/helper.py: the same requests, parameters and answers (see
 * packages/interop/src/reference-bridge.ts), so one TypeScript transport drives both.
 *
 * <pre>
 * request:  {"id": int, "op": name, ...params}
 * response: {"id": int, "ok": true, "result": ...} or {"id": int, "ok": false, "error": {"type", "message", "trace"}}
 * </pre>
 *
 * Batch operations answer one entry per item, so one bad item never fails the batch. Only responses go to stdout.
 * Test infrastructure of the TypeScript repository; it drives the library through its public API only.
 */
public final class Bridge {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String SIGNATURE = "*amzn-ddb-map-sig*";
    private static final String DESCRIPTION = "*amzn-ddb-map-desc*";

    private final Providers builder = new Providers();
    private final Map<String, Providers.Built> providers = new HashMap<>();
    private final Map<String, DynamoDBEncryptor> encryptors = new HashMap<>();
    private final Map<String, Bench> benches = new HashMap<>();
    private int nextId;

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        // Nothing but responses on stdout: anything else the libraries print goes to stderr.
        System.setOut(System.err);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Bridge bridge = new Bridge();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.isBlank()) continue;
            ObjectNode response = JSON.objectNode();
            try {
                JsonNode request = MAPPER.readTree(line);
                response.set("id", request.get("id"));
                response.put("ok", true);
                response.set("result", bridge.handle(request.path("op").asText(), request));
            } catch (Throwable error) {
                response.put("ok", false);
                response.set("error", describe(error));
            }
            out.println(MAPPER.writeValueAsString(response));
            out.flush();
        }
    }

    static ObjectNode describe(Throwable error) {
        StringWriter trace = new StringWriter();
        error.printStackTrace(new PrintWriter(trace));
        String[] lines = trace.toString().split("\n");
        ObjectNode out = JSON.objectNode();
        out.put("type", error.getClass().getSimpleName());
        out.put("message", String.valueOf(error.getMessage()));
        out.put("trace", String.join("\n", java.util.Arrays.copyOf(lines, Math.min(lines.length, 8))));
        return out;
    }

    private JsonNode handle(String op, JsonNode params) throws Exception {
        switch (op) {
            case "version":
                return version();
            case "configure":
                return configure(params);
            case "encrypt_items":
                return items(params, true);
            case "decrypt_items":
                return items(params, false);
            case "refresh":
                built(params).provider.refresh();
                return JSON.nullNode();
            case "meta_new_provider": {
                Providers.Built meta = metaStore(params);
                meta.store.newProvider(meta.materialName);
                return JSON.objectNode().put("version", meta.store.getMaxVersion(meta.materialName));
            }
            case "meta_max_version": {
                Providers.Built meta = metaStore(params);
                return JSON.objectNode().put("version", meta.store.getMaxVersion(meta.materialName));
            }
            case "table_put":
                return tablePut(params);
            case "table_get":
                return tableGet(params);
            case "table_query":
                return tableQuery(params);
            case "table_batch_get":
                return tableBatchGet(params);
            case "bench_prepare":
                return benchPrepare(params);
            case "bench_run":
                return benchRun(params);
            default:
                throw new BridgeException("unknown op '" + op + "'");
        }
    }

    private static JsonNode version() throws Exception {
        Properties properties = new Properties();
        try (var stream = DynamoDBEncryptor.class.getResourceAsStream("/META-INF/maven/com.amazonaws/aws-dynamodb-encryption-java/pom.properties")) {
            if (stream != null) properties.load(stream);
        }
        return JSON.objectNode()
            .put("library", properties.getProperty("version", "unknown"))
            .put("java", System.getProperty("java.version"));
    }

    private JsonNode configure(JsonNode params) throws Exception {
        Providers.Built built = builder.build(params.get("spec"));
        String id = "p" + nextId++;
        providers.put(id, built);
        encryptors.put(id, DynamoDBEncryptor.getInstance(built.provider));
        return JSON.objectNode().put("provider", id);
    }

    private Providers.Built built(JsonNode params) {
        Providers.Built built = providers.get(params.path("provider").asText());
        if (built == null) throw new BridgeException("unknown provider id '" + params.path("provider").asText() + "'; call configure first");
        return built;
    }

    private DynamoDBEncryptor encryptor(JsonNode params) {
        built(params);
        return encryptors.get(params.path("provider").asText());
    }

    private Providers.Built metaStore(JsonNode params) {
        Providers.Built built = built(params);
        if (built.store == null) throw new BridgeException("provider '" + params.path("provider").asText() + "' is not a most_recent provider");
        return built;
    }

    /** Flags per attribute of `item` from {"default": action, "overrides": {name: action}}; DO_NOTHING ones are left out. */
    static Map<String, Set<EncryptionFlags>> flags(Map<String, AttributeValue> item, JsonNode actions) {
        String fallback = actions != null && actions.has("default") ? actions.get("default").asText() : "ENCRYPT_AND_SIGN";
        JsonNode overrides = actions == null ? null : actions.get("overrides");
        Map<String, Set<EncryptionFlags>> out = new HashMap<>();
        for (String name : item.keySet()) {
            if (name.equals(SIGNATURE) || name.equals(DESCRIPTION)) continue;
            String action = overrides != null && overrides.has(name) ? overrides.get(name).asText() : fallback;
            switch (action) {
                case "ENCRYPT_AND_SIGN":
                    out.put(name, EnumSet.of(EncryptionFlags.ENCRYPT, EncryptionFlags.SIGN));
                    break;
                case "SIGN_ONLY":
                    out.put(name, EnumSet.of(EncryptionFlags.SIGN));
                    break;
                case "DO_NOTHING":
                    break;
                default:
                    throw new BridgeException("unknown action '" + action + "'");
            }
        }
        return out;
    }

    /** The entry's context fields, else the request's. */
    static EncryptionContext context(JsonNode params, JsonNode entry, Map<String, AttributeValue> item) {
        EncryptionContext.Builder context = new EncryptionContext.Builder().withAttributeValues(item);
        String table = field(params, entry, "tableName");
        String partition = field(params, entry, "partitionKeyName");
        String sort = field(params, entry, "sortKeyName");
        if (table != null) context.withTableName(table);
        if (partition != null) context.withHashKeyName(partition);
        if (sort != null) context.withRangeKeyName(sort);
        return context.build();
    }

    private static String field(JsonNode params, JsonNode entry, String name) {
        if (entry != null && entry.hasNonNull(name)) return entry.get(name).asText();
        return params.hasNonNull(name) ? params.get(name).asText() : null;
    }

    private JsonNode items(JsonNode params, boolean encrypt) {
        DynamoDBEncryptor encryptor = encryptor(params);
        ArrayNode results = JSON.arrayNode();
        for (JsonNode entry : params.path("entries")) {
            ObjectNode result = results.addObject();
            try {
                Map<String, AttributeValue> item = Wire.item(entry.get("item"));
                Map<String, Set<EncryptionFlags>> flags = flags(item, entry.get("actions"));
                EncryptionContext context = context(params, entry, item);
                Map<String, AttributeValue> out = encrypt
                    ? encryptor.encryptRecord(new HashMap<>(item), flags, context)
                    : encryptor.decryptRecord(new HashMap<>(item), flags, context);
                result.put("ok", true);
                result.set("item", Wire.toJson(out));
            } catch (Exception error) {
                result.put("ok", false);
                result.set("error", describe(error));
            }
        }
        return results;
    }

    // ------------------------------------------------------------------------------------------ the encryptor over a plain v1 client

    private JsonNode tablePut(JsonNode params) throws Exception {
        DynamoDBEncryptor encryptor = encryptor(params);
        AmazonDynamoDB ddb = builder.dynamoDb(Providers.text(params, "endpoint"));
        String table = Providers.text(params, "tableName");
        int count = 0;
        for (JsonNode json : params.path("items")) {
            Map<String, AttributeValue> item = Wire.item(json);
            Map<String, AttributeValue> stored = encryptor.encryptRecord(new HashMap<>(item), flags(item, params.get("actions")), context(params, null, item));
            ddb.putItem(new PutItemRequest().withTableName(table).withItem(stored));
            count++;
        }
        return JSON.objectNode().put("count", count);
    }

    private JsonNode decrypted(DynamoDBEncryptor encryptor, JsonNode params, Map<String, AttributeValue> stored) throws Exception {
        return Wire.toJson(encryptor.decryptRecord(new HashMap<>(stored), flags(stored, params.get("actions")), context(params, null, stored)));
    }

    private JsonNode tableGet(JsonNode params) throws Exception {
        DynamoDBEncryptor encryptor = encryptor(params);
        AmazonDynamoDB ddb = builder.dynamoDb(Providers.text(params, "endpoint"));
        ArrayNode out = JSON.arrayNode();
        for (JsonNode key : params.path("keys")) {
            GetItemResult result = ddb.getItem(new GetItemRequest().withTableName(Providers.text(params, "tableName")).withKey(Wire.item(key)).withConsistentRead(true));
            out.add(result.getItem() == null ? JSON.nullNode() : decrypted(encryptor, params, result.getItem()));
        }
        return out;
    }

    private JsonNode tableQuery(JsonNode params) throws Exception {
        DynamoDBEncryptor encryptor = encryptor(params);
        AmazonDynamoDB ddb = builder.dynamoDb(Providers.text(params, "endpoint"));
        Map<String, AttributeValue> partition = Wire.item(params.get("partitionKey"));
        if (partition.size() != 1) throw new BridgeException("partitionKey must have exactly one attribute");
        Map.Entry<String, AttributeValue> key = partition.entrySet().iterator().next();
        QueryRequest request = new QueryRequest().withTableName(Providers.text(params, "tableName"))
            .withKeyConditionExpression("#k = :v")
            .withExpressionAttributeNames(Map.of("#k", key.getKey()))
            .withExpressionAttributeValues(Map.of(":v", key.getValue()))
            .withConsistentRead(true);
        ArrayNode out = JSON.arrayNode();
        do {
            QueryResult result = ddb.query(request);
            for (Map<String, AttributeValue> stored : result.getItems()) out.add(decrypted(encryptor, params, stored));
            request.setExclusiveStartKey(result.getLastEvaluatedKey());
        } while (request.getExclusiveStartKey() != null && !request.getExclusiveStartKey().isEmpty());
        return out;
    }

    private JsonNode tableBatchGet(JsonNode params) throws Exception {
        DynamoDBEncryptor encryptor = encryptor(params);
        AmazonDynamoDB ddb = builder.dynamoDb(Providers.text(params, "endpoint"));
        String table = Providers.text(params, "tableName");
        List<Map<String, AttributeValue>> pending = new ArrayList<>();
        for (JsonNode key : params.path("keys")) pending.add(Wire.item(key));
        ArrayNode out = JSON.arrayNode();
        for (int attempt = 0; attempt < 10 && !pending.isEmpty(); attempt++) {
            BatchGetItemResult result = ddb.batchGetItem(Map.of(table, new KeysAndAttributes().withKeys(pending).withConsistentRead(true)));
            for (Map<String, AttributeValue> stored : result.getResponses().getOrDefault(table, List.of())) out.add(decrypted(encryptor, params, stored));
            KeysAndAttributes unprocessed = result.getUnprocessedKeys() == null ? null : result.getUnprocessedKeys().get(table);
            pending = unprocessed == null ? List.of() : unprocessed.getKeys();
        }
        if (!pending.isEmpty()) throw new BridgeException("batchGetItem left " + pending.size() + " keys unprocessed after 10 attempts");
        return out;
    }

    // ------------------------------------------------------------------------------------------ benchmark (packages/bench)

    /** One prepared benchmark case: the item, its flags and context, and one encrypted copy to decrypt. */
    private static final class Bench {
        final DynamoDBEncryptor encryptor;
        final Map<String, AttributeValue> item;
        final Map<String, AttributeValue> encrypted;
        final Map<String, Set<EncryptionFlags>> flags;
        final EncryptionContext context;
        final EncryptionContext storedContext;

        Bench(DynamoDBEncryptor encryptor, Map<String, AttributeValue> item, Map<String, Set<EncryptionFlags>> flags, EncryptionContext context) throws Exception {
            this.encryptor = encryptor;
            this.item = item;
            this.flags = flags;
            this.context = context;
            this.encrypted = encryptor.encryptRecord(new HashMap<>(item), flags, context);
            this.storedContext = new EncryptionContext.Builder(context).withAttributeValues(encrypted).build();
            if (!decrypt().equals(item)) throw new IllegalStateException("the decrypted item differs from the original");
        }

        Map<String, AttributeValue> encrypt() throws Exception {
            return encryptor.encryptRecord(new HashMap<>(item), flags, context);
        }

        Map<String, AttributeValue> decrypt() throws Exception {
            return encryptor.decryptRecord(new HashMap<>(encrypted), flags, storedContext);
        }
    }

    /** params: provider, item, actions, tableName, partitionKeyName, sortKeyName; checks one round trip. */
    private JsonNode benchPrepare(JsonNode params) throws Exception {
        Map<String, AttributeValue> item = Wire.item(params.get("item"));
        Bench bench = new Bench(encryptor(params), item, flags(item, params.get("actions")), context(params, null, item));
        String id = "b" + nextId++;
        benches.put(id, bench);
        return JSON.objectNode().put("bench", id);
    }

    /** params: bench, what ("encrypt" | "decrypt"), seconds; runs back to back on this thread. */
    private JsonNode benchRun(JsonNode params) throws Exception {
        Bench bench = benches.get(params.path("bench").asText());
        if (bench == null) throw new BridgeException("unknown bench id; call bench_prepare first");
        boolean encrypt = "encrypt".equals(params.path("what").asText());
        if (!encrypt && !"decrypt".equals(params.path("what").asText())) throw new BridgeException("what must be encrypt or decrypt");
        long durationNs = Math.round(params.path("seconds").asDouble() * 1e9);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuStart = os.getProcessCpuTime();
        long start = System.nanoTime();
        long end = start + durationNs;
        long now = start;
        long count = 0;
        Object sink = null;
        while (now < end) {
            sink = encrypt ? bench.encrypt() : bench.decrypt();
            count++;
            now = System.nanoTime();
        }
        double cpuS = (os.getProcessCpuTime() - cpuStart) / 1e9;
        return JSON.objectNode()
            .put("wallPerSecond", count / ((now - start) / 1e9))
            .put("cpuPerSecond", cpuS > 0 ? count / cpuS : Double.NaN)
            .put("operations", count)
            .put("sink", sink == null ? 0 : 1);
    }
}
