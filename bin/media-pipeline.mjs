#!/usr/bin/env node
// The package's `bin`: runs the TypeScript CLI through tsx, so `npx media-pipeline` works after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
