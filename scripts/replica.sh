#!/usr/bin/env bash
# A streaming read replica of a running PostgreSQL cluster made by these
# scripts (trust authentication on 127.0.0.1, superuser `odoo`): used by the
# replica test (tests/test_read_replica.py) and by bench/load.sh.
#
# Usage:
#   scripts/replica.sh start PRIMARY_PORT DIR   copy the primary with
#       pg_basebackup into DIR/data, start it in standby on a free port and
#       print that port once it accepts read-only connections
#   scripts/replica.sh stop DIR                 stop it and remove DIR
#
# The replica keeps the primary's settings (shared_preload_libraries
# included: pg_stat_statements on the test cluster) on its own port, and logs
# to DIR/postgresql.log.
set -uo pipefail

# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

usage() { die "usage: $0 start PRIMARY_PORT DIR | stop DIR"; }

replica_start() {
    local primary_port="$1" dir="$2" port bindir
    bindir="$(pg_bindir)"
    pg_make_owned_dir "$dir" || die "PostgreSQL user '$(pg_os_user)' cannot use $dir"
    # -R: standby.signal and primary_conninfo; -X stream: the WAL written
    # during the copy comes along.
    as_pg_user "$bindir/pg_basebackup" -h 127.0.0.1 -p "$primary_port" \
        -U "$PG_SUPERUSER" -D "$dir/data" -R -X stream --checkpoint=fast \
        >"$dir/basebackup.log" 2>&1 \
        || { cat "$dir/basebackup.log" >&2; die "pg_basebackup of port $primary_port failed"; }
    port="$(free_port)"
    pg_set_port "$dir/data" "$port"
    {
        echo "hot_standby = on"
        echo "unix_socket_directories = '$dir'"
    } | as_pg_user tee -a "$dir/data/postgresql.conf" >/dev/null
    pg_start_cluster "$dir/data" "$dir/postgresql.log"
    echo "$port"
}

replica_stop() {
    local dir="$1"
    [ -d "$dir/data" ] && pg_stop_cluster "$dir/data" immediate
    rm -rf "$dir"
}

case "${1:-}" in
    start)
        [ "$#" -eq 3 ] || usage
        replica_start "$2" "$3"
        ;;
    stop)
        [ "$#" -eq 2 ] || usage
        replica_stop "$2"
        ;;
    *) usage ;;
esac
