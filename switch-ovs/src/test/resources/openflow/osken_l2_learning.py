"""An L2 learning controller on os-ken for OsKenControllerTest.

On a switch's FEATURES it deletes every flow and installs a table-miss flow sending whole
frames to the controller. Each PACKET_IN teaches it where the source MAC is; a frame to a
known MAC gets a flow (eth_dst -> port, idle timeout 60 s) and is sent there by PACKET_OUT,
any other is flooded by PACKET_OUT. Learned per datapath.
"""
from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib.packet import ethernet, packet
from os_ken.ofproto import ofproto_v1_3


class L2Learning(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.where = {}  # datapath id -> {mac: port}

    @staticmethod
    def apply(parser, ofp, actions):
        return [parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, actions)]

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def on_features(self, ev):
        dp = ev.msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        dp.send_msg(parser.OFPFlowMod(dp, command=ofp.OFPFC_DELETE, table_id=ofp.OFPTT_ALL,
                                      out_port=ofp.OFPP_ANY, out_group=ofp.OFPG_ANY, match=parser.OFPMatch()))
        to_controller = [parser.OFPActionOutput(ofp.OFPP_CONTROLLER, ofp.OFPCML_NO_BUFFER)]
        dp.send_msg(parser.OFPFlowMod(dp, priority=0, match=parser.OFPMatch(),
                                      instructions=self.apply(parser, ofp, to_controller)))
        self.logger.info("osken-l2: switch %016x programmed", dp.id)

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def on_packet_in(self, ev):
        msg = ev.msg
        dp = msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        in_port = msg.match['in_port']
        eth = packet.Packet(msg.data).get_protocol(ethernet.ethernet)
        if eth is None:
            return
        macs = self.where.setdefault(dp.id, {})
        macs[eth.src] = in_port
        out = macs.get(eth.dst)
        if out is None:
            actions = [parser.OFPActionOutput(ofp.OFPP_FLOOD)]
        else:
            actions = [parser.OFPActionOutput(out)]
            dp.send_msg(parser.OFPFlowMod(dp, priority=10, idle_timeout=60, match=parser.OFPMatch(eth_dst=eth.dst),
                                          instructions=self.apply(parser, ofp, actions)))
        dp.send_msg(parser.OFPPacketOut(dp, buffer_id=ofp.OFP_NO_BUFFER, in_port=in_port, actions=actions,
                                        data=msg.data))
        self.logger.info("osken-l2: %s at port %s, to %s: %s", eth.src, in_port, eth.dst,
                         "flood" if out is None else "port %s" % out)
