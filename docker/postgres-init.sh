#!/bin/sh
# Runs once, when the Postgres volume is first initialised: Assay connects as `assay`, a role that
# owns its database (it creates schemas for datasets and monitoring results) but is not a superuser,
# cannot create roles or databases, and cannot read files on the server.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_password="${ASSAY_DB_PASSWORD:-assay-app}" <<'SQL'
create role assay login nosuperuser nocreatedb nocreaterole noreplication password :'app_password';
alter database assay owner to assay;
alter schema public owner to assay;
SQL
