#!/usr/bin/env bash
# Deploys the CDK app to LocalStack and runs the remote smoke suite (test/remote) against it.
#
#   LOCALSTACK_AUTH_TOKEN=... bash localstack/run.sh   # start LocalStack, bootstrap, deploy, key, tests
#   bash localstack/run.sh --down                       # stop LocalStack and remove its state
#
# Needs a Docker engine with Compose v2, Node.js and `npm ci` done. The stack uses LocalStack Pro
# features (HTTP API, Lambda layers, ECR/ECS; see localstack/docker-compose.yml), so the auth token is
# required unless LOCALSTACK_ALLOW_COMMUNITY=1 (then expect the deploy or the smoke suite to fail).
#
# Written for users who have Docker; NOT RUN on the project's development machines (no Docker engine
# there): checked with `bash -n` only.
#
# Environment:
#   LOCALSTACK_AUTH_TOKEN       LocalStack Pro auth token (selects the localstack-pro image)
#   LOCALSTACK_ALLOW_COMMUNITY  1: run on the Community image anyway
#   LOCALSTACK_IMAGE            override the image (e.g. another pinned tag)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

readonly COMPOSE_FILE="localstack/docker-compose.yml"
readonly OUTPUTS_FILE="localstack/outputs.json"
readonly STAGE="dev"
readonly STACK="MediaPipeline-${STAGE}"
readonly TENANT="localstack-smoke"
readonly LOCALSTACK_VERSION="4.4.0"
readonly CDKLOCAL_VERSION="3.0.4"
readonly EDGE_PORT="4566"
# LocalStack's default account for the access key `test`.
readonly ACCOUNT="000000000000"
readonly REGION="us-east-1"

log() { printf '\n==> %s\n' "$*" >&2; }
warn() { printf 'localstack/run.sh: warning: %s\n' "$*" >&2; }
die() {
  printf 'localstack/run.sh: %s\n' "$*" >&2
  exit 1
}

# The header comment of this file.
usage() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "${BASH_SOURCE[0]}"; }

down=0
for arg in "$@"; do
  case "$arg" in
    --down) down=1 ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die "unknown argument: ${arg} (see --help)" ;;
  esac
done

# --- Docker ------------------------------------------------------------------------------------------
command -v docker >/dev/null 2>&1 ||
  die "docker is not installed. This path needs a Docker engine; without one, use \`npm start\` (the Docker-free local stack) and \`npm test\`."
docker info >/dev/null 2>&1 ||
  die "docker is installed but no Docker engine answers (\`docker info\` failed). Start Docker (or check DOCKER_HOST and your permissions on the socket) and retry."
docker compose version >/dev/null 2>&1 ||
  die "Docker Compose v2 (\`docker compose\`) is required."

if [[ "$down" == 1 ]]; then
  log "Stopping LocalStack"
  docker compose -f "$COMPOSE_FILE" down --volumes --remove-orphans
  rm -f "$OUTPUTS_FILE"
  exit 0
fi

# --- Edition -----------------------------------------------------------------------------------------
if [[ -n "${LOCALSTACK_AUTH_TOKEN:-}" ]]; then
  export LOCALSTACK_IMAGE="${LOCALSTACK_IMAGE:-localstack/localstack-pro:${LOCALSTACK_VERSION}}"
elif [[ "${LOCALSTACK_ALLOW_COMMUNITY:-0}" == 1 ]]; then
  export LOCALSTACK_IMAGE="${LOCALSTACK_IMAGE:-localstack/localstack:${LOCALSTACK_VERSION}}"
  warn "Community image: API Gateway v2, Lambda layers (sharp), ECR and ECS are Pro features; expect the" \
    "deploy (transcoder image asset) or the smoke suite to fail."
else
  die "this stack needs LocalStack Pro (HTTP API = API Gateway v2, the sharp Lambda layer, ECR/ECS for" \
    "video). Set LOCALSTACK_AUTH_TOKEN, or LOCALSTACK_ALLOW_COMMUNITY=1 to try the Community image anyway."
fi

# --- Project tools -----------------------------------------------------------------------------------
[[ -f node_modules/aws-cdk/package.json ]] || die "node_modules/aws-cdk is missing: run \`npm ci\` first."
CDK_VERSION="$(node -p 'require("./node_modules/aws-cdk/package.json").version')"
readonly CDK_VERSION

# cdklocal (aws-cdk-local) does not bundle the CDK CLI: it requires `aws-cdk` from NODE_PATH. Pointing
# NODE_PATH at the project's node_modules makes it wrap the CLI pinned in package.json.
export NODE_PATH="${ROOT}/node_modules${NODE_PATH:+:${NODE_PATH}}"
cdklocal() { npx --yes "aws-cdk-local@${CDKLOCAL_VERSION}" "$@"; }
cdklocal_versions="$(cdklocal --version)"
[[ "$cdklocal_versions" == *"cdk cli version v${CDK_VERSION}"* ]] ||
  die "cdklocal did not pick up the project's aws-cdk ${CDK_VERSION} (NODE_PATH=${NODE_PATH}): ${cdklocal_versions}"

# Every AWS call of this script goes to LocalStack, never to an account: fixed test credentials, no
# profile. (cdklocal also strips other AWS_* variables before it runs cdk.) cdklocal requires
# AWS_ENDPOINT_URL_S3 (with an `.s3.` host) whenever AWS_ENDPOINT_URL is set.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN
export AWS_ACCESS_KEY_ID="test" AWS_SECRET_ACCESS_KEY="test"
export AWS_REGION="$REGION" AWS_DEFAULT_REGION="$REGION"
export AWS_ENDPOINT_URL="http://localhost.localstack.cloud:${EDGE_PORT}"
export AWS_ENDPOINT_URL_S3="http://s3.localhost.localstack.cloud:${EDGE_PORT}"

# localhost.localstack.cloud and its subdomains (S3 buckets, execute-api hosts) are public DNS names for
# 127.0.0.1. Some resolvers drop such answers (DNS rebinding protection).
# shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
node -e '
  const dns = require("node:dns");
  const names = process.argv.slice(1);
  Promise.all(names.map((name) => dns.promises.lookup(name, { family: 4 }).then((r) => [name, r.address])))
    .then((found) => {
      const wrong = found.filter(([, address]) => address !== "127.0.0.1");
      if (wrong.length) throw new Error(wrong.map(([n, a]) => `${n} -> ${a}`).join(", "));
    })
    .catch((error) => {
      console.error(`localstack/run.sh: *.localhost.localstack.cloud must resolve to 127.0.0.1 (${error.message}).`);
      console.error("Check the network, or allow such answers in your resolver (DNS rebinding protection).");
      process.exit(1);
    });
' localhost.localstack.cloud s3.localhost.localstack.cloud probe.execute-api.localhost.localstack.cloud

# --- LocalStack --------------------------------------------------------------------------------------
log "Starting ${LOCALSTACK_IMAGE}"
docker compose -f "$COMPOSE_FILE" up -d --wait

log "Bootstrapping aws://${ACCOUNT}/${REGION} on LocalStack"
cdklocal bootstrap "aws://${ACCOUNT}/${REGION}" -c "stage=${STAGE}"

log "Deploying ${STACK} (bundles the functions, builds the sharp layer and the transcoder image)"
rm -f "$OUTPUTS_FILE"
cdklocal deploy "$STACK" -c "stage=${STAGE}" --require-approval never --outputs-file "$OUTPUTS_FILE"

stack_output() {
  # shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
  node -e '
    const [file, stack, key] = process.argv.slice(1);
    const value = JSON.parse(require("node:fs").readFileSync(file, "utf8"))[stack]?.[key];
    if (!value) {
      console.error(`localstack/run.sh: no ${key} output of ${stack} in ${file}`);
      process.exit(1);
    }
    console.log(value);
  ' "$OUTPUTS_FILE" "$STACK" "$1"
}
raw_api_url="$(stack_output ApiUrl)"
table="$(stack_output JobsTableName)"

# ApiUrl is the AWS form, https://<api-id>.execute-api.<region>.<url-suffix>; LocalStack serves the
# HTTP API's $default stage at http://<api-id>.execute-api.localhost.localstack.cloud:4566/.
api_host="${raw_api_url#*://}"
api_id="${api_host%%.*}"
[[ "$api_id" =~ ^[a-z0-9]+$ ]] || die "cannot read the API id from ApiUrl ${raw_api_url}"
api_url="http://${api_id}.execute-api.localhost.localstack.cloud:${EDGE_PORT}"

log "Creating an API key for tenant ${TENANT} (table ${table})"
# The key is the last line on stdout (the notice goes to stderr).
api_key="$(node bin/media-pipeline.mjs create-api-key --table "$table" --tenant "$TENANT" | tail -n 1)"
[[ -n "$api_key" ]] || die "create-api-key printed no key"

export MEDIA_PIPELINE_API_URL="$api_url"
export MEDIA_PIPELINE_API_KEY="$api_key"

log "Remote smoke suite against ${api_url}"
npx --no-install vitest run test/remote

log "Done. LocalStack keeps running; stop it with: bash localstack/run.sh --down"
printf 'To use the CLI against it:\n  export MEDIA_PIPELINE_API_URL=%q MEDIA_PIPELINE_API_KEY=%q\n' \
  "$api_url" "$api_key" >&2
