import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isModelName } from '../../model-store/names.ts';

export { checkModelName, shown } from '../../model-store/names.ts';

/** True when the store has a folder `name` (false for any name that could not be one). */
export function modelExistsSafe(store: string, name: string): boolean {
  return isModelName(name) && existsSync(join(store, name));
}
