package dev.ddbencryption.interop;

/** A bad request (unknown op, provider or parameter), answered as an error of type BridgeException. */
final class BridgeException extends RuntimeException {
    BridgeException(String message) {
        super(message);
    }
}
