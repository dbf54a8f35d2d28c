#!/bin/sh
# PowerDNS Authoritative on loopback for the live suites, in the foreground
# (`cargo xtask test` starts it as the crate's manifest declares):
#   server.sh DIR API_PORT DNS_PORT
# DIR is a fresh folder for its LMDB database, config and control socket.
# The LMDB backend, not SQLite: the suites write zones concurrently, and
# PowerDNS on SQLite answers some of those writes 500 "database is locked".
# `security-poll-suffix=` is empty so it never queries off the machine.
set -eu
dir=$1 api=$2 dns=$3
cat > "$dir/pdns.conf" <<CONF
launch=lmdb
lmdb-filename=$dir/pdns.lmdb
local-address=127.0.0.1
local-port=$dns
daemon=no
guardian=no
socket-dir=$dir
api=yes
api-key=cloudtest-powerdns
webserver=yes
webserver-address=127.0.0.1
webserver-port=$api
webserver-allow-from=127.0.0.0/8
security-poll-suffix=
default-soa-content=ns1.cloud.test. hostmaster.@ 0 10800 3600 604800 3600
CONF
exec pdns_server --config-dir="$dir"
