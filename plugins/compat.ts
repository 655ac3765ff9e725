import satisfies from 'semver/functions/satisfies.js';
import validRange from 'semver/ranges/valid.js';
import { GatewayError } from '../core/errors.ts';
import { PACKAGE_VERSION } from '../core/package-root.ts';

/**
 * Checks the Massgate versions a plugin or runtime declares it works with (an npm semver range: `^0.1.0`,
 * `>=0.1 <1`, `0.x`), as fastify-plugin checks `fastify: '4.x'`: one this gateway's version does not
 * satisfy, or a range that is not one, is a start-up error naming `who`. Nothing declared: nothing to check.
 *
 * @example
 * checkMassgateRange('^0.1.0', "plugin 'doubler' (./doubler)"); // passes on 0.1.x, throws PLUGIN_INVALID on 0.2.0
 */
export function checkMassgateRange(range: unknown, who: string, version: string = PACKAGE_VERSION): void {
  if (range === undefined) return;
  if (typeof range !== 'string' || range.trim() === '' || validRange(range) === null) {
    throw new GatewayError(
      'PLUGIN_INVALID',
      `${who} declares massgate '${String(range).slice(0, 100)}', which is not a semver range`,
    );
  }
  if (!satisfies(version, range, { includePrerelease: true })) {
    throw new GatewayError('PLUGIN_INVALID', `${who} needs massgate ${range}; this gateway is ${version}`);
  }
}
