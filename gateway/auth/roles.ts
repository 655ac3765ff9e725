/** What an API key may do: `admin` may do everything `infer` may. */
export type Role = 'infer' | 'admin';
/** What a route needs: no key (`public`) or a key of at least this role. */
type Access = 'public' | Role;

export const ROLES: readonly Role[] = ['infer', 'admin'];

interface Rule {
  methods: readonly string[];
  path: RegExp;
  access: Access | 'metrics';
}

const MODEL = '/v2/models/[^/]+(?:/versions/[^/]+)?';

/**
 * The one route → access table. First match wins; a route not listed needs `admin`, so a new
 * route (experiments, fine-tune, cache flush…) is admin-only until it is added here.
 * HEAD counts as GET.
 */
const RULES: readonly Rule[] = [
  { methods: ['GET'], path: /^\/v2\/health\/(?:live|ready)$/, access: 'public' },
  { methods: ['GET'], path: /^\/metrics$/, access: 'metrics' },
  // The console's page and files: the repository's static files, no data (a browser cannot send a key when it
  // navigates). Everything the page shows or does is read and done through the API with the admin key it asks for.
  { methods: ['GET'], path: /^\/console(?:\/[\w-][\w.-]*)*$/, access: 'public' },
  { methods: ['GET'], path: /^\/v2$/, access: 'infer' },
  { methods: ['GET'], path: new RegExp(`^${MODEL}(?:/ready)?$`), access: 'infer' },
  { methods: ['POST'], path: new RegExp(`^${MODEL}/infer$`), access: 'infer' },
  { methods: ['GET'], path: /^\/v1\/models(?:\/[^/]+)?$/, access: 'infer' },
  { methods: ['POST'], path: /^\/v1\/models\/[^/]+$/, access: 'infer' },
  // Experiments: reading the figures and sending rewards is `infer`; every change (create, weights, pause, promote,
  // rollback, delete) is `admin`.
  { methods: ['GET'], path: /^\/v1\/experiments(?:\/[^/]+)?$/, access: 'infer' },
  { methods: ['POST'], path: /^\/v1\/experiments\/[^/]+\/feedback$/, access: 'infer' },
];

/**
 * The access a request needs. `/metrics` is `infer` unless `metricsAuth` is false (then public).
 *
 * @example requiredAccess('POST', '/v2/repository/models/x/load', true) // 'admin'
 */
export function requiredAccess(method: string, path: string, metricsAuth: boolean): Access {
  const m = method === 'HEAD' ? 'GET' : method;
  for (const rule of RULES) {
    if (!rule.methods.includes(m) || !rule.path.test(path)) continue;
    if (rule.access === 'metrics') return metricsAuth ? 'infer' : 'public';
    return rule.access;
  }
  return 'admin';
}

/** True when a key of role `have` may do what needs `need`. */
export function allows(have: Role, need: Access): boolean {
  return need === 'public' || have === 'admin' || have === need;
}
