package io.virtio4j.ovs.openflow;

/**
 * A message a peer sent cannot be served: carries the OpenFlow error type and code the peer gets
 * back. Stackless: a peer can cause any number of them, and where they come from is the message,
 * not the stack.
 */
public final class OfDecodeException extends RuntimeException {
    private final int type;
    private final int code;

    /** {@code type} and {@code code} from {@code ofp_error_type} and its code enums. */
    public OfDecodeException(int type, int code, String message) {
        super(message, null, false, false);
        this.type = type;
        this.code = code;
    }

    /** Convenience for the commonest error: BAD_REQUEST with {@code code}. */
    static OfDecodeException badRequest(int code, String message) {
        return new OfDecodeException(OfProtocol.ET_BAD_REQUEST, code, message);
    }

    /** The {@code ofp_error_type}. */
    public int type() {
        return type;
    }

    /** The code within the type. */
    public int code() {
        return code;
    }
}
