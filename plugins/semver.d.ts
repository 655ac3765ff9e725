// The two functions of npm's `semver` (a dependency; it ships no types, and @types/semver is not worth a
// package for two signatures) that plugins/compat.ts uses.
declare module 'semver/functions/satisfies.js' {
  export default function satisfies(version: string, range: string, options?: { includePrerelease?: boolean }): boolean;
}
declare module 'semver/ranges/valid.js' {
  export default function validRange(range: string): string | null;
}
