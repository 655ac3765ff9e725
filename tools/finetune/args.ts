import { parseArgs } from 'node:util';

/** A command line the CLI cannot run: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** Where the examples come from: local folders uploaded as multipart, or a folder already on the server. */
export type Source =
  | { kind: 'upload'; data: string; validation?: string }
  | { kind: 'server'; dataset: string; validationDataset?: string };

/** What `npm run finetune` was asked to do. */
export interface Command {
  url: string;
  key?: string;
  model: string;
  source: Source;
  /** The API's options object (`POST /v1/models/{m}/finetune`), only the ones given: the gateway checks ranges. */
  options: Record<string, unknown>;
  follow: boolean;
  json: boolean;
}

export const USAGE = `usage: npm run finetune -- --model <name> (--data <dir> | --dataset <path>) [options]

  --model <name>             the served model to fine-tune
  --data <dir>               local examples laid out <label>/<file> (dot files skipped), uploaded
  --validation <dir>         a separate local validation set, same layout (with --data)
  --dataset <path>           a folder already on the server, inside its FINETUNE_DATA_ROOT
  --validation-dataset <path>  a server-side validation folder (with --dataset)

training:   --epochs N  --learning-rate X  --batch-size N  --validation-split X  --patience N  --seed N
            --augment flip,crop,colour  --augment-copies N  --augment-strength X
            --hidden N  --dropout X  --unfreeze N  --base-version <version or label>
gate:       --min-accuracy X  --not-worse true|false
deploy:     --deploy replace|canary|shadow|none  --weight <percent> (canary share)

  --url <url>                the gateway (default $MASSGATE_URL or http://127.0.0.1:8080)
  --key <key>                an admin API key (default $MASSGATE_API_KEY)
  --no-follow                print the job id and exit
  --json                     print the final job record as JSON instead of the summary
  --help                     this text

exit codes: 0 succeeded, 3 rejected by the gate, 1 failed or cancelled (or an HTTP error), 2 usage, 130 interrupted
`;

/** Flags whose value is a number, by the API option they set. */
const NUMBERS = {
  epochs: 'epochs',
  'learning-rate': 'learningRate',
  'batch-size': 'batchSize',
  'validation-split': 'validationSplit',
  patience: 'patience',
  seed: 'seed',
  'augment-copies': 'augmentCopies',
  'augment-strength': 'augmentStrength',
  hidden: 'hidden',
  dropout: 'dropout',
  unfreeze: 'unfreeze',
  'min-accuracy': 'minAccuracy',
} as const;

const STRINGS = [
  'model',
  'data',
  'validation',
  'dataset',
  'validation-dataset',
  'augment',
  'not-worse',
  'base-version',
  'deploy',
  'weight',
  'url',
  'key',
] as const;
const DEPLOY_MODES = ['replace', 'canary', 'shadow', 'none'];

function number(flag: string, raw: string): number {
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(n)) throw new UsageError(`--${flag}: expected a number, got '${raw}'`);
  return n;
}

/**
 * Parses the CLI's arguments into a {@link Command}; `'help'` for `--help`. Throws {@link UsageError} for an
 * unknown flag, a missing or conflicting one, or a value of the wrong kind. Ranges (epochs 0, a negative
 * learning rate) are left to the gateway, which names the problem.
 *
 * @example
 * parseCommand(['--model', 'emotion-human', '--data', 'set', '--epochs', '5'], process.env)
 * // { model: 'emotion-human', source: { kind: 'upload', data: 'set' }, options: { epochs: 5 }, follow: true, … }
 */
export function parseCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Command | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries([...Object.keys(NUMBERS), ...STRINGS].map((k) => [k, { type: 'string' as const }])),
        'no-follow': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    // Node's advice after an unknown option is about positionals, which this command has none of.
    const message = (e as Error).message;
    throw new UsageError(
      (e as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? message.split('\n')[0]!
        : message.replace(/\n/g, ' '),
    );
  }
  if (values.help) return 'help';
  const s = (k: string) => values[k] as string | undefined;

  const model = s('model');
  if (!model) throw new UsageError('--model is required');
  const data = s('data');
  const dataset = s('dataset');
  if ((data === undefined) === (dataset === undefined))
    throw new UsageError('give one of --data <local dir> or --dataset <server path>');
  if (data !== undefined && s('validation-dataset') !== undefined)
    throw new UsageError('--validation-dataset goes with --dataset; with --data use --validation <dir>');
  if (dataset !== undefined && s('validation') !== undefined)
    throw new UsageError(
      '--validation uploads a local folder and goes with --data; with --dataset use --validation-dataset <path>',
    );
  const source: Source =
    data !== undefined
      ? { kind: 'upload', data, ...(s('validation') !== undefined ? { validation: s('validation')! } : {}) }
      : {
          kind: 'server',
          dataset: dataset!,
          ...(s('validation-dataset') !== undefined ? { validationDataset: s('validation-dataset')! } : {}),
        };

  const options: Record<string, unknown> = {};
  for (const [flag, option] of Object.entries(NUMBERS))
    if (s(flag) !== undefined) options[option] = number(flag, s(flag)!);
  if (s('augment') !== undefined)
    options.augment = s('augment')!
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
  const notWorse = s('not-worse');
  if (notWorse !== undefined) {
    if (notWorse !== 'true' && notWorse !== 'false')
      throw new UsageError(`--not-worse: expected true or false, got '${notWorse}'`);
    options.notWorse = notWorse === 'true';
  }
  const base = s('base-version');
  if (base !== undefined) options.baseVersion = /^\d+$/.test(base) ? Number(base) : base;
  const mode = s('deploy');
  if (mode !== undefined && !DEPLOY_MODES.includes(mode))
    throw new UsageError(`--deploy: expected one of ${DEPLOY_MODES.join(', ')}, got '${mode}'`);
  const weight = s('weight');
  if (weight !== undefined && mode !== 'canary')
    throw new UsageError('--weight is the canary share: it goes with --deploy canary');
  if (mode !== undefined)
    options.deploy = { mode, ...(weight !== undefined ? { weight: number('weight', weight) } : {}) };

  const url = s('url') ?? env.MASSGATE_URL ?? 'http://127.0.0.1:8080';
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new UsageError(`--url: expected an http(s) URL, got '${url}'`);
  }
  const key = s('key') ?? (env.MASSGATE_API_KEY || undefined);
  return {
    url: url.replace(/\/+$/, ''),
    ...(key ? { key } : {}),
    model,
    source,
    options,
    follow: !values['no-follow'],
    json: !!values.json,
  };
}
