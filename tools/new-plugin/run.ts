import { parseArgs } from 'node:util';
import { scaffoldPlugin } from './scaffold.ts';

/** `npm run new-plugin -- <name> [--dir <folder>]`: writes a working plugin skeleton (default folder: ./<name>). */
const { positionals, values } = parseArgs({ allowPositionals: true, options: { dir: { type: 'string' } } });
const name = positionals[0];
if (!name) {
  process.stderr.write('usage: npm run new-plugin -- <name> [--dir <folder>]\n');
  process.exit(2);
}
try {
  const files = scaffoldPlugin(name, values.dir ?? name);
  process.stdout.write(`wrote\n${files.map((f) => `  ${f}`).join('\n')}\nnext: npx vitest run ${values.dir ?? name}\n`);
} catch (e) {
  process.stderr.write(`new-plugin: ${(e as Error).message}\n`);
  process.exit(1);
}
