"""An L2 learning controller on os-ken for the OsKen* tests.

On a switch's FEATURES it deletes every flow and installs a table-miss flow sending whole
frames to the controller. Each PACKET_IN teaches it where the source MAC is; a frame to a
known MAC gets a flow (eth_dst -> port, with an idle timeout) and is sent there by PACKET_OUT,
any other is flooded by PACKET_OUT. Learned per datapath (and per VLAN).

Set by the environment (a controller app is configured like Faucet is, from outside):
  OSKEN_L2_VLANS  port:vlan pairs, e.g. "1:10,2:10,3:20,4:20": the VLAN of each access port.
                  Learning is then per VLAN, a flood goes only to the other ports of the
                  frame's VLAN, and flows match vlan_vid as well as eth_dst (the switch
                  matches the VLAN it admitted the frame to). Unset: one flat network,
                  flooded with OFPP_FLOOD.
  OSKEN_L2_IDLE   the flows' idle timeout in seconds (default 60).
Every switch programmed and every PORT_STATUS is logged, for the tests to read.
"""
import os

from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib.packet import ethernet, packet
from os_ken.ofproto import ofproto_v1_3


def _vlans(text):
    pairs = (item.split(':') for item in text.split(',') if item.strip())
    return {int(port): int(vlan) for port, vlan in pairs}


class L2Learning(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.where = {}  # (datapath id, vlan) -> {mac: port}
        self.vlans = _vlans(os.environ.get('OSKEN_L2_VLANS', ''))
        self.idle = int(os.environ.get('OSKEN_L2_IDLE', '60'))

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

    @set_ev_cls(ofp_event.EventOFPPortStatus, MAIN_DISPATCHER)
    def on_port_status(self, ev):
        msg = ev.msg
        ofp = msg.datapath.ofproto
        reason = {ofp.OFPPR_ADD: 'ADD', ofp.OFPPR_DELETE: 'DELETE', ofp.OFPPR_MODIFY: 'MODIFY'}.get(msg.reason, msg.reason)
        self.logger.info("osken-l2: switch %016x port %s %d(%s)", msg.datapath.id, reason, msg.desc.port_no,
                         msg.desc.name.decode('ascii', 'replace'))

    def flood(self, ofp, parser, in_port, vlan):
        if not self.vlans:
            return [parser.OFPActionOutput(ofp.OFPP_FLOOD)]
        return [parser.OFPActionOutput(p) for p, v in sorted(self.vlans.items()) if v == vlan and p != in_port]

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def on_packet_in(self, ev):
        msg = ev.msg
        dp = msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        in_port = msg.match['in_port']
        eth = packet.Packet(msg.data).get_protocol(ethernet.ethernet)
        if eth is None:
            return
        vlan = self.vlans.get(in_port)
        if self.vlans and vlan is None:
            self.logger.info("osken-l2: a frame from port %s, in no VLAN: dropped", in_port)
            return
        macs = self.where.setdefault((dp.id, vlan), {})
        macs[eth.src] = in_port
        out = macs.get(eth.dst)
        if out is None:
            actions = self.flood(ofp, parser, in_port, vlan)
        else:
            actions = [parser.OFPActionOutput(out)]
            match = parser.OFPMatch(eth_dst=eth.dst) if vlan is None \
                else parser.OFPMatch(vlan_vid=(ofp.OFPVID_PRESENT | vlan), eth_dst=eth.dst)
            dp.send_msg(parser.OFPFlowMod(dp, priority=10, idle_timeout=self.idle, match=match,
                                          instructions=self.apply(parser, ofp, actions)))
        dp.send_msg(parser.OFPPacketOut(dp, buffer_id=ofp.OFP_NO_BUFFER, in_port=in_port, actions=actions,
                                        data=msg.data))
        self.logger.info("osken-l2: switch %016x vlan %s: %s at port %s, to %s: %s", dp.id, vlan, eth.src, in_port,
                         eth.dst, "flood" if out is None else "port %s" % out)
