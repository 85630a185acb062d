#!/bin/sh
# Installs the real parts the tests and the local stack run: etcd (etcd-server), etcdctl (etcd-client)
# and ZooKeeper (zookeeper, which brings a JRE). Debian packages only; nothing is downloaded otherwise.
set -eu
missing=""
command -v etcd >/dev/null 2>&1 || missing="$missing etcd-server"
command -v etcdctl >/dev/null 2>&1 || missing="$missing etcd-client"
{ [ -f /usr/share/java/zookeeper.jar ] && command -v java >/dev/null 2>&1; } || missing="$missing zookeeper"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != "0" ]; then
  echo "schedulerha: missing Debian packages:$missing" >&2
  echo "schedulerha: install them first:  sudo apt-get install -y$missing" >&2
  exit 1
fi
echo "schedulerha: installing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || {
  apt-get update >/dev/null && apt-get install -y --no-install-recommends $missing >/dev/null
}
