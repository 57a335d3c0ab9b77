-- Drops the credential tables, but only those this project created (marked by 0001's comment):
-- on a Ghostwriter database the tables are Ghostwriter's, and they stay with their rows.
DO $$
DECLARE
  credential_table text;
BEGIN
  FOREACH credential_table IN ARRAY ARRAY[
    'api_servicetokenpermission', 'api_servicetoken', 'api_serviceprincipal', 'api_usersession', 'api_apikey'
  ] LOOP
    IF to_regclass(credential_table) IS NOT NULL
       AND obj_description(to_regclass(credential_table), 'pg_class') = 'created by hasura-token-sidecar' THEN
      EXECUTE format('DROP TABLE %I', credential_table);
    END IF;
  END LOOP;
END
$$;
