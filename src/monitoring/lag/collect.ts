import kafkajs, { type Admin, type GroupDescription } from 'kafkajs';
import type { PartitionObservation } from './evaluate.ts';

/** One read of a group's offsets on a topic, with the partitions' log offsets. */
export interface OffsetsSnapshot {
  group: string;
  topic: string;
  at: number;
  /** Members of the group with partitions of this topic assigned; zero means nobody consumes it. */
  members: number;
  groupState: string;
  partitions: Map<number, PartitionObservation>;
}

/**
 * Reads committed offsets (fetchOffsets) and log offsets (fetchTopicOffsets) from the brokers,
 * plus the group's membership (describeGroups), which tells a stopped consumer from a stuck one.
 */
export async function collectOffsets(
  admin: Admin,
  group: string,
  topic: string,
  now: () => number = Date.now,
): Promise<OffsetsSnapshot> {
  // Asking for offsets of a missing topic makes the client retry until it gives up; ask first.
  if (!(await admin.listTopics()).includes(topic)) throw new Error(`topic ${topic} does not exist`);
  const logOffsets = await admin.fetchTopicOffsets(topic);
  const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const description = await admin.describeGroups([group]);
  const at = now();
  const committedByPartition = new Map<number, number>();
  for (const t of committed) {
    if (t.topic !== topic) continue;
    for (const p of t.partitions) committedByPartition.set(p.partition, Number(p.offset));
  }
  const partitions = new Map<number, PartitionObservation>();
  for (const p of logOffsets) {
    partitions.set(p.partition, {
      at,
      committed: committedByPartition.get(p.partition) ?? -1,
      logStart: Number(p.low),
      logEnd: Number(p.high),
    });
  }
  const described = description.groups.find((g) => g.groupId === group);
  return {
    group,
    topic,
    at,
    members: described ? membersOnTopic(described, topic) : 0,
    groupState: described?.state ?? 'Unknown',
    partitions,
  };
}

function membersOnTopic(group: GroupDescription, topic: string): number {
  return group.members.filter((member) => {
    try {
      const decoded = kafkajs.AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      return (decoded?.assignment[topic]?.length ?? 0) > 0;
    } catch {
      // A member of another protocol (not a kafkajs-style consumer): count it as consuming.
      return true;
    }
  }).length;
}
