#!/bin/sh
# The README's "run" command (`npm start`): installs what it needs (npm packages; etcd and ZooKeeper from Debian),
# builds, and runs the main job: `schedulerha devstack` — real etcd, the Mesos emulator (3 masters, 5 agents), the
# Kubernetes API emulator with the pod runner, the operator, the HA sample and a few pods, with a live view and keys
# to fail over (status lines instead when stdout is not a terminal). Arguments go to the devstack:
#   npm start -- --no-tty --exit-after-ready      # start, wait for Ready, stop everything, exit 0
set -eu
cd "$(dirname "$0")/.."
sh scripts/ensure-system-deps.sh
sh scripts/ensure-npm-deps.sh
npm run --silent build
exec node_modules/.bin/node dist/src/cli.js devstack "$@"
