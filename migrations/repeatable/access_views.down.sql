-- Drops the project-access views, but only those hasura-token-sidecar created (marked by their
-- comment); Ghostwriter's own views stay. Generated with access_views.sql: do not edit.

DO $views$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE oid = to_regclass('"public"."api_service_token_project_access"') AND relkind = 'v' AND obj_description(oid, 'pg_class') = 'created by hasura-token-sidecar') THEN
    DROP VIEW "public"."api_service_token_project_access";
  END IF;
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE oid = to_regclass('"public"."api_user_project_read_access"') AND relkind = 'v' AND obj_description(oid, 'pg_class') = 'created by hasura-token-sidecar') THEN
    DROP VIEW "public"."api_user_project_read_access";
  END IF;
END
$views$;
