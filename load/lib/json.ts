/**
 * One JSON call to the gateway under test: the status and the parsed body; throws on a non-2xx answer
 * (a load scenario's set-up step that fails should stop the run, not skew its numbers).
 *
 * The body is typed as `T`, which the caller asserts (nothing checks it at run time).
 *
 * @example
 * const { json: job } = await callJson<JobRecord>(`${gw.url}/v1/jobs/${id}`, 'GET');
 */
export async function callJson<T = unknown>(
  url: string,
  method: string,
  payload?: unknown,
): Promise<{ status: number; json: T }> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: payload === undefined ? null : JSON.stringify(payload),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return { status: res.status, json: (text ? JSON.parse(text) : undefined) as T };
}
