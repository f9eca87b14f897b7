import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createApp } from '../lib/app.js';

// The cdk CLI entry (cdk.json: `npx tsx bin/app.ts`). The stage comes from `-c stage=dev|staging|prod`
// (default dev, from cdk.json). Offline synthesis without bundling:
//   npx cdk synth -c stage=dev -c skipBundling=true -q
const { app } = createApp();
// cdk-nag 3 is a CDK policy-validation plugin: an unacknowledged finding fails synthesis.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
