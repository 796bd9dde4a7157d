-- The featuregate registry: feature definitions shared by every gateway that
-- uses this database. Open runs this script, in a transaction, whenever part
-- of it is missing. Every statement is idempotent, and the script takes no
-- advisory lock (which any session could hold): gateways running it at once
-- race, and the losers retry and find it done.
CREATE SCHEMA IF NOT EXISTS featuregate_registry;

-- meta holds the layout version, so that a later featuregate can migrate.
CREATE TABLE IF NOT EXISTS featuregate_registry.meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);

-- objects holds one row per definition, as JSON. Entities, sources,
-- permissions and relations (feature views and feature services, which
-- users SELECT from) are four namespaces: a view and a service may not
-- share a name.
CREATE TABLE IF NOT EXISTS featuregate_registry.objects (
    project    text        NOT NULL,
    kind       text        NOT NULL
        CONSTRAINT objects_kind_check
        CHECK (kind IN ('ENTITY', 'SOURCE', 'FEATURE VIEW', 'FEATURE SERVICE', 'PERMISSION')),
    name       text        NOT NULL,
    namespace  text        NOT NULL GENERATED ALWAYS AS (
        CASE kind WHEN 'ENTITY' THEN 'entity' WHEN 'SOURCE' THEN 'source'
                  WHEN 'PERMISSION' THEN 'permission' ELSE 'relation' END
    ) STORED,
    definition jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (project, kind, name),
    UNIQUE (project, namespace, name)
);

-- Layout 1 had no permissions: its objects table takes them once its kind
-- check and namespace column are made again.
DO $migrate$
BEGIN
  IF (SELECT value FROM featuregate_registry.meta WHERE key = 'schema_version') = '1' THEN
    ALTER TABLE featuregate_registry.objects DROP CONSTRAINT objects_kind_check;
    ALTER TABLE featuregate_registry.objects ADD CONSTRAINT objects_kind_check
        CHECK (kind IN ('ENTITY', 'SOURCE', 'FEATURE VIEW', 'FEATURE SERVICE', 'PERMISSION'));
    ALTER TABLE featuregate_registry.objects DROP COLUMN namespace;
    ALTER TABLE featuregate_registry.objects ADD COLUMN namespace text NOT NULL GENERATED ALWAYS AS (
        CASE kind WHEN 'ENTITY' THEN 'entity' WHEN 'SOURCE' THEN 'source'
                  WHEN 'PERMISSION' THEN 'permission' ELSE 'relation' END
    ) STORED;
    ALTER TABLE featuregate_registry.objects ADD UNIQUE (project, namespace, name);
    UPDATE featuregate_registry.meta SET value = '2' WHERE key = 'schema_version';
  END IF;
END
$migrate$;

-- versions holds one row per applied change set: a project's registry
-- version is its greatest version here (0 when it has none).
CREATE TABLE IF NOT EXISTS featuregate_registry.versions (
    project   text        NOT NULL,
    version   bigint      NOT NULL CHECK (version > 0),
    who       text        NOT NULL,
    at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    statement text        NOT NULL,
    PRIMARY KEY (project, version)
);

-- project_locks holds one row per project that has been changed. Apply
-- locks the project's row (SELECT ... FOR UPDATE, the row inserted on the
-- project's first change) for its transaction, so that changes to one
-- project serialise and its versions strictly increase.
CREATE TABLE IF NOT EXISTS featuregate_registry.project_locks (
    project text PRIMARY KEY
);

-- datasets holds one row per saved dataset (CREATE DATASET): its
-- definition, provenance and profile as JSON. Its rows live in the table
-- of the same name in the project's schema fg_datasets_<project>.
-- Datasets share the namespace of feature relations: store.go checks it.
CREATE TABLE IF NOT EXISTS featuregate_registry.datasets (
    project    text        NOT NULL,
    name       text        NOT NULL,
    definition jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (project, name)
);

-- read_through_featuregate guards the views of feature relations in the
-- fg_<project> schemas (relations_sql.go): selecting from them on
-- PostgreSQL itself says how to read features.
CREATE OR REPLACE FUNCTION featuregate_registry.read_through_featuregate(relation text)
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
  RAISE EXCEPTION 'feature relation "%" is read through featuregate', relation
    USING ERRCODE = '0A000',
          HINT = 'connect to the featuregate gateway and use AS OF for training sets, or a key lookup for online values';
END
$fn$;

-- Nothing of the registry is PUBLIC's: a session of a role that was not
-- granted access can neither read the definitions nor take the registry's
-- locks. (The guard function keeps PUBLIC's EXECUTE, so that reading a
-- feature relation on PostgreSQL explains itself.)
REVOKE ALL ON SCHEMA featuregate_registry FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA featuregate_registry FROM PUBLIC;

INSERT INTO featuregate_registry.meta (key, value) VALUES ('schema_version', '2')
ON CONFLICT (key) DO NOTHING;
