import type { TimeSegment } from '../../plugins/stream.ts';

/** One member's segments for an item, with its vote's weight. */
export interface MemberSegments {
  member: string;
  weight: number;
  segments: readonly TimeSegment[];
}

/**
 * The segments of an ensemble of segmenters (VADs), voted per instant: a moment is in a segment when
 * the members whose segments cover it weigh more than half of the members that answered (weights as
 * configured, 1 by default: a plain majority, 2 of 3). The result is sorted, without overlaps (stretches
 * that touch are one). Exact on the members' boundaries (no frame grid: members with different frame
 * lengths vote as they are).
 *
 * @example voteSegments([{ member: 'a', weight: 1, segments: [{ start_s: 1, end_s: 3 }] }, …])
 */
export function voteSegments(members: readonly MemberSegments[]): TimeSegment[] {
  const total = members.reduce((n, m) => n + m.weight, 0);
  const edges: Array<[number, number]> = [];
  for (const m of members)
    for (const s of m.segments) {
      if (!(s.end_s > s.start_s)) continue;
      edges.push([s.start_s, m.weight], [s.end_s, -m.weight]);
    }
  edges.sort((a, b) => a[0] - b[0]);
  const out: TimeSegment[] = [];
  let weight = 0;
  let open: number | undefined;
  for (let i = 0; i < edges.length; ) {
    const t = edges[i]![0];
    for (; i < edges.length && edges[i]![0] === t; i++) weight += edges[i]![1]; // every edge at this instant first
    const inside = weight > total / 2 + 1e-9;
    if (inside && open === undefined) open = t;
    else if (!inside && open !== undefined) {
      out.push({ start_s: open, end_s: t });
      open = undefined;
    }
  }
  return out;
}

/**
 * The ensemble's segments for one item by its strategy: the deciding member's own (max-confidence; a
 * cascade decided by its first member), else the per-instant vote of every member that answered.
 */
export function ensembleSegments(members: readonly MemberSegments[], decidedBy?: string): TimeSegment[] {
  const decider = decidedBy === undefined ? undefined : members.find((m) => m.member === decidedBy);
  return decider ? [...decider.segments] : voteSegments(members);
}
