import { GatewayError, isGatewayError } from '../../core/errors.ts';
import { concat, sliceRows, type Tensor, type TensorInfo } from '../../core/tensor.ts';
import type { EnsembleConfig, ModelConfig } from '../../model-store/schema.ts';
import type { SubmitOptions } from '../scheduling/scheduler.ts';
import type { Scores, Servable } from '../models/servable.ts';
import { align, normalise, project, type Alignment } from './labels.ts';
import { combine, type MemberVote } from './strategies.ts';
import { topK, topKParam } from '../../plugins/top-k.ts';
import { inSpan } from '../telemetry/spans.ts';

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
      },
      labels: this.labels,
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
        };
      }),
    );
    const answers: Answer[] = [];
    const failures: Gathered['failures'] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') answers.push(s.value);
      else {
        // Bad input is the client's fault, not a member's: it fails the request rather than the vote.
        if (
          isGatewayError(s.reason) &&
          ['INVALID_INPUT', 'INVALID_IMAGE', 'INVALID_AUDIO', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE'].includes(
            s.reason.code,
          )
        )
          throw s.reason;
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
  private async run(count: number, ask: Ask, options: SubmitOptions) {
    const perItem: Array<{ votes: MemberVote[]; decidedBy?: string }> = Array.from({ length: count }, () => ({
      votes: [],
    }));
    const failures: Gathered['failures'] = [];
    const add = (g: Gathered, rows: readonly number[]) => {
      failures.push(...g.failures);
      for (const a of g.answers)
        a.rows.forEach((p, k) => {
          perItem[rows[k]!]!.votes.push({ member: a.member, probabilities: p, weight: a.weight });
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
    return perItem.map((p) => ({
      ...combine(p.decidedBy ? 'soft' : this.cfg.strategy, p.votes),
      votes: p.votes,
      decidedBy: p.decidedBy,
      failures,
    }));
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
    const k = topKParam(parameters, 5);
    const withMembers = parameters.members === true;
    const results = await this.run(
      instances.length,
      (m, rows, o) => m.scoreInstances(rows ? rows.map((r) => instances[r]) : instances, o),
      options,
    );
    const top = (p: readonly number[]) => topK(p, this.labels);
    return results.map((r) => ({
      label: this.labels[r.winner],
      score: r.probabilities[r.winner],
      top_k: top(r.probabilities).slice(0, k),
      answered: r.votes.map((v) => v.member),
      ...(r.failures.length ? { missing: r.failures } : {}),
      ...(r.decidedBy ? { decided_by: r.decidedBy } : {}),
      ...(withMembers
        ? {
            members: Object.fromEntries(
              r.votes.map((v) => {
                const t = top(v.probabilities)[0]!;
                return [v.member, { label: t.label, score: t.score, probabilities: v.probabilities }];
              }),
            ),
          }
        : {}),
    }));
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
  const modality = first.describe().modality;
  return new EnsembleModel({
    name,
    version,
    config,
    members: specs,
    alignment,
    labels: display,
    inputs: first.inputs,
    resolve,
    ...(typeof modality === 'string' ? { modality } : {}),
  });
}
