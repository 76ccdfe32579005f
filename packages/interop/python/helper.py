"""Long-lived JSON-lines bridge to the Python reference DynamoDB Encryption Client (dynamodb-encryption-sdk 3.3.0).

Protocol: one request per line on stdin, one response per line on stdout.

    request:  {"id": <int>, "op": "<name>", ...params}
    response: {"id": <int>, "ok": true, "result": ...}
           or {"id": <int>, "ok": false, "error": {"type": "<exception class>", "message": "...", "trace": "..."}}

Items travel as DynamoDB JSON the way the AWS CLI prints it: every value is a one-key object ({"S": ...},
{"N": "<text>"}, {"BOOL": true}, {"NULL": true}, {"L": [...]}, {"M": {...}}, {"SS": [...]}, {"NS": [...]}), and
binary data ("B" values, "BS" members) is a standard base64 string with padding. Key material is base64 too.

Batch operations answer with one entry per item ({"ok": true, ...} or {"ok": false, "error": {...}}), so one bad
item never fails the batch. Nothing is written to stdout except responses; diagnostics go to stderr.

This file is test infrastructure of the TypeScript repository (packages/interop). It drives the reference library
through its public API, plus `sign_item` from its internals to recompute signatures for byte comparisons.
"""
import base64
import copy
import json
import sys
import traceback
from decimal import Decimal

import boto3
import botocore.session
from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer

import dynamodb_encryption_sdk
from dynamodb_encryption_sdk.delegated_keys.jce import JceNameLocalDelegatedKey
from dynamodb_encryption_sdk.encrypted import CryptoConfig
from dynamodb_encryption_sdk.encrypted.item import decrypt_dynamodb_item, encrypt_dynamodb_item
from dynamodb_encryption_sdk.encrypted.resource import EncryptedResource
from dynamodb_encryption_sdk.encrypted.table import EncryptedTable
from dynamodb_encryption_sdk.identifiers import CryptoAction, EncryptionKeyType, KeyEncodingType
from dynamodb_encryption_sdk.internal.crypto.authentication import sign_item
from dynamodb_encryption_sdk.material_providers import CryptographicMaterialsProvider
from dynamodb_encryption_sdk.material_providers.aws_kms import AwsKmsCryptographicMaterialsProvider
from dynamodb_encryption_sdk.material_providers.most_recent import CachingMostRecentProvider
from dynamodb_encryption_sdk.material_providers.static import StaticCryptographicMaterialsProvider
from dynamodb_encryption_sdk.material_providers.store.meta import MetaStore
from dynamodb_encryption_sdk.material_providers.wrapped import WrappedCryptographicMaterialsProvider
from dynamodb_encryption_sdk.materials.raw import RawDecryptionMaterials, RawEncryptionMaterials
from dynamodb_encryption_sdk.structures import AttributeActions, EncryptionContext

RESERVED = ("*amzn-ddb-map-sig*", "*amzn-ddb-map-desc*")
FAKE = {"aws_access_key_id": "fake", "aws_secret_access_key": "fake"}
ACTIONS = {
    "DO_NOTHING": CryptoAction.DO_NOTHING,
    "SIGN_ONLY": CryptoAction.SIGN_ONLY,
    "ENCRYPT_AND_SIGN": CryptoAction.ENCRYPT_AND_SIGN,
}
KEY_TYPES = {"symmetric": EncryptionKeyType.SYMMETRIC, "private": EncryptionKeyType.PRIVATE, "public": EncryptionKeyType.PUBLIC}
ENCODINGS = {"RAW": KeyEncodingType.RAW, "DER": KeyEncodingType.DER, "PEM": KeyEncodingType.PEM}


class HelperError(Exception):
    """A bad request (unknown op, provider or parameter)."""


# ---------------------------------------------------------------------------------------------- wire conversion

def b64d(text):
    return base64.b64decode(text.encode("ascii"), validate=True)


def b64e(data):
    if isinstance(data, Binary):
        data = data.value
    return base64.b64encode(bytes(data)).decode("ascii")


def from_wire(value):
    """DynamoDB JSON with base64 binaries -> the low-level dict form the library takes (bytes for binaries)."""
    if not isinstance(value, dict) or len(value) != 1:
        raise HelperError("attribute value must be an object with exactly one type key")
    (tag, body), = value.items()
    if tag == "B":
        return {"B": b64d(body)}
    if tag == "BS":
        return {"BS": [b64d(m) for m in body]}
    if tag == "L":
        return {"L": [from_wire(v) for v in body]}
    if tag == "M":
        return {"M": {k: from_wire(v) for k, v in body.items()}}
    if tag in ("S", "N", "SS", "NS", "BOOL", "NULL"):
        return {tag: copy.copy(body)}
    raise HelperError("unknown attribute type %r" % tag)


def to_wire(value):
    """The library's low-level dict form -> DynamoDB JSON with base64 binaries."""
    (tag, body), = value.items()
    if tag == "B":
        return {"B": b64e(body)}
    if tag == "BS":
        return {"BS": [b64e(m) for m in body]}
    if tag == "L":
        return {"L": [to_wire(v) for v in body]}
    if tag == "M":
        return {"M": {k: to_wire(v) for k, v in body.items()}}
    if tag in ("SS", "NS"):
        return {tag: list(body)}
    return {tag: body}


def item_from_wire(item):
    return {name: from_wire(v) for name, v in item.items()}


def item_to_wire(item):
    return {name: to_wire(v) for name, v in item.items()}


_DESERIALIZER = TypeDeserializer()
_SERIALIZER = TypeSerializer()


def native_from_wire(item):
    """DynamoDB JSON -> boto3 resource ("python") item: Decimal, Binary, set, ..."""
    return {name: _DESERIALIZER.deserialize(v) for name, v in item_from_wire(item).items()}


def native_to_wire(item):
    return item_to_wire({name: _SERIALIZER.serialize(v) for name, v in item.items()})


# ---------------------------------------------------------------------------------------------- providers

def delegated_key(spec):
    """{"key": b64, "algorithm": "AES" | "HmacSHA256" | "RSA" | "SHA256withRSA" ..., "keyType": ..., "encoding": ...}"""
    return JceNameLocalDelegatedKey(
        key=b64d(spec["key"]),
        algorithm=spec["algorithm"],
        key_type=KEY_TYPES[spec.get("keyType", "symmetric")],
        key_encoding=ENCODINGS[spec.get("encoding", "RAW")],
    )


class RecordingProvider(CryptographicMaterialsProvider):
    """Delegates to the real provider and remembers the last decryption materials it handed out, so the signature
    of the item just decrypted can be recomputed without a second KMS / MetaStore round trip."""

    def __init__(self, inner):
        self.inner = inner
        self.last_decryption_materials = None

    def decryption_materials(self, encryption_context):
        materials = self.inner.decryption_materials(encryption_context)
        self.last_decryption_materials = materials
        return materials

    def encryption_materials(self, encryption_context):
        return self.inner.encryption_materials(encryption_context)

    def refresh(self):
        self.inner.refresh()


class Helper(object):
    def __init__(self):
        self.providers = {}  # id -> RecordingProvider
        self.stores = {}  # id -> MetaStore (for most_recent providers)
        self.resources = {}  # endpoint -> boto3 DynamoDB resource
        self.next_provider = 0

    # -- infrastructure

    def dynamodb_resource(self, endpoint):
        if endpoint not in self.resources:
            self.resources[endpoint] = boto3.resource("dynamodb", endpoint_url=endpoint, region_name="us-west-2", **FAKE)
        return self.resources[endpoint]

    def provider(self, params):
        try:
            return self.providers[params["provider"]]
        except KeyError:
            raise HelperError("unknown provider id %r; call configure first" % params.get("provider"))

    def build_provider(self, spec):
        kind = spec["type"]
        if kind == "static":
            signing = delegated_key(spec["signingKey"])
            encryption = delegated_key(spec["encryptionKey"]) if "encryptionKey" in spec else None
            description = spec.get("materialDescription", {})
            enc_args = {"signing_key": signing, "material_description": description}
            dec_args = {"verification_key": signing, "material_description": description}
            if encryption is not None:
                enc_args["encryption_key"] = encryption
                dec_args["decryption_key"] = encryption
            return StaticCryptographicMaterialsProvider(
                encryption_materials=RawEncryptionMaterials(**enc_args),
                decryption_materials=RawDecryptionMaterials(**dec_args),
            ), None
        if kind == "wrapped":
            return WrappedCryptographicMaterialsProvider(
                signing_key=delegated_key(spec["signingKey"]),
                wrapping_key=delegated_key(spec["wrappingKey"]) if "wrappingKey" in spec else None,
                unwrapping_key=delegated_key(spec["unwrappingKey"]) if "unwrappingKey" in spec else None,
                material_description=spec.get("materialDescription", {}),
            ), None
        if kind == "kms":
            region = spec.get("region", "us-west-2")
            client = boto3.client("kms", endpoint_url=spec["endpoint"], region_name=region, **FAKE)
            session = botocore.session.Session()
            session.set_config_variable("region", region)
            return AwsKmsCryptographicMaterialsProvider(
                key_id=spec["keyId"],
                botocore_session=session,
                material_description=spec.get("materialDescription", {}),
                regional_clients={region: client},
            ), None
        if kind == "most_recent":
            meta_provider, _ = self.build_provider(spec["metaProvider"])
            table = self.dynamodb_resource(spec["endpoint"]).Table(spec["tableName"])
            store = MetaStore(table, meta_provider)
            provider = CachingMostRecentProvider(store, spec["materialName"], float(spec.get("ttlSeconds", 300.0)))
            return provider, store
        raise HelperError("unknown provider type %r" % kind)

    @staticmethod
    def crypto_config(provider, params, entry, item):
        """CryptoConfig for one item: the entry's actions; tableName / partitionKeyName / sortKeyName from the entry,
        else from the request. `attributes` is the item itself (the plaintext on encrypt, the stored item on decrypt),
        as the helper classes do."""
        actions = entry.get("actions", {})

        def context(name):
            return entry[name] if name in entry else params.get(name)

        return CryptoConfig(
            materials_provider=provider,
            encryption_context=EncryptionContext(
                table_name=context("tableName"),
                partition_key_name=context("partitionKeyName"),
                sort_key_name=context("sortKeyName"),
                attributes=item,
            ),
            attribute_actions=AttributeActions(
                default_action=ACTIONS[actions.get("default", "ENCRYPT_AND_SIGN")],
                attribute_actions={name: ACTIONS[a] for name, a in actions.get("overrides", {}).items()},
            ),
        )

    # -- ops

    def op_version(self, params):
        return {"library": dynamodb_encryption_sdk.__version__, "python": sys.version.split()[0]}

    def op_configure(self, params):
        inner, store = self.build_provider(params["spec"])
        provider_id = "p%d" % self.next_provider
        self.next_provider += 1
        self.providers[provider_id] = RecordingProvider(inner)
        if store is not None:
            self.stores[provider_id] = (store, params["spec"]["materialName"])
        return {"provider": provider_id}

    def op_encrypt_items(self, params):
        """params: provider, tableName?, partitionKeyName?, sortKeyName?, entries: [{item, actions, <same context keys>?}]"""
        provider = self.provider(params)
        results = []
        for entry in params["entries"]:
            try:
                item = item_from_wire(entry["item"])
                config = self.crypto_config(provider, params, entry, item)
                results.append({"ok": True, "item": item_to_wire(encrypt_dynamodb_item(item, config))})
            except Exception as error:  # returned to the caller, never fatal
                results.append({"ok": False, "error": describe(error)})
        return results

    def op_decrypt_items(self, params):
        """params as encrypt_items; with "resign": true also returns the signature Python computes over the stored
        item with the verification key it used (base64), for byte-for-byte comparison with the stored one."""
        provider = self.provider(params)
        resign = params.get("resign", False)
        results = []
        for entry in params["entries"]:
            try:
                stored = item_from_wire(entry["item"])
                config = self.crypto_config(provider, params, entry, stored)
                provider.last_decryption_materials = None
                plaintext = decrypt_dynamodb_item(copy.deepcopy(stored), config)
                result = {"ok": True, "item": item_to_wire(plaintext)}
                if resign:
                    materials = provider.last_decryption_materials
                    body = {k: v for k, v in stored.items() if k not in RESERVED}
                    result["signature"] = b64e(sign_item(body, materials.verification_key, config)["B"])
                results.append(result)
            except Exception as error:
                results.append({"ok": False, "error": describe(error)})
        return results

    def op_refresh(self, params):
        self.provider(params).refresh()
        return None

    def op_meta_new_provider(self, params):
        store, name = self.meta_store(params)
        store.new_provider(name)
        return {"version": store.max_version(name)}

    def op_meta_max_version(self, params):
        store, name = self.meta_store(params)
        return {"version": store.max_version(name)}

    def meta_store(self, params):
        try:
            return self.stores[params["provider"]]
        except KeyError:
            raise HelperError("provider %r is not a most_recent provider" % params.get("provider"))

    # -- EncryptedTable / EncryptedResource over DynamoDB Local (boto3 resource, "python" items)

    def encrypted_table(self, params):
        provider = self.provider(params)
        table = self.dynamodb_resource(params["endpoint"]).Table(params["tableName"])
        return EncryptedTable(table=table, materials_provider=provider, attribute_actions=self.table_actions(params))

    @staticmethod
    def table_actions(params):
        actions = params.get("actions", {})
        return AttributeActions(
            default_action=ACTIONS[actions.get("default", "ENCRYPT_AND_SIGN")],
            attribute_actions={name: ACTIONS[a] for name, a in actions.get("overrides", {}).items()},
        )

    def op_table_put(self, params):
        table = self.encrypted_table(params)
        for item in params["items"]:
            table.put_item(Item=native_from_wire(item))
        return {"count": len(params["items"])}

    def op_table_get(self, params):
        table = self.encrypted_table(params)
        out = []
        for key in params["keys"]:
            response = table.get_item(Key=native_from_wire(key), ConsistentRead=True)
            out.append(native_to_wire(response["Item"]) if "Item" in response else None)
        return out

    def op_table_query(self, params):
        table = self.encrypted_table(params)
        (name, value), = native_from_wire(params["partitionKey"]).items()
        items = []
        kwargs = {"KeyConditionExpression": Key(name).eq(value), "ConsistentRead": True}
        while True:
            response = table.query(**kwargs)
            items.extend(native_to_wire(item) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return items
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def op_table_batch_get(self, params):
        provider = self.provider(params)
        resource = EncryptedResource(
            resource=self.dynamodb_resource(params["endpoint"]),
            materials_provider=provider,
            attribute_actions=self.table_actions(params),
        )
        name = params["tableName"]
        pending = [native_from_wire(key) for key in params["keys"]]
        items = []
        for _ in range(10):
            if not pending:
                break
            response = resource.batch_get_item(RequestItems={name: {"Keys": pending, "ConsistentRead": True}})
            items.extend(native_to_wire(item) for item in response["Responses"].get(name, []))
            pending = response.get("UnprocessedKeys", {}).get(name, {}).get("Keys", [])
        if pending:
            raise HelperError("batch_get_item left %d keys unprocessed after 10 attempts" % len(pending))
        return items


def describe(error):
    return {"type": type(error).__name__, "message": str(error), "trace": traceback.format_exc(limit=6)}


def main():
    helper = Helper()
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        request_id = None
        try:
            request = json.loads(line, parse_float=Decimal)
            request_id = request.get("id")
            handler = getattr(helper, "op_" + str(request.get("op")), None)
            if handler is None:
                raise HelperError("unknown op %r" % request.get("op"))
            response = {"id": request_id, "ok": True, "result": handler(request)}
        except Exception as error:  # a bad request is answered, never fatal
            response = {"id": request_id, "ok": False, "error": describe(error)}
        out.write(json.dumps(response, separators=(",", ":")) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
