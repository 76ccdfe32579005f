package dev.ddbencryption.interop;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder.EndpointConfiguration;
import com.amazonaws.services.dynamodbv2.AmazonDynamoDB;
import com.amazonaws.services.dynamodbv2.AmazonDynamoDBClientBuilder;
import com.amazonaws.services.dynamodbv2.datamodeling.encryption.DynamoDBEncryptor;
import com.amazonaws.services.dynamodbv2.datamodeling.encryption.providers.AsymmetricStaticProvider;
import com.amazonaws.services.dynamodbv2.datamodeling.encryption.providers.CachingMostRecentProvider;
import com.amazonaws.services.dynamodbv2.datamodeling.encryption.providers.DirectKmsMaterialProvider;
import com.amazonaws.services.dynamodbv2.datamodeling.encryption.providers.EncryptionMaterialsProvider;
import com.amazonaws.services.dynamodbv2.datamodeling.encryption.providers.SymmetricStaticProvider;
import com.amazonaws.services.dynamodbv2.datamodeling.encryption.providers.WrappedMaterialsProvider;
import com.amazonaws.services.dynamodbv2.datamodeling.encryption.providers.store.MetaStore;
import com.amazonaws.services.kms.AWSKMS;
import com.amazonaws.services.kms.AWSKMSClientBuilder;
import com.fasterxml.jackson.databind.JsonNode;

import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Builds the Java library's materials providers from the same JSON specs the Python helper takes (see
 * packages/interop/src/reference-bridge.ts): keys as base64 bytes with a JCE algorithm name, services by endpoint
 * with fake credentials. RSA signing keys come as the private key only; the public half (which Java's KeyPair needs
 * to verify) is derived from its CRT parameters.
 */
final class Providers {
    static final String REGION = "us-west-2";
    private static final AWSStaticCredentialsProvider FAKE = new AWSStaticCredentialsProvider(new BasicAWSCredentials("fake", "fake"));

    private final Map<String, AmazonDynamoDB> dynamoDbClients = new HashMap<>();

    /** A provider and, for most_recent, its MetaStore and material name. */
    static final class Built {
        final EncryptionMaterialsProvider provider;
        final MetaStore store;
        final String materialName;

        Built(EncryptionMaterialsProvider provider, MetaStore store, String materialName) {
            this.provider = provider;
            this.store = store;
            this.materialName = materialName;
        }
    }

    AmazonDynamoDB dynamoDb(String endpoint) {
        return dynamoDbClients.computeIfAbsent(endpoint, e -> AmazonDynamoDBClientBuilder.standard()
            .withEndpointConfiguration(new EndpointConfiguration(e, REGION))
            .withCredentials(FAKE)
            .build());
    }

    static AWSKMS kms(String endpoint, String region) {
        return AWSKMSClientBuilder.standard()
            .withEndpointConfiguration(new EndpointConfiguration(endpoint, region))
            .withCredentials(FAKE)
            .build();
    }

    Built build(JsonNode spec) throws GeneralSecurityException {
        String type = text(spec, "type");
        Map<String, String> description = description(spec.get("materialDescription"));
        switch (type) {
            case "static": {
                SecretKey encryption = (SecretKey) key(spec.get("encryptionKey"));
                Key signing = key(spec.get("signingKey"));
                EncryptionMaterialsProvider provider = signing instanceof SecretKey
                    ? new SymmetricStaticProvider(encryption, (SecretKey) signing, description)
                    : new SymmetricStaticProvider(encryption, pair((PrivateKey) signing), description);
                return new Built(provider, null, null);
            }
            case "wrapped": {
                Key wrapping = spec.has("wrappingKey") ? key(spec.get("wrappingKey")) : null;
                Key unwrapping = spec.has("unwrappingKey") ? key(spec.get("unwrappingKey")) : null;
                Key signing = key(spec.get("signingKey"));
                EncryptionMaterialsProvider provider = signing instanceof SecretKey
                    ? new WrappedMaterialsProvider(wrapping, unwrapping, (SecretKey) signing, description)
                    : new WrappedMaterialsProvider(wrapping, unwrapping, pair((PrivateKey) signing), description);
                return new Built(provider, null, null);
            }
            case "asymmetric": {
                KeyPair encryption = pair((PrivateKey) key(spec.get("encryptionKey")));
                Key signing = key(spec.get("signingKey"));
                EncryptionMaterialsProvider provider = signing instanceof SecretKey
                    ? new AsymmetricStaticProvider(encryption, (SecretKey) signing, description)
                    : new AsymmetricStaticProvider(encryption, pair((PrivateKey) signing), description);
                return new Built(provider, null, null);
            }
            case "kms": {
                String region = spec.has("region") ? text(spec, "region") : REGION;
                return new Built(new DirectKmsMaterialProvider(kms(text(spec, "endpoint"), region), text(spec, "keyId"), description), null, null);
            }
            case "most_recent": {
                Built meta = build(spec.get("metaProvider"));
                MetaStore store = new MetaStore(dynamoDb(text(spec, "endpoint")), text(spec, "tableName"), DynamoDBEncryptor.getInstance(meta.provider));
                long ttlMillis = Math.round((spec.has("ttlSeconds") ? spec.get("ttlSeconds").asDouble() : 300.0) * 1000);
                String materialName = text(spec, "materialName");
                return new Built(new CachingMostRecentProvider(store, materialName, ttlMillis), store, materialName);
            }
            default:
                throw new BridgeException("unknown provider type '" + type + "'");
        }
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        if (value == null || !value.isTextual()) throw new BridgeException("missing string parameter '" + field + "'");
        return value.textValue();
    }

    private static Map<String, String> description(JsonNode json) {
        Map<String, String> out = new HashMap<>();
        if (json == null) return out;
        Iterator<Map.Entry<String, JsonNode>> fields = json.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            out.put(field.getKey(), field.getValue().textValue());
        }
        return out;
    }

    /** {"key": b64, "algorithm": "AES" | "HmacSHA256" | "RSA" | "SHA256withRSA", "keyType", "encoding": RAW | DER}. */
    static Key key(JsonNode spec) throws GeneralSecurityException {
        if (spec == null) throw new BridgeException("missing key");
        byte[] bytes = Wire.base64(text(spec, "key"));
        String keyType = spec.has("keyType") ? text(spec, "keyType") : "symmetric";
        String algorithm = text(spec, "algorithm");
        switch (keyType) {
            case "symmetric":
                return new SecretKeySpec(bytes, algorithm);
            case "private":
                return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(bytes));
            case "public":
                return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(bytes));
            default:
                throw new BridgeException("unknown keyType '" + keyType + "'");
        }
    }

    /** The key pair of an RSA private key (its public half from the CRT parameters). */
    static KeyPair pair(PrivateKey privateKey) throws GeneralSecurityException {
        if (!(privateKey instanceof RSAPrivateCrtKey)) throw new BridgeException("an RSA private key with CRT parameters is required");
        RSAPrivateCrtKey crt = (RSAPrivateCrtKey) privateKey;
        PublicKey publicKey = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
        return new KeyPair(publicKey, privateKey);
    }
}
