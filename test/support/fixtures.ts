import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's own copies of the shared fixture images (see test/fixtures/README.md). */
export const FIXTURE_IMAGES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'images');

export const fixturePath = (name: string) => join(FIXTURE_IMAGES, name);
export const readFixture = (name: string) => readFileSync(fixturePath(name));
