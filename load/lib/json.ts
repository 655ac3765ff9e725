/**
 * One JSON call to the gateway under test: the status and the parsed body; throws on a non-2xx answer
 * (a load scenario's set-up step that fails should stop the run, not skew its numbers).
 *
 * @example
 * const { json: job } = await callJson(`${gw.url}/v1/jobs/${id}`, 'GET');
 */
export async function callJson(url: string, method: string, payload?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}
