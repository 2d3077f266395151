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
    public static final int FLOW_REMOVED = 11;
    public static final int PACKET_IN = 10;
    public static final int PACKET_OUT = 13;
    public static final int FLOW_MOD = 14;
    public static final int GROUP_MOD = 15;
    public static final int PORT_MOD = 16;
    public static final int TABLE_MOD = 17;
    public static final int MULTIPART_REQUEST = 18;
    public static final int MULTIPART_REPLY = 19;
    public static final int BARRIER_REQUEST = 20;
    public static final int BARRIER_REPLY = 21;
    public static final int PORT_STATUS = 12;
    public static final int ROLE_REQUEST = 24;
    public static final int ROLE_REPLY = 25;
    public static final int GET_ASYNC_REQUEST = 26;
    public static final int GET_ASYNC_REPLY = 27;
    public static final int SET_ASYNC = 28;
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
    public static final int BRC_BUFFER_UNKNOWN = 8;
    public static final int BRC_BAD_TABLE_ID = 9;
    /** {@code OFPBRC_IS_SLAVE}: a slave asked to change the switch (section 6.3.5). */
    public static final int BRC_IS_SLAVE = 10;
    public static final int BRC_BAD_PORT = 11;
    public static final int ET_BAD_ACTION = 2;
    public static final int BAC_BAD_TYPE = 0;
    public static final int BAC_BAD_LEN = 1;
    public static final int BAC_BAD_EXPERIMENTER = 2;
    public static final int BAC_BAD_OUT_PORT = 4;
    public static final int BAC_BAD_ARGUMENT = 5;
    public static final int BAC_TOO_MANY = 7;
    public static final int BAC_MATCH_INCONSISTENT = 10;
    public static final int BAC_UNSUPPORTED_ORDER = 11;
    public static final int BAC_BAD_SET_TYPE = 13;
    public static final int BAC_BAD_SET_LEN = 14;
    public static final int BAC_BAD_SET_ARGUMENT = 15;
    public static final int ET_BAD_INSTRUCTION = 3;
    public static final int BIC_UNKNOWN_INST = 0;
    public static final int BIC_UNSUP_INST = 1;
    public static final int BIC_BAD_TABLE_ID = 2;
    public static final int BIC_BAD_EXPERIMENTER = 5;
    public static final int BIC_BAD_LEN = 7;
    public static final int BIC_DUP_INST = 9;
    public static final int ET_BAD_MATCH = 4;
    public static final int BMC_BAD_TYPE = 0;
    public static final int BMC_BAD_LEN = 1;
    public static final int BMC_BAD_NW_ADDR_MASK = 4;
    public static final int BMC_BAD_FIELD = 6;
    public static final int BMC_BAD_VALUE = 7;
    public static final int BMC_BAD_MASK = 8;
    public static final int BMC_BAD_PREREQ = 9;
    public static final int BMC_DUP_FIELD = 10;
    public static final int ET_FLOW_MOD_FAILED = 5;
    public static final int FMFC_TABLE_FULL = 1;
    public static final int FMFC_BAD_TABLE_ID = 2;
    public static final int FMFC_BAD_COMMAND = 6;
    public static final int FMFC_BAD_FLAGS = 7;
    public static final int ET_GROUP_MOD_FAILED = 6;
    /** {@code OFPGMFC_INVALID_GROUP}: no group can exist here (groups are not supported). */
    public static final int GMFC_INVALID_GROUP = 8;
    public static final int ET_METER_MOD_FAILED = 12;
    /** {@code OFPMMFC_INVALID_METER}: no meter can exist here (meters are not supported). */
    public static final int MMFC_INVALID_METER = 2;
    public static final int ET_SWITCH_CONFIG_FAILED = 10;
    public static final int ET_TABLE_FEATURES_FAILED = 13;
    public static final int TFFC_EPERM = 5;
    public static final int ET_ROLE_REQUEST_FAILED = 11;
    /** {@code OFPRRFC_STALE}: a generation id older than one already seen. */
    public static final int RRFC_STALE = 0;
    /** {@code OFPRRFC_BAD_ROLE}: a role value that is not one of the four. */
    public static final int RRFC_BAD_ROLE = 2;
    public static final int SCFC_BAD_LEN = 2;
    /** An ERROR carries at most this much of the message that caused it (the spec's minimum). */
    public static final int ERROR_DATA_BYTES = 64;

    // ofp_flow_mod_command, ofp_flow_mod_flags
    public static final int FC_ADD = 0;
    public static final int FC_MODIFY = 1;
    public static final int FC_MODIFY_STRICT = 2;
    public static final int FC_DELETE = 3;
    public static final int FC_DELETE_STRICT = 4;
    public static final int FF_SEND_FLOW_REM = 1;
    public static final int FF_CHECK_OVERLAP = 2;
    public static final int FF_RESET_COUNTS = 4;
    public static final int FF_NO_PKT_COUNTS = 8;
    public static final int FF_NO_BYT_COUNTS = 16;
    public static final long NO_BUFFER = 0xffffffffL;
    /** ofp_controller_max_len: the largest max_len that asks for bytes, and "the whole frame". */
    public static final int CML_MAX = 0xffe5;
    public static final int CML_NO_BUFFER = 0xffff;

    // ofp_flow_removed_reason
    public static final int RR_IDLE_TIMEOUT = 0;
    public static final int RR_HARD_TIMEOUT = 1;
    public static final int RR_DELETE = 2;

    // ofp_controller_role
    public static final int CR_ROLE_NOCHANGE = 0;
    public static final int CR_ROLE_EQUAL = 1;
    public static final int CR_ROLE_MASTER = 2;
    public static final int CR_ROLE_SLAVE = 3;

    // ofp_port_reason (PORT_STATUS)
    public static final int PPR_ADD = 0;
    public static final int PPR_DELETE = 1;
    public static final int PPR_MODIFY = 2;

    // ofp_packet_in_reason
    public static final int PR_NO_MATCH = 0;
    public static final int PR_ACTION = 1;

    // ofp_instruction_type
    public static final int IT_GOTO_TABLE = 1;
    public static final int IT_WRITE_METADATA = 2;
    public static final int IT_WRITE_ACTIONS = 3;
    public static final int IT_APPLY_ACTIONS = 4;
    public static final int IT_CLEAR_ACTIONS = 5;
    public static final int IT_METER = 6;
    public static final int IT_EXPERIMENTER = 0xffff;

    // ofp_action_type (those served; the others of 1.3 are refused as BAD_TYPE)
    public static final int AT_OUTPUT = 0;
    public static final int AT_PUSH_VLAN = 17;
    public static final int AT_POP_VLAN = 18;
    public static final int AT_DEC_NW_TTL = 24;
    public static final int AT_SET_FIELD = 25;
    public static final int AT_EXPERIMENTER = 0xffff;

    // ofp_port_no
    public static final long PORT_MAX = 0xffffff00L;
    public static final long PORT_IN_PORT = 0xfffffff8L;
    public static final long PORT_TABLE = 0xfffffff9L;
    public static final long PORT_NORMAL = 0xfffffffaL;
    public static final long PORT_FLOOD = 0xfffffffbL;
    public static final long PORT_ALL = 0xfffffffcL;
    public static final long PORT_CONTROLLER = 0xfffffffdL;
    public static final long PORT_LOCAL = 0xfffffffeL;
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
