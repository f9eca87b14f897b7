import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerImage } from 'aws-cdk-lib';
import { Architecture, Code, LayerVersion } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { fromRoot } from '../paths.js';
import { LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME } from './pipeline-function.js';

export const SHARP_LAYER_DIR = 'layers/sharp';

/** npm's name for the functions' architecture. */
const LAYER_CPU = LAMBDA_ARCHITECTURE === Architecture.ARM_64 ? 'arm64' : 'x64';

/** npm flags selecting sharp's prebuilt binaries for a Lambda platform, whatever machine synthesizes. */
const npmInstallArgs = (cpu: string) => [
  'install',
  '--omit=dev',
  '--os=linux',
  `--cpu=${cpu}`,
  '--libc=glibc',
  '--no-package-lock',
  '--no-audit',
  '--no-fund',
];

/**
 * Installs the layer's contents (`nodejs/node_modules/sharp` with its libvips binary for linux/`cpu`)
 * into `outputDir` with npm, as deployment does. The bundle smoke test uses the host's cpu.
 */
export function installSharpLayer(outputDir: string, cpu: string): void {
  const target = join(outputDir, 'nodejs');
  mkdirSync(target, { recursive: true });
  copyFileSync(join(fromRoot(SHARP_LAYER_DIR), 'package.json'), join(target, 'package.json'));
  // npm's output goes to stderr: the CDK app's stdout is not ours to fill.
  execFileSync('npm', npmInstallArgs(cpu), { cwd: target, stdio: ['ignore', 2, 2] });
}

/** The sharp version the layer pins (layers/sharp/package.json). */
export function sharpLayerVersion(): string {
  const manifest = JSON.parse(readFileSync(fromRoot(`${SHARP_LAYER_DIR}/package.json`), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const version = manifest.dependencies.sharp;
  if (!version) throw new Error(`${SHARP_LAYER_DIR}/package.json must pin sharp`);
  return version;
}

/**
 * sharp (libvips) for linux-arm64, as a layer: `/opt/nodejs/node_modules/sharp`.
 * Built by a local `npm install` with platform flags (no Docker needed); Docker with the SAM build image
 * only if that fails. Nothing runs when the stack's bundling is skipped.
 */
export class SharpLayer extends Construct {
  readonly layer: LayerVersion;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const sourceDir = fromRoot(SHARP_LAYER_DIR);
    const version = sharpLayerVersion();

    this.layer = new LayerVersion(this, 'Layer', {
      description: `sharp ${version} for Node.js 22 on linux-arm64 (glibc)`,
      compatibleRuntimes: [LAMBDA_RUNTIME],
      compatibleArchitectures: [LAMBDA_ARCHITECTURE],
      code: Code.fromAsset(sourceDir, {
        exclude: ['nodejs', 'README.md'],
        bundling: {
          image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
          environment: { npm_config_cache: '/tmp/.npm', HOME: '/tmp' },
          command: [
            'bash',
            '-c',
            [
              'mkdir -p /asset-output/nodejs',
              'cp /asset-input/package.json /asset-output/nodejs/',
              `cd /asset-output/nodejs && npm ${npmInstallArgs(LAYER_CPU).join(' ')}`,
            ].join(' && '),
          ],
          local: {
            tryBundle(outputDir: string): boolean {
              try {
                installSharpLayer(outputDir, LAYER_CPU);
                return true;
              } catch {
                return false; // fall back to Docker
              }
            },
          },
        },
      }),
    });
  }
}
