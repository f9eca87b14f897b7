#!/usr/bin/env bash
# Regenerates docs/architecture.png from the synthesized app (prod stage): cdk-dia reads the
# construct tree, Graphviz (`apt-get install -y graphviz`) lays it out. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npx cdk synth -c stage=prod -c skipBundling=true -o "$out/cdk.out" -q >/dev/null
(cd "$out" && npx --yes cdk-dia@0.12.3 --tree cdk.out/tree.json --target "$out/diagram.png" >/dev/null)
dot -Tpng -Gdpi=40 "$out/diagram.dot" -o docs/architecture.png
echo "docs/architecture.png"
