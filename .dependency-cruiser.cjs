/**
 * The dependency direction, enforced (test/unit/architecture.test.ts runs this on every `npm test`):
 *
 *   contract ← core ← media
 *                  ← slices (jobs, batches, webhooks, presets, similarity, reconciler, tenants, operations)
 *                  ← adapters (aws, http) ← lambdas, containers, local, lib, bin
 *
 * A use case speaks only the domain: no HTTP, Lambda or AWS SDK types. See docs/architecture.md.
 */
const SLICES = '^src/(jobs|batches|webhooks|presets|similarity|reconciler|tenants|operations)/';
const COMPOSITION = '^(lambdas|containers|local|lib|bin)/';

module.exports = {
  forbidden: [
    {
      name: 'console-speaks-only-the-api',
      comment:
        'The console is a client of the documented API: it imports its own modules and browser libraries, never the server code.',
      severity: 'error',
      from: { path: '^console/src/' },
      to: { path: '^(src|lambdas|containers|local|lib|bin|test)/' },
    },
    {
      name: 'no-circular',
      comment: 'An import cycle: split the shared part out, or turn one direction into a port.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'contract-is-the-bottom',
      comment: 'src/contract holds names only: it may import nothing of the project.',
      severity: 'error',
      from: { path: '^src/contract/' },
      to: { path: '^(src|lambdas|containers|local|lib|bin)/', pathNot: '^src/contract/' },
    },
    {
      name: 'core-is-the-kernel',
      comment: 'src/core is the shared domain: it may import only itself and the contract.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^(src|lambdas|containers|local|lib|bin)/', pathNot: '^src/(core|contract)/' },
    },
    {
      name: 'media-is-a-library',
      comment: 'src/media processes bytes; it knows no use case, adapter or runtime.',
      severity: 'error',
      from: { path: '^src/media/' },
      to: { path: '^(src|lambdas|containers|local|lib|bin)/', pathNot: '^src/(core|contract|media)/' },
    },
    {
      name: 'slices-use-ports-not-adapters',
      comment: 'A use case depends on port interfaces; adapters and runtimes depend on it, not the reverse.',
      severity: 'error',
      from: { path: SLICES },
      to: { path: `^src/(adapters|cli)/|${COMPOSITION}` },
    },
    {
      name: 'use-cases-speak-no-http',
      comment: 'HTTP statuses, problem details and API Gateway events belong to src/adapters/http only.',
      severity: 'error',
      from: { path: `${SLICES}|^src/(core|contract|media)/` },
      to: { path: '^src/adapters/http/|node_modules/(@types/aws-lambda|aws-lambda|@middy)/' },
    },
    {
      name: 'use-cases-speak-no-aws',
      comment: 'AWS SDK clients live in src/adapters/aws; a use case sees a port.',
      severity: 'error',
      from: { path: `${SLICES}|^src/(core|contract|media)/` },
      to: { path: 'node_modules/(@aws-sdk|aws-cdk-lib|@aws-lambda-powertools)/' },
    },
    {
      name: 'adapters-point-inwards',
      comment: 'Adapters are used by the runtimes; they never import one.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: COMPOSITION },
    },
    {
      name: 'infrastructure-does-not-import-handlers',
      comment:
        'lib/ names handler entries as paths (bundled by esbuild); importing one would pull runtime code into synth.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(lambdas|containers|local)/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(cdk\\.out|\\.local)/' },
    moduleSystems: ['es6', 'cjs'],
  },
};
