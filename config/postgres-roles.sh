#!/bin/sh
# Creates the database and its two roles (README, "Two database roles"); neither role is a superuser.
#   owner (MIGRATE_DATABASE_URL): owns the database and every table; `manage.py migrate` runs as it and then grants
#         the service's role its rights (events/privileges.py).
#   app   (DATABASE_URL): the web processes, workers and beat; owns nothing, so it cannot disable the event log's
#         append-only triggers, truncate the log or switch triggers off with session_replication_role.
# docker-compose.yml mounts it into /docker-entrypoint-initdb.d, which runs it once, on an empty data directory, as
# the image's superuser. Elsewhere run it as a superuser: PGHOST=... POSTGRES_USER=postgres POSTGRES_OWNER_PASSWORD=...
# POSTGRES_APP_PASSWORD=... sh config/postgres-roles.sh. tests/events/test_database_roles.py runs it too.
set -eu
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres \
    -v db="${TIMELINE_DB:-timeline}" -v owner="${TIMELINE_OWNER:-timeline}" -v app="${TIMELINE_APP:-timeline_app}" \
    -v owner_password="$POSTGRES_OWNER_PASSWORD" -v app_password="$POSTGRES_APP_PASSWORD" <<'SQL'
CREATE ROLE :"owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
CREATE ROLE :"app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
CREATE DATABASE :"db" OWNER :"owner";
-- Only the two roles (and superusers) connect.
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"app";
\connect :"db"
-- PostgreSQL 15 and later already let only the database owner create in the public schema; older ones let anyone.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
