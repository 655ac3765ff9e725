import { GatewayError, isGatewayError } from '../../core/errors.ts';
import { concat, sliceRows, type Tensor, type TensorInfo } from '../../core/tensor.ts';
import type { EnsembleConfig, ModelConfig } from '../../model-store/schema.ts';
import type { SubmitOptions } from '../scheduling/scheduler.ts';
import type { Scores, Servable } from '../models/servable.ts';
import { align, normalise, project, type Alignment } from './labels.ts';
import { combine, type MemberVote } from './strategies.ts';
import { topK, topKParam, undetermined } from '../../plugins/top-k.ts';
import { inSpan } from '../telemetry/spans.ts';
import { checkFaceEnsemble, planFaces } from './faces.ts';
import type { StreamListener } from '../models/servable.ts';
import { pumpStream, type StreamTarget } from '../models/stream.ts';
import type { TimeSegment } from '../../plugins/stream.ts';
import { ensembleSegments, type MemberSegments } from './segments.ts';

/** Errors that are the client's fault, not a member's: they fail the request rather than the vote. */
const CLIENT_FAULTS: readonly string[] = [
  'INVALID_INPUT',
  'INVALID_IMAGE',
  'INVALID_AUDIO',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
];
const clientFault = (e: unknown) => isGatewayError(e) && CLIENT_FAULTS.includes(e.code);

/** A member as configured: model, optional pinned version, weight, label mapping, deadline. */
interface MemberSpec {
  model: string;
  version?: string | undefined;
  weight: number;
  labelMap?: Readonly<Record<string, string | null>> | undefined;
  timeoutMs: number;
}

export function memberSpecs(cfg: EnsembleConfig): MemberSpec[] {
  return cfg.members.map((m) => {
    if (typeof m === 'string') {
      const [model, version] = m.split(':') as [string, string | undefined];
      return { model, version, weight: 1, timeoutMs: cfg.memberTimeoutMs };
    }
    return {
      model: m.model,
      version: m.version?.toString(),
      weight: m.weight,
      labelMap: m.labelMap,
      timeoutMs: m.timeoutMs ?? cfg.memberTimeoutMs,
    };
  });
}

/** Runs `work` with a deadline; a miss rejects with TIMEOUT naming the member. */
function withDeadline<T>(member: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new GatewayError('TIMEOUT', `member '${member}' did not answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

interface Answer {
  member: string;
  weight: number;
  /** Rows projected onto the ensemble's labels. */
  rows: number[][];
  /** Per row, the member's time segments (a VAD's speech), when it tells them. */
  segments?: TimeSegment[][] | undefined;
}

/** An item's outcome: the combined vote, who voted, and the merged segments when every voter told its own. */
interface Verdict {
  probabilities: number[];
  winner: number;
  votes: MemberVote[];
  decidedBy?: string | undefined;
  failures: Array<{ member: string; error: string }>;
  /** Per member that voted, its segments (present when every voter told its segments). */
  spans?: MemberSegments[];
  segments?: TimeSegment[];
}

interface Gathered {
  answers: Answer[];
  failures: Array<{ member: string; error: string }>;
}

/** Which rows of a request a call covers, and how to ask a member for them. */
type Ask = (m: Servable, rows: readonly number[] | undefined, options: SubmitOptions) => Promise<Scores>;

/** What an ensemble is made of; `buildEnsemble` works it out from the config and the members served. */
interface EnsembleOptions {
  name: string;
  version: number;
  /** The model config; its `ensemble` section is the ensemble's. */
  config: ModelConfig;
  members: readonly MemberSpec[];
  /** The members' labels aligned onto one label set. */
  alignment: Alignment;
  /** The aligned labels as clients see them (one per `alignment.labels`). */
  labels: readonly string[];
  /** The inputs every member takes. */
  inputs: readonly TensorInfo[];
  /** The member served under a name (and version) now: resolved per request, so a member's hot swap is followed. */
  resolve: (name: string, version?: string) => Servable;
  /** The members' modality (image, text, audio), for clients and tools. */
  modality?: string;
  /** The media types every member takes as a streamed body (see Servable.streamTypes). */
  streamTypes?: readonly string[];
}

/**
 * A voting ensemble served like any model. Members are other models of the store, resolved at request
 * time (so a member's hot swap is followed), called in parallel (each through its own batcher), their
 * scores aligned by label name and combined by the configured strategy. A member that fails or misses
 * its deadline is left out and reported; fewer answers than the quorum is a 503.
 *
 * @example const e = new EnsembleModel({ name: 'e', version: 1, config, members, alignment, labels, inputs, resolve });
 */
class EnsembleModel implements Servable {
  readonly platform = 'ensemble';
  readonly name: string;
  readonly version: number;
  readonly config: ModelConfig;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  readonly labels: readonly string[];
  private readonly cfg: EnsembleConfig;
  private readonly members: readonly MemberSpec[];
  private readonly alignment: Alignment;
  private readonly resolve: (name: string, version?: string) => Servable;
  private readonly modality: string | undefined;
  readonly streamTypes: readonly string[];
  private readonly quorum: number;
  private readonly indexCache = new WeakMap<readonly string[], Int32Array>();

  constructor(o: EnsembleOptions) {
    if (!o.config.ensemble) throw new GatewayError('CONFIG_INVALID', `model '${o.name}' has no ensemble section`);
    this.name = o.name;
    this.version = o.version;
    this.config = o.config;
    this.cfg = o.config.ensemble;
    this.members = o.members;
    this.alignment = o.alignment;
    this.labels = o.labels;
    this.inputs = o.inputs;
    this.resolve = o.resolve;
    this.modality = o.modality;
    this.streamTypes = o.streamTypes ?? [];
    this.outputs = [{ name: 'probabilities', datatype: 'FP32', shape: [-1, o.labels.length] }];
    this.quorum = this.cfg.quorum ?? Math.floor(this.members.length / 2) + 1;
    if (this.quorum > this.members.length)
      throw new GatewayError(
        'CONFIG_INVALID',
        `ensemble '${this.name}': quorum ${this.quorum} exceeds its ${this.members.length} members`,
      );
  }

  describe(): Record<string, unknown> {
    return {
      version: String(this.version),
      ...(this.modality ? { modality: this.modality } : {}),
      ...(this.streamTypes.length ? { stream_types: this.streamTypes } : {}),
      ensemble: {
        strategy: this.cfg.strategy,
        members: this.members.map((m) => ({
          model: m.model,
          ...(m.version ? { version: m.version } : {}),
          weight: m.weight,
          timeout_ms: m.timeoutMs,
        })),
        quorum: this.quorum,
        label_set: this.cfg.labelSet,
        ...(this.cfg.strategy === 'cascade' ? { threshold: this.cfg.threshold } : {}),
        ...(this.cfg.unknown ? { unknown: this.cfg.unknown } : {}),
        ...(this.cfg.detector ? { detector: this.cfg.detector } : {}),
      },
      labels: this.labels,
      label_count: this.labels.length,
      ...(this.config.description ? { description: this.config.description } : {}),
    };
  }

  private indexFor(spec: MemberSpec, labels: readonly string[]): Int32Array {
    let idx = this.indexCache.get(labels);
    if (!idx) {
      idx = align([{ member: spec.model, labels, mapping: spec.labelMap }], this.alignment.labels).index.get(
        spec.model,
      )!;
      this.indexCache.set(labels, idx);
    }
    return idx;
  }

  private async gather(
    specs: readonly MemberSpec[],
    rows: readonly number[] | undefined,
    ask: Ask,
    options: SubmitOptions,
  ): Promise<Gathered> {
    const settled = await Promise.allSettled(
      specs.map(async (spec) => {
        const ms = Math.min(spec.timeoutMs, options.timeoutMs ?? Infinity);
        const member = this.resolve(spec.model, spec.version);
        // Tracing on: a `massgate.ensemble.member` span per member asked, the parent of its queue and run spans.
        const scores = await inSpan(
          'massgate.ensemble.member',
          {
            'massgate.ensemble': this.name,
            'massgate.model.name': member.name,
            'massgate.model.version': String(member.version),
            'massgate.ensemble.weight': spec.weight,
            ...(rows ? { 'massgate.items': rows.length } : {}),
          },
          options.trace,
          (trace) => withDeadline(spec.model, ms, ask(member, rows, { ...options, timeoutMs: ms, trace })),
        );
        const idx = this.indexFor(spec, scores.labels);
        return {
          member: spec.model,
          weight: spec.weight,
          rows: scores.scores.map((r) => project(r, idx, this.labels.length)),
          segments: scores.segments,
        };
      }),
    );
    const answers: Answer[] = [];
    const failures: Gathered['failures'] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') answers.push(s.value);
      else {
        // Bad input is the client's fault, not a member's: it fails the request rather than the vote.
        if (clientFault(s.reason)) throw s.reason;
        failures.push({
          member: specs[i]!.model,
          error: s.reason instanceof Error ? s.reason.message : String(s.reason),
        });
      }
    });
    return { answers, failures };
  }

  private checkQuorum(g: Gathered): void {
    if (g.answers.length < this.quorum) {
      throw new GatewayError(
        'QUORUM_LOST',
        `ensemble '${this.name}': ${g.answers.length} of ${this.members.length} members answered, quorum is ${this.quorum} (${g.failures.map((f) => `${f.member}: ${f.error}`).join('; ')})`,
        { retryAfterS: 1 },
      );
    }
  }

  /**
   * Asks the members and combines per item. Cascade: the first member answers every item; items whose
   * top score reaches the threshold stand, the rest go to the other members and are combined by weighted
   * soft voting over every member that answered.
   */
  private async run(count: number, ask: Ask, options: SubmitOptions): Promise<Verdict[]> {
    const perItem: Array<{ votes: MemberVote[]; spans: MemberSegments[]; decidedBy?: string }> = Array.from(
      { length: count },
      () => ({ votes: [], spans: [] }),
    );
    const failures: Gathered['failures'] = [];
    const add = (g: Gathered, rows: readonly number[]) => {
      failures.push(...g.failures);
      for (const a of g.answers)
        a.rows.forEach((p, k) => {
          const item = perItem[rows[k]!]!;
          item.votes.push({ member: a.member, probabilities: p, weight: a.weight });
          const segments = a.segments?.[k];
          if (segments) item.spans.push({ member: a.member, weight: a.weight, segments });
        });
    };
    const all = Array.from({ length: count }, (_, i) => i);
    if (this.cfg.strategy === 'cascade') {
      const [first, ...rest] = this.members;
      const g1 = await this.gather([first!], undefined, ask, options);
      add(g1, all);
      const unsure = all.filter((i) => {
        const v = perItem[i]!.votes[0];
        if (v && Math.max(...v.probabilities) >= this.cfg.threshold) {
          perItem[i]!.decidedBy = v.member;
          return false;
        }
        return true;
      });
      if (unsure.length)
        add(await this.gather(rest, unsure.length === count ? undefined : unsure, ask, options), unsure);
      const answered = new Set(perItem.flatMap((p) => p.votes.map((v) => v.member)));
      const needed = unsure.length ? this.quorum : 1;
      if (answered.size < needed) this.checkQuorum({ answers: [], failures });
    } else {
      const g = await this.gather(this.members, undefined, ask, options);
      this.checkQuorum(g);
      add(g, all);
    }
    return perItem.map((p) => this.verdict(p.votes, p.spans, p.decidedBy, failures));
  }

  /**
   * An item's votes combined by the strategy (a cascade decided by its first member: that member's
   * answer), and the voters' segments merged (gateway/ensembles/segments.ts) when every voter told them.
   */
  private verdict(
    votes: MemberVote[],
    spans: MemberSegments[],
    decidedBy: string | undefined,
    failures: Verdict['failures'],
  ): Verdict {
    const c = combine(decidedBy ? 'soft' : this.cfg.strategy, votes);
    const told = spans.length > 0 && spans.length === votes.length;
    return {
      probabilities: c.probabilities,
      winner: c.winner,
      votes,
      decidedBy,
      failures,
      ...(told ? { spans, segments: ensembleSegments(spans, decidedBy ?? c.decidedBy) } : {}),
    };
  }

  private static pick(inputs: Record<string, Tensor>, rows: readonly number[]): Record<string, Tensor> {
    return Object.fromEntries(
      Object.entries(inputs).map(([k, t]) => [k, concat(rows.map((r) => sliceRows(t, r, r + 1)))]),
    );
  }

  private countRows(inputs: Record<string, Tensor>): number {
    return Object.values(inputs)[0]?.shape[0] ?? 0;
  }

  async infer(inputs: Record<string, Tensor>, options: SubmitOptions = {}): Promise<Record<string, Tensor>> {
    const { scores } = await this.scoreTensors(inputs, options);
    return {
      probabilities: {
        name: 'probabilities',
        datatype: 'FP32',
        shape: [scores.length, this.labels.length],
        data: Float32Array.from(scores.flat()),
      },
    };
  }

  async scoreTensors(inputs: Record<string, Tensor>, options: SubmitOptions = {}): Promise<Scores> {
    const results = await this.run(
      this.countRows(inputs),
      (m, rows, o) => m.scoreTensors(rows ? EnsembleModel.pick(inputs, rows) : inputs, o),
      options,
    );
    return EnsembleModel.scores(this.labels, results);
  }

  /** Combined rows, and the members missing from any of them. */
  private static scores(
    labels: readonly string[],
    results: ReadonlyArray<{ probabilities: number[]; failures: Gathered['failures'] }>,
  ): Scores {
    const missing = [...new Set(results.flatMap((r) => r.failures.map((f) => f.member)))];
    return { labels, scores: results.map((r) => r.probabilities), ...(missing.length ? { missing } : {}) };
  }

  async scoreInstances(instances: readonly unknown[], options: SubmitOptions = {}): Promise<Scores> {
    const results = await this.run(
      instances.length,
      (m, rows, o) => m.scoreInstances(rows ? rows.map((r) => instances[r]) : instances, o),
      options,
    );
    return EnsembleModel.scores(this.labels, results);
  }

  async predict(
    instances: readonly unknown[],
    parameters: Record<string, unknown>,
    options: SubmitOptions = {},
  ): Promise<unknown[]> {
    if (this.cfg.detector) return this.predictFaces(this.cfg.detector, instances, parameters, options);
    const results = await this.run(
      instances.length,
      (m, rows, o) => m.scoreInstances(rows ? rows.map((r) => instances[r]) : instances, o),
      options,
    );
    return results.map((r) => this.answer(r, parameters));
  }

  /**
   * Per face: the detector finds each image's faces once, the members vote on every face (`{image, box}`), and
   * each image answers `{label, score, top_k, faces: [{box, detection_score, label, score, top_k, answered…}]}`
   * (largest face first, the top-level fields its), or `{label: null, faces: [], no_face: true}`. Crops
   * (`"detect": false`) are voted on as they are and answer like any ensemble.
   */
  private async predictFaces(
    detector: string,
    instances: readonly unknown[],
    parameters: Record<string, unknown>,
    options: SubmitOptions,
  ): Promise<unknown[]> {
    const { plans, asked } = await planFaces(this.resolve(detector), instances, options);
    const results = asked.length
      ? await this.run(
          asked.length,
          (m, rows, o) => m.scoreInstances(rows ? rows.map((r) => asked[r]) : asked, o),
          options,
        )
      : [];
    return plans.map((plan) => {
      if (plan.crop) return this.answer(results[plan.row]!, parameters);
      if (plan.faces.length === 0) return { label: null, faces: [], no_face: true };
      const faces = plan.faces.map((f) => ({
        box: f.box,
        detection_score: f.score,
        ...this.answer(results[f.row]!, parameters),
      }));
      const { label, score, top_k } = faces[0]!;
      return { label, score, top_k, faces };
    });
  }

  /**
   * One combined result as clients see it: no label (null) when no member had an opinion, the `unknown` label
   * when configured and the top score is below its threshold, the merged segments of segmenters;
   * `parameters.members` adds each member's answer (its label null when it had no opinion on the ensemble's
   * labels, its own segments when it has some).
   */
  private answer(r: Verdict, parameters: Record<string, unknown>) {
    const top = (p: readonly number[]) => topK(p, this.labels);
    const score = r.probabilities[r.winner] ?? 0;
    const combined = undetermined(
      {
        label: score > 0 ? this.labels[r.winner]! : null,
        score,
        top_k: top(r.probabilities).slice(0, topKParam(parameters, 5)),
      },
      this.cfg.unknown,
    );
    return {
      ...combined,
      ...(r.segments ? { segments: r.segments } : {}),
      answered: r.votes.map((v) => v.member),
      ...(r.failures.length ? { missing: r.failures } : {}),
      ...(r.decidedBy ? { decided_by: r.decidedBy } : {}),
      ...(parameters.members === true
        ? {
            members: Object.fromEntries(
              r.votes.map((v) => {
                const t = top(v.probabilities)[0]!;
                const label = t.score > 0 ? t.label : null;
                const segments = r.spans?.find((s) => s.member === v.member)?.segments;
                return [
                  v.member,
                  { label, score: t.score, probabilities: v.probabilities, ...(segments ? { segments } : {}) },
                ];
              }),
            ),
          }
        : {}),
    };
  }

  /**
   * A streamed body (a recording) read once and fed to every member's stream at the same pace (each
   * member's chunks run through its own scheduler; the slowest member paces the body), then voted as
   * `predict` votes one instance, segments merged. A member that fails or misses its deadline (per
   * chunk) is left out; fewer answers than the quorum is a 503. A cascade's members all run at once
   * (a stream cannot be read twice): the first member's answer stands when it is confident enough.
   */
  async predictStream(
    parts: AsyncIterable<Uint8Array>,
    parameters: Record<string, unknown>,
    options: SubmitOptions = {},
    listener: StreamListener = {},
  ): Promise<unknown> {
    const opened: Array<{ spec: MemberSpec; target: StreamTarget & { release(): void } }> = [];
    try {
      for (const spec of this.members) {
        const member = this.resolve(spec.model, spec.version);
        if (!member.openStream)
          throw new GatewayError(
            'UNSUPPORTED_MEDIA_TYPE',
            `ensemble '${this.name}': member '${spec.model}' takes no streamed body`,
          );
        const timeoutMs = Math.min(spec.timeoutMs, options.timeoutMs ?? Infinity);
        opened.push({ spec, target: member.openStream(parameters, { ...options, timeoutMs }) });
      }
      const failed = await pumpStream(
        parts,
        opened.map((o) => o.target),
        { onStarted: () => listener.onStarted?.(), keepGoing: (_, e) => !clientFault(e) },
      );
      const votes: MemberVote[] = [];
      const spans: MemberSegments[] = [];
      const failures: Verdict['failures'] = [];
      opened.forEach(({ spec, target }, i) => {
        if (failed.has(i)) {
          const e = failed.get(i);
          failures.push({ member: spec.model, error: e instanceof Error ? e.message : String(e) });
          return;
        }
        const s = target.session.scores();
        const vote = { member: spec.model, weight: spec.weight };
        votes.push({ ...vote, probabilities: project(s.scores, this.indexFor(spec, s.labels), this.labels.length) });
        const segments = target.session.segments?.();
        if (segments) spans.push({ ...vote, segments });
      });
      this.checkQuorum({ answers: votes.map((v) => ({ ...v, rows: [] })), failures });
      const first = votes[0]?.member === this.members[0]!.model ? votes[0] : undefined;
      const decided =
        this.cfg.strategy === 'cascade' && first && Math.max(...first.probabilities) >= this.cfg.threshold
          ? first
          : undefined;
      const verdict = decided
        ? this.verdict([decided], spans.slice(0, 1), decided.member, failures)
        : this.verdict(votes, spans, undefined, failures);
      return this.answer(verdict, parameters);
    } finally {
      for (const o of opened) o.target.release();
    }
  }

  async close(): Promise<void> {
    /* members belong to the repository */
  }
}

/**
 * Builds an ensemble from its config against the members currently served: label alignment and
 * input compatibility are checked now, so a bad ensemble fails at start-up, not at request time.
 */
export function buildEnsemble(
  name: string,
  version: number,
  config: ModelConfig,
  resolve: (n: string, v?: string) => Servable,
): EnsembleModel {
  const cfg = config.ensemble!;
  const specs = memberSpecs(cfg);
  const members = specs.map((s) => {
    try {
      return resolve(s.model, s.version);
    } catch (e) {
      throw new GatewayError(
        'CONFIG_INVALID',
        `ensemble '${name}': member '${s.model}${s.version ? `:${s.version}` : ''}' is not available (${(e as Error).message})`,
      );
    }
  });
  const labelsOf = members.map((m, i) => {
    if (!m.labels)
      throw new GatewayError('CONFIG_INVALID', `ensemble '${name}': member '${specs[i]!.model}' has no labels`);
    return m.labels;
  });
  const alignment = align(
    specs.map((s, i) => ({ member: s.model, labels: labelsOf[i]!, mapping: s.labelMap })),
    cfg.labelSet,
  );
  const display = alignment.labels.map((l) => labelsOf.flat().find((x) => normalise(x) === l) ?? l);
  const first = members[0]!;
  for (const [i, m] of members.entries()) {
    const same =
      m.inputs.length === first.inputs.length &&
      m.inputs.every((t, k) => t.name === first.inputs[k]!.name && t.datatype === first.inputs[k]!.datatype);
    if (!same)
      throw new GatewayError(
        'CONFIG_INVALID',
        `ensemble '${name}': member '${specs[i]!.model}' takes different inputs than '${specs[0]!.model}'`,
      );
  }
  if (cfg.detector)
    checkFaceEnsemble(
      name,
      cfg.detector,
      resolve,
      members.map((model, i) => ({ spec: specs[i]!.model, model })),
    );
  const modality = first.describe().modality;
  const streamTypes = (first.streamTypes ?? []).filter((t) => members.every((m) => m.streamTypes?.includes(t)));
  return new EnsembleModel({
    name,
    version,
    config,
    members: specs,
    alignment,
    labels: display,
    inputs: first.inputs,
    resolve,
    streamTypes,
    ...(typeof modality === 'string' ? { modality } : {}),
  });
}
