-- The registry's setup script as the first release of layout 1 shipped it, kept
-- to test that Open upgrades such a registry (lock_test.go).

-- The featuregate registry: feature definitions shared by every gateway that
-- uses this database. Open runs this script under an advisory lock; every
-- statement is idempotent.
CREATE SCHEMA IF NOT EXISTS featuregate_registry;

-- meta holds the layout version, so that a later featuregate can migrate.
CREATE TABLE IF NOT EXISTS featuregate_registry.meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);

-- objects holds one row per definition, as JSON. Entities, sources and
-- relations (feature views and feature services, which users SELECT from)
-- are three namespaces: a view and a service may not share a name.
CREATE TABLE IF NOT EXISTS featuregate_registry.objects (
    project    text        NOT NULL,
    kind       text        NOT NULL
        CHECK (kind IN ('ENTITY', 'SOURCE', 'FEATURE VIEW', 'FEATURE SERVICE')),
    name       text        NOT NULL,
    namespace  text        NOT NULL GENERATED ALWAYS AS (
        CASE kind WHEN 'ENTITY' THEN 'entity' WHEN 'SOURCE' THEN 'source' ELSE 'relation' END
    ) STORED,
    definition jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (project, kind, name),
    UNIQUE (project, namespace, name)
);

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

INSERT INTO featuregate_registry.meta (key, value) VALUES ('schema_version', '1')
ON CONFLICT (key) DO NOTHING;
