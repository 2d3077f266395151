package io.virtio4j.ovs.pipeline;

import static io.virtio4j.ovs.testing.Lab.BROADCAST;
import static io.virtio4j.ovs.testing.Lab.H1;
import static io.virtio4j.ovs.testing.Lab.H2;
import static io.virtio4j.ovs.testing.Lab.H3;
import static io.virtio4j.ovs.testing.Lab.SECOND;
import static io.virtio4j.ovs.testing.Lab.l2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.l2.FdbEntry;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.testing.Lab;

/** L2 within a VLAN: the same in every L3 mode. */
class SwitchingTest {

    @ParameterizedTest
    @EnumSource(L3Mode.class)
    void broadcastFloodsItsVlanOnlyAndNotBackToItsPort(L3Mode mode) {
        Lab lab = new Lab(mode);
        lab.send(0, l2(BROADCAST, H1, 0));
        assertEquals(DropReason.NONE, lab.verdict.drop());
        assertEquals(List.of(1, 4), lab.outputs());
        assertEquals(10, lab.verdict.egressVlan());
        lab.send(2, l2(BROADCAST, H2, 0));
        assertEquals(List.of(3, 4), lab.outputs());
        assertEquals(20, lab.verdict.egressVlan());
        lab.send(5, l2(BROADCAST, H3, 0));
        assertEquals(List.of(), lab.outputs(), "VLAN 30 has one port: nobody to flood to");
        assertEquals(Verdict.NO_MAC, lab.verdict.ethSource());
        assertFalse(lab.verdict.decrementTtl());
    }

    @Test
    void learnsSourcesAndForwardsKnownUnicastToOnePort() {
        Lab lab = new Lab(L3Mode.NONE);
        lab.send(0, l2(H2, H1, 0));
        assertEquals(List.of(1, 4), lab.outputs(), "unknown unicast floods");
        lab.send(1, l2(H1, H2, 0));
        assertEquals(List.of(0), lab.outputs(), "H1 was learned on port 0");
        lab.send(0, l2(H2, H1, 0));
        assertEquals(List.of(1), lab.outputs());
        List<FdbEntry> fdb = lab.pipeline.fdb(lab.now);
        assertEquals(2, lab.pipeline.flushFdb());
        lab.send(0, l2(H2, H1, 0));
        assertEquals(List.of(1, 4), lab.outputs(), "after a flush the cached unicast is gone");
        assertEquals(2, fdb.size());
        assertEquals(new FdbEntry(10, H1, 0, fdb.get(0).age()), fdb.get(0));
        assertEquals(new FdbEntry(10, H2, 1, fdb.get(1).age()), fdb.get(1));
    }

    @Test
    void theSameMacInTwoVlansNeverMixes() {
        Lab lab = new Lab(L3Mode.NONE);
        // H1 lives in both VLANs: on port 0 (VLAN 10) and port 2 (VLAN 20).
        lab.send(0, l2(BROADCAST, H1, 0));
        lab.send(2, l2(BROADCAST, H1, 0));
        assertEquals(2, lab.pipeline.fdb(lab.now).size());
        lab.send(3, l2(H1, H2, 0));
        assertEquals(List.of(2), lab.outputs(), "VLAN 20's H1");
        assertEquals(20, lab.verdict.egressVlan());
        lab.send(1, l2(H1, H3, 0));
        assertEquals(List.of(0), lab.outputs(), "VLAN 10's H1");
        lab.send(4, l2(H1, H3, 20));
        assertEquals(List.of(2), lab.outputs(), "a trunk frame tagged 20 reaches VLAN 20's H1 only");
        assertEquals(0, lab.pipeline.counter(PipelineCounter.FRAMES) - 5);
    }

    @Test
    void unicastToTheIngressPortIsDropped() {
        Lab lab = new Lab(L3Mode.NONE);
        lab.send(0, l2(BROADCAST, H1, 0));
        lab.send(0, l2(H1, H2, 0));
        assertEquals(DropReason.SAME_PORT, lab.verdict.drop());
        assertEquals(1, lab.pipeline.drops(DropReason.SAME_PORT));
    }

    @Test
    void entriesAgeOutAndTheDestinationFloodsAgain() {
        Lab lab = new Lab(L3Mode.NONE, new FdbSpec(64, Duration.ofSeconds(2)));
        lab.send(1, l2(BROADCAST, H2, 0));
        lab.send(0, l2(H2, H1, 0));
        assertEquals(List.of(1), lab.outputs());
        lab.now += 3 * SECOND;
        lab.send(0, l2(H2, H1, 0));
        assertEquals(List.of(1, 4), lab.outputs(), "H2 was last seen 3 s ago with 2 s ageing");
        assertEquals(List.of(0), lab.pipeline.fdb(lab.now).stream().map(FdbEntry::port).toList(), "only H1, learned again");
        assertEquals(2, lab.pipeline.fdbTable().table().expired(), "the sweep removed both (H1 too was 3 s old)");
    }

    @Test
    void aFullTableStopsLearningCountsItAndFloods() {
        Lab lab = new Lab(L3Mode.NONE, new FdbSpec(2, Duration.ofSeconds(300)));
        lab.send(0, l2(BROADCAST, H1, 0));
        lab.send(1, l2(BROADCAST, H2, 0));
        lab.send(4, l2(BROADCAST, H3, 10));
        assertEquals(1, lab.pipeline.fdbTable().table().refusedFull());
        lab.send(0, l2(H3, H1, 0));
        assertEquals(List.of(1, 4), lab.outputs(), "H3 was not learned: flood");
        assertEquals(2, lab.pipeline.fdb(lab.now).size());
    }

    @Test
    void aStationMoveIsFollowedAndCounted() {
        Lab lab = new Lab(L3Mode.NONE);
        lab.send(0, l2(BROADCAST, H1, 0));
        lab.send(1, l2(H1, H2, 0));
        assertEquals(List.of(0), lab.outputs());
        lab.send(4, l2(BROADCAST, H1, 10));
        assertEquals(1, lab.pipeline.fdbTable().table().moves());
        lab.send(1, l2(H1, H2, 0));
        assertEquals(List.of(4), lab.outputs(), "H1 moved to the trunk");
    }

    @Test
    void accessPortsTakeUntaggedFramesOnlyAndTrunksOnlyTheirVlans() {
        Lab lab = new Lab(L3Mode.NONE);
        lab.send(0, l2(BROADCAST, H1, 10));
        assertEquals(DropReason.VLAN_NOT_ALLOWED, lab.verdict.drop(), "tagged on an access port, even with its own VLAN");
        lab.send(4, l2(BROADCAST, H1, 0));
        assertEquals(DropReason.VLAN_NOT_ALLOWED, lab.verdict.drop(), "untagged on a trunk");
        lab.send(4, l2(BROADCAST, H1, 30));
        assertEquals(DropReason.VLAN_NOT_ALLOWED, lab.verdict.drop(), "a VLAN the trunk does not carry");
        byte[] priorityTagged = l2(BROADCAST, H1, 10);
        priorityTagged[14] = (byte) 0xe0;
        priorityTagged[15] = 0;
        lab.send(4, priorityTagged);
        assertEquals(DropReason.VLAN_NOT_ALLOWED, lab.verdict.drop(), "VID 0");
        assertEquals(4, lab.pipeline.drops(DropReason.VLAN_NOT_ALLOWED));
        assertEquals(0, lab.pipeline.fdb(lab.now).size(), "refused frames teach nothing");
        lab.send(4, l2(BROADCAST, H1, 20));
        assertEquals(DropReason.NONE, lab.verdict.drop());
        assertEquals(List.of(2, 3), lab.outputs());
        assertEquals(20, lab.verdict.egressVlan());
    }

    @Test
    void groupSourceAddressesAreMalformed() {
        Lab lab = new Lab(L3Mode.NONE);
        lab.send(0, l2(H2, BROADCAST, 0));
        assertEquals(DropReason.MALFORMED, lab.verdict.drop());
        assertEquals(0, lab.pipeline.fdb(lab.now).size());
    }

    @Test
    void inNoneModeFramesToAGatewayMacAreJustSwitched() {
        Lab lab = new Lab(L3Mode.IPFORWARD);
        lab.send(0, Lab.ping(Lab.GW10_MAC, H1, 0, Lab.H1_IP, Lab.H2_IP, 64));
        assertEquals(List.of(1, 4), lab.outputs(), "the gateway NIC is an ordinary port the FDB has not seen yet");
        assertFalse(lab.verdict.decrementTtl());
        lab.send(0, Lab.arpRequest(H1, Lab.H1_IP, Lab.GW10, 0));
        assertEquals(0, lab.verdict.replyLength(), "the kernel's gateway answers, not the switch");
        assertEquals(List.of(1, 4), lab.outputs());
    }
}
