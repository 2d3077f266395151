package io.virtio4j.ovs.openflow;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** Builds FLOW_MOD messages (and the OXM, instruction and action bytes in them) for tests, as a controller would. */
final class FlowModBytes {
    private long cookie;
    private long cookieMask;
    private int table;
    private final int command;
    private int idle;
    private int hard;
    private int priority = 0x8000;
    private long bufferId = OfProtocol.NO_BUFFER;
    private long outPort = OfProtocol.PORT_ANY;
    private int flags;
    private final ByteArrayOutputStream oxms = new ByteArrayOutputStream();
    private final ByteArrayOutputStream instructions = new ByteArrayOutputStream();

    private FlowModBytes(int command) {
        this.command = command;
    }

    static FlowModBytes of(int command) {
        return new FlowModBytes(command);
    }

    FlowModBytes cookie(long value, long mask) {
        cookie = value;
        cookieMask = mask;
        return this;
    }

    FlowModBytes table(int t) {
        table = t;
        return this;
    }

    FlowModBytes priority(int p) {
        priority = p;
        return this;
    }

    FlowModBytes idle(int seconds) {
        idle = seconds;
        return this;
    }

    FlowModBytes hard(int seconds) {
        hard = seconds;
        return this;
    }

    FlowModBytes buffer(long id) {
        bufferId = id;
        return this;
    }

    FlowModBytes outPort(long port) {
        outPort = port;
        return this;
    }

    FlowModBytes flags(int f) {
        flags = f;
        return this;
    }

    /** An OXM-basic field with {@code value} of {@code size} bytes. */
    FlowModBytes match(int field, int size, long value) {
        oxms.write(0x80);
        oxms.write(0x00);
        oxms.write(field << 1);
        oxms.write(size);
        writeNumber(oxms, value, size);
        return this;
    }

    /** An OXM-basic field given as raw bytes (any length, for the length checks), with a mask of its own when not null. */
    FlowModBytes oxm(int field, byte[] value, byte[] mask) {
        oxms.write(0x80);
        oxms.write(0x00);
        oxms.write(field << 1 | (mask != null ? 1 : 0));
        oxms.write(value.length + (mask != null ? mask.length : 0));
        oxms.writeBytes(value);
        if (mask != null) {
            oxms.writeBytes(mask);
        }
        return this;
    }

    /** A masked OXM-basic field. */
    FlowModBytes match(int field, int size, long value, long mask) {
        oxms.write(0x80);
        oxms.write(0x00);
        oxms.write(field << 1 | 1);
        oxms.write(2 * size);
        writeNumber(oxms, value, size);
        writeNumber(oxms, mask, size);
        return this;
    }

    /** An apply-actions instruction holding {@code actions} (each from {@link #output} and friends). */
    FlowModBytes apply(byte[]... actions) {
        int length = 8;
        for (byte[] a : actions) {
            length += a.length;
        }
        writeNumber(instructions, OfProtocol.IT_APPLY_ACTIONS, 2);
        writeNumber(instructions, length, 2);
        writeNumber(instructions, 0, 4);
        for (byte[] a : actions) {
            instructions.writeBytes(a);
        }
        return this;
    }

    FlowModBytes gotoTable(int t) {
        return instruction(OfProtocol.IT_GOTO_TABLE, t << 24);
    }

    /** An 8-byte instruction: type, length 8, then {@code word}. */
    FlowModBytes instruction(int type, long word) {
        writeNumber(instructions, type, 2);
        writeNumber(instructions, 8, 2);
        writeNumber(instructions, word, 4);
        return this;
    }

    /** Raw bytes appended to the instructions. */
    FlowModBytes raw(byte[] bytes) {
        instructions.writeBytes(bytes);
        return this;
    }

    static byte[] output(long port) {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.putShort((short) OfProtocol.AT_OUTPUT).putShort((short) 16).putInt((int) port).putShort((short) 0);
        return b.array();
    }

    /** output:CONTROLLER with {@code maxLength} (0xffff: the whole frame). */
    static byte[] toController(int maxLength) {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.putShort((short) OfProtocol.AT_OUTPUT).putShort((short) 16).putInt((int) OfProtocol.PORT_CONTROLLER)
                .putShort((short) maxLength);
        return b.array();
    }

    static byte[] pushVlan(int ethertype) {
        return ByteBuffer.allocate(8).putShort((short) OfProtocol.AT_PUSH_VLAN).putShort((short) 8).putShort((short) ethertype).array();
    }

    static byte[] popVlan() {
        return ByteBuffer.allocate(8).putShort((short) OfProtocol.AT_POP_VLAN).putShort((short) 8).array();
    }

    /** set_field of a {@code size}-byte field (vlan_vid 2, vlan_pcp 1), padded to 8 as the spec says. */
    static byte[] setField(int field, int size, long value) {
        int length = (4 + 4 + size + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(length);
        b.putShort((short) OfProtocol.AT_SET_FIELD).putShort((short) length).putShort((short) 0x8000).put((byte) (field << 1))
                .put((byte) size);
        for (int i = size - 1; i >= 0; i--) {
            b.put((byte) (value >>> (8 * i)));
        }
        return b.array();
    }

    /** A write-metadata instruction. */
    FlowModBytes writeMetadata(long value, long mask) {
        writeNumber(instructions, OfProtocol.IT_WRITE_METADATA, 2);
        writeNumber(instructions, 24, 2);
        writeNumber(instructions, 0, 4);
        writeNumber(instructions, value, 8);
        writeNumber(instructions, mask, 8);
        return this;
    }

    static byte[] decNwTtl() {
        return ByteBuffer.allocate(8).putShort((short) OfProtocol.AT_DEC_NW_TTL).putShort((short) 8).array();
    }

    /** set_field of a 6-byte Ethernet address field. */
    static byte[] setMac(int field, long mac) {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.putShort((short) OfProtocol.AT_SET_FIELD).putShort((short) 16).putShort((short) 0x8000).put((byte) (field << 1))
                .put((byte) 6);
        for (int i = 5; i >= 0; i--) {
            b.put((byte) (mac >>> (8 * i)));
        }
        return b.array();
    }

    /** An action of {@code type} whose header says {@code declared} bytes, {@code bytes} long, zero but its header. */
    static byte[] action(int type, int declared, int bytes) {
        return ByteBuffer.allocate(bytes).putShort((short) type).putShort((short) declared).array();
    }

    /** The match as written in the message (type, length, OXMs, padding). */
    byte[] matchBytes() {
        int length = 4 + oxms.size();
        ByteBuffer b = ByteBuffer.allocate((length + 7) / 8 * 8);
        b.putShort((short) OfProtocol.MATCH_TYPE_OXM).putShort((short) length).put(oxms.toByteArray());
        return b.array();
    }

    byte[] instructionBytes() {
        return instructions.toByteArray();
    }

    ByteBuffer build(long xid) {
        byte[] match = matchBytes();
        byte[] ins = instructions.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(8 + 40 + match.length + ins.length);
        b.put((byte) OfProtocol.VERSION).put((byte) OfProtocol.FLOW_MOD).putShort((short) b.capacity()).putInt((int) xid);
        b.putLong(cookie).putLong(cookieMask).put((byte) table).put((byte) command).putShort((short) idle).putShort((short) hard)
                .putShort((short) priority).putInt((int) bufferId).putInt((int) outPort).putInt((int) OfProtocol.GROUP_ANY)
                .putShort((short) flags).putShort((short) 0);
        b.put(match).put(ins);
        return b.flip();
    }

    private static void writeNumber(ByteArrayOutputStream out, long value, int size) {
        for (int i = size - 1; i >= 0; i--) {
            out.write((int) (value >>> (8 * i)));
        }
    }
}
