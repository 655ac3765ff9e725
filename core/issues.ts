/** What a failed schema parse reports (zod's `ZodError`, or anything shaped like it). */
interface SchemaIssues {
  issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }>;
}

/**
 * A failed schema parse as one line for an error message: `path: message` per issue, joined by `; `,
 * the path dotted and `root` standing for the value itself.
 *
 * @example
 * const parsed = Schema.safeParse(body);
 * if (!parsed.success) throw invalidInput(`invalid inference request: ${issuesText(parsed.error, '(body)')}`);
 * // "invalid inference request: inputs.0.shape: Expected array, received string"
 */
export function issuesText(error: SchemaIssues, root = '(root)'): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || root}: ${i.message}`).join('; ');
}
