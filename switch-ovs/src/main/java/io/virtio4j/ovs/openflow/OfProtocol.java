package io.virtio4j.ovs.openflow;

/**
 * Numbers of the OpenFlow 1.3.5 wire protocol (section 7 and appendix of the specification) that
 * the agent speaks. Only what is used is here; a number is named as the spec names it.
 */
public final class OfProtocol {
    /** The one version the agent speaks: OpenFlow 1.3 ({@code OFP13_VERSION}). */
    public static final int VERSION = 0x04;
    /** {@code struct ofp_header}: version, type, length, xid. */
    public static final int HEADER_BYTES = 8;
    /** A message's length is a 16-bit field. */
    public static final int MAX_MESSAGE_BYTES = 0xffff;

    // enum ofp_type
    public static final int HELLO = 0;
    public static final int ERROR = 1;
    public static final int ECHO_REQUEST = 2;
    public static final int ECHO_REPLY = 3;
    public static final int EXPERIMENTER = 4;
    public static final int FEATURES_REQUEST = 5;
    public static final int FEATURES_REPLY = 6;
    public static final int GET_CONFIG_REQUEST = 7;
    public static final int GET_CONFIG_REPLY = 8;
    public static final int SET_CONFIG = 9;
    public static final int PACKET_OUT = 13;
    public static final int FLOW_MOD = 14;
    public static final int GROUP_MOD = 15;
    public static final int PORT_MOD = 16;
    public static final int TABLE_MOD = 17;
    public static final int MULTIPART_REQUEST = 18;
    public static final int MULTIPART_REPLY = 19;
    public static final int BARRIER_REQUEST = 20;
    public static final int BARRIER_REPLY = 21;
    public static final int METER_MOD = 29;
    /** Types above this are not in 1.3 at all. */
    public static final int LAST_TYPE = 29;

    // enum ofp_multipart_type
    public static final int MP_DESC = 0;
    public static final int MP_FLOW = 1;
    public static final int MP_AGGREGATE = 2;
    public static final int MP_TABLE = 3;
    public static final int MP_PORT_STATS = 4;
    public static final int MP_TABLE_FEATURES = 12;
    public static final int MP_PORT_DESC = 13;
    /** {@code OFPMPF_REPLY_MORE}: more replies follow for the same request. */
    public static final int MPF_MORE = 1;

    // enum ofp_hello_elem_type
    public static final int HELLO_ELEM_VERSIONBITMAP = 1;

    // enum ofp_error_type and the codes used
    public static final int ET_HELLO_FAILED = 0;
    public static final int HFC_INCOMPATIBLE = 0;
    public static final int ET_BAD_REQUEST = 1;
    public static final int BRC_BAD_VERSION = 0;
    public static final int BRC_BAD_TYPE = 1;
    public static final int BRC_BAD_MULTIPART = 2;
    public static final int BRC_BAD_EXPERIMENTER = 3;
    public static final int BRC_BAD_LEN = 6;
    public static final int BRC_BAD_TABLE_ID = 9;
    public static final int BRC_BAD_PORT = 11;
    public static final int ET_BAD_MATCH = 4;
    public static final int BMC_BAD_TYPE = 0;
    public static final int BMC_BAD_LEN = 1;
    public static final int BMC_BAD_FIELD = 6;
    public static final int BMC_BAD_PREREQ = 9;
    public static final int BMC_DUP_FIELD = 10;
    public static final int ET_SWITCH_CONFIG_FAILED = 10;
    public static final int ET_TABLE_FEATURES_FAILED = 13;
    public static final int TFFC_EPERM = 5;
    public static final int SCFC_BAD_LEN = 2;
    /** An ERROR carries at most this much of the message that caused it (the spec's minimum). */
    public static final int ERROR_DATA_BYTES = 64;

    // ofp_port_no
    public static final long PORT_MAX = 0xffffff00L;
    public static final long PORT_ANY = 0xffffffffL;
    public static final long GROUP_ANY = 0xffffffffL;
    // ofp_table
    public static final int TABLE_ALL = 0xff;

    // ofp_port_state, ofp_capabilities
    public static final int PS_LINK_DOWN = 1 << 0;
    public static final int PS_LIVE = 1 << 2;
    public static final int CAP_FLOW_STATS = 1 << 0;
    public static final int CAP_TABLE_STATS = 1 << 1;
    public static final int CAP_PORT_STATS = 1 << 2;

    // struct ofp_match
    public static final int MATCH_TYPE_OXM = 1;
    public static final int OXM_CLASS_OPENFLOW_BASIC = 0x8000;

    private OfProtocol() {
    }
}
