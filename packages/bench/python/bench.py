"""Benchmark of the Python reference DynamoDB Encryption Client (dynamodb-encryption-sdk), run by packages/bench.

Reads one JSON document on stdin (written by packages/bench/src/python-bench.ts):

    {"item": <DynamoDB JSON, binaries as base64>, "tableName": str, "partitionKeyName": str, "sortKeyName": str,
     "keys": {name: {"key": b64, "algorithm": str, "keyType": "symmetric"|"public"|"private", "encoding": "RAW"|"DER"}},
     "measure": {"warmupS": float, "sampleS": float, "samples": int},
     "kms": {"endpoint": str, "keyArn": str, "region": str},
     "metaStore": {"endpoint": str, "tableName": str, "materialName": str},
     "cases": [case names to run]}

and prints one JSON document on stdout:

    {"library": version, "python": version, "cases": {name: {"encrypt": items/s, "decrypt": items/s,
                                                            "encryptSamples": [...], "decryptSamples": [...]}}}

Each operation runs back to back in this one process (single-threaded): an untimed warm-up, then `samples` timed
samples of about `sampleS` seconds each (time.perf_counter); the reported rate is the median. Every measured
decrypt is checked once against the original item first, so a broken setup fails instead of timing errors.

With `--serve`, the script instead takes the same document (without "cases") as its first stdin line, then one
JSON request per line, and answers each with one JSON line, so the TypeScript side can interleave its samples with
ours (both then see the same load on a shared machine). It first answers the configuration with
{"ok": true, "library": version, "python": version}, then:

    request:  {"case": name, "what": "encrypt" | "decrypt", "seconds": float}   (warm-ups are requests too)
    response: {"ok": true, "wallPerSecond": float, "cpuPerSecond": float, "operations": int}
           or {"ok": false, "error": "..."}

cpuPerSecond counts operations per CPU second of this process (time.process_time).
"""
import base64
import json
import statistics
import sys
import time

import boto3
import botocore.session

import dynamodb_encryption_sdk
from dynamodb_encryption_sdk.delegated_keys.jce import JceNameLocalDelegatedKey
from dynamodb_encryption_sdk.encrypted import CryptoConfig
from dynamodb_encryption_sdk.encrypted.item import decrypt_dynamodb_item, encrypt_dynamodb_item
from dynamodb_encryption_sdk.identifiers import CryptoAction, EncryptionKeyType, KeyEncodingType
from dynamodb_encryption_sdk.material_providers.aws_kms import AwsKmsCryptographicMaterialsProvider
from dynamodb_encryption_sdk.material_providers.most_recent import CachingMostRecentProvider
from dynamodb_encryption_sdk.material_providers.static import StaticCryptographicMaterialsProvider
from dynamodb_encryption_sdk.material_providers.store.meta import MetaStore
from dynamodb_encryption_sdk.material_providers.wrapped import WrappedCryptographicMaterialsProvider
from dynamodb_encryption_sdk.materials.raw import RawDecryptionMaterials, RawEncryptionMaterials
from dynamodb_encryption_sdk.structures import AttributeActions, EncryptionContext

FAKE_CREDENTIALS = {"aws_access_key_id": "fake", "aws_secret_access_key": "fake"}
KEY_TYPES = {"symmetric": EncryptionKeyType.SYMMETRIC, "public": EncryptionKeyType.PUBLIC, "private": EncryptionKeyType.PRIVATE}
ENCODINGS = {"RAW": KeyEncodingType.RAW, "DER": KeyEncodingType.DER, "PEM": KeyEncodingType.PEM}


def b64d(text):
    return base64.b64decode(text.encode("ascii"), validate=True)


def from_wire(value):
    """DynamoDB JSON with base64 binaries -> the library's low-level form (bytes for binaries)."""
    (tag, body), = value.items()
    if tag == "B":
        return {"B": b64d(body)}
    if tag == "BS":
        return {"BS": [b64d(member) for member in body]}
    if tag == "L":
        return {"L": [from_wire(element) for element in body]}
    if tag == "M":
        return {"M": {name: from_wire(element) for name, element in body.items()}}
    return {tag: body}


def delegated_key(spec):
    return JceNameLocalDelegatedKey(
        key=b64d(spec["key"]),
        algorithm=spec["algorithm"],
        key_type=KEY_TYPES[spec["keyType"]],
        key_encoding=ENCODINGS[spec["encoding"]],
    )


def wrapped_aes_provider(keys):
    wrapping = delegated_key(keys["wrappingAes"])
    return WrappedCryptographicMaterialsProvider(
        signing_key=delegated_key(keys["hmac"]), wrapping_key=wrapping, unwrapping_key=wrapping
    )


def build_provider(name, config):
    keys = config["keys"]
    if name == "static":
        aes = delegated_key(keys["staticAes"])
        hmac = delegated_key(keys["hmac"])
        return StaticCryptographicMaterialsProvider(
            encryption_materials=RawEncryptionMaterials(signing_key=hmac, encryption_key=aes),
            decryption_materials=RawDecryptionMaterials(verification_key=hmac, decryption_key=aes),
        )
    if name == "wrapped-aes":
        return wrapped_aes_provider(keys)
    if name == "wrapped-rsa":
        return WrappedCryptographicMaterialsProvider(
            signing_key=delegated_key(keys["rsaSignPrivate"]),
            wrapping_key=delegated_key(keys["rsaWrapPublic"]),
            unwrapping_key=delegated_key(keys["rsaWrapPrivate"]),
        )
    if name == "direct-kms":
        kms = config["kms"]
        client = boto3.client("kms", endpoint_url=kms["endpoint"], region_name=kms["region"], **FAKE_CREDENTIALS)
        session = botocore.session.Session()
        session.set_config_variable("region", kms["region"])
        return AwsKmsCryptographicMaterialsProvider(
            key_id=kms["keyArn"], botocore_session=session, regional_clients={kms["region"]: client}
        )
    if name == "most-recent":
        meta = config["metaStore"]
        resource = boto3.resource("dynamodb", endpoint_url=meta["endpoint"], region_name="us-west-2", **FAKE_CREDENTIALS)
        store = MetaStore(resource.Table(meta["tableName"]), wrapped_aes_provider(keys))
        return CachingMostRecentProvider(store, meta["materialName"], 60.0)
    raise ValueError("unknown case %r" % name)


def crypto_config(provider, config, item):
    return CryptoConfig(
        materials_provider=provider,
        encryption_context=EncryptionContext(
            table_name=config["tableName"],
            partition_key_name=config["partitionKeyName"],
            sort_key_name=config["sortKeyName"],
            attributes=item,
        ),
        attribute_actions=AttributeActions(
            default_action=CryptoAction.ENCRYPT_AND_SIGN,
            attribute_actions={
                config["partitionKeyName"]: CryptoAction.SIGN_ONLY,
                config["sortKeyName"]: CryptoAction.SIGN_ONLY,
            },
        ),
    )


def timed(operation, seconds):
    """Runs `operation` back to back for about `seconds`; returns (ops per wall second, ops per CPU second, count)."""
    cpu_start = time.process_time()
    start = time.perf_counter()
    end = start + seconds
    count = 0
    now = start
    while now < end:
        operation()
        count += 1
        now = time.perf_counter()
    cpu = time.process_time() - cpu_start
    return count / (now - start), (count / cpu if cpu > 0 else float("nan")), count


def measure(operation, settings):
    """Median operations per second over the samples, after a warm-up; returns (rate, samples)."""
    timed(operation, settings["warmupS"])
    samples = [timed(operation, settings["sampleS"])[0] for _ in range(settings["samples"])]
    return statistics.median(samples), samples


def prepare_case(name, config, item):
    """Builds the case's provider, checks one round trip, returns {"encrypt": fn, "decrypt": fn}."""
    provider = build_provider(name, config)
    encrypt_config = crypto_config(provider, config, item)
    encrypted = encrypt_dynamodb_item(item, encrypt_config)
    decrypt_config = crypto_config(provider, config, encrypted)
    # decrypt_dynamodb_item pops the reserved attributes from the dict it is given: hand it a shallow copy each time
    # (about a microsecond, next to milliseconds per decrypt).
    if decrypt_dynamodb_item(dict(encrypted), decrypt_config) != item:
        raise RuntimeError("case %s: the decrypted item differs from the original" % name)
    return {
        "encrypt": lambda: encrypt_dynamodb_item(item, encrypt_config),
        "decrypt": lambda: decrypt_dynamodb_item(dict(encrypted), decrypt_config),
    }


def serve():
    config = json.loads(sys.stdin.readline())
    item = {name: from_wire(value) for name, value in config["item"].items()}
    cases = {}
    sys.stdout.write(json.dumps({"ok": True, "library": dynamodb_encryption_sdk.__version__, "python": sys.version.split()[0]}) + "\n")
    sys.stdout.flush()
    while True:
        line = sys.stdin.readline()
        if not line:
            return
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            name = request["case"]
            if name not in cases:
                cases[name] = prepare_case(name, config, item)
            wall, cpu, count = timed(cases[name][request["what"]], float(request["seconds"]))
            response = {"ok": True, "wallPerSecond": wall, "cpuPerSecond": cpu, "operations": count}
        except Exception as error:  # reported to the caller, which fails the run with this message
            response = {"ok": False, "error": "%s: %s" % (type(error).__name__, error)}
        sys.stdout.write(json.dumps(response) + "\n")
        sys.stdout.flush()


def run_case(name, config, item):
    operations = prepare_case(name, config, item)
    settings = config["measure"]
    encrypt_rate, encrypt_samples = measure(operations["encrypt"], settings)
    decrypt_rate, decrypt_samples = measure(operations["decrypt"], settings)
    return {
        "encrypt": encrypt_rate,
        "decrypt": decrypt_rate,
        "encryptSamples": encrypt_samples,
        "decryptSamples": decrypt_samples,
    }


def main():
    config = json.load(sys.stdin)
    item = {name: from_wire(value) for name, value in config["item"].items()}
    results = {}
    for name in config["cases"]:
        sys.stderr.write("[python bench] %s\n" % name)
        sys.stderr.flush()
        results[name] = run_case(name, config, item)
    json.dump(
        {"library": dynamodb_encryption_sdk.__version__, "python": sys.version.split()[0], "cases": results},
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    if "--serve" in sys.argv[1:]:
        serve()
    else:
        main()
