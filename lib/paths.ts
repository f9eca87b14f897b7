import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, independent of the working directory the app is synthesized from. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Absolute path of a project-relative path (entries are always named project-relative). */
export const fromRoot = (relativePath: string) => join(PROJECT_ROOT, relativePath);
