# Starts and stops a throwaway PostgreSQL server on 127.0.0.1 for the tests.
# Sourced by scripts/test; sets POSTGRES_TEST_URL (the server's own database URL,
# to which the tests append a per-worker suffix). It is not exported: a pytest run
# uses PostgreSQL only when the caller passes it as TEST_DATABASE_URL.

start_postgres() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    PG_DIR=$(mktemp -d /tmp/cat-survey-pg.XXXXXX)
    PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    local as_owner=()
    # PostgreSQL refuses to run as root; run it as the postgres user instead.
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$PG_DIR"
        as_owner=(runuser -u postgres --)
    fi
    "${as_owner[@]}" "$bin/initdb" -D "$PG_DIR/data" -U cat_survey --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log"
    "${as_owner[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
        -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
        start >/dev/null
    PG_CTL=("${as_owner[@]}" "$bin/pg_ctl")
    POSTGRES_TEST_URL="postgresql+psycopg://cat_survey@127.0.0.1:$PG_PORT/cat_survey_test"
    echo "postgres: running on 127.0.0.1:$PG_PORT ($PG_DIR)"
}

stop_postgres() {
    if [ -n "${PG_DIR:-}" ]; then
        "${PG_CTL[@]}" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
}
