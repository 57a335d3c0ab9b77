-- Removes the change-notification triggers and their function (all of them are the sidecar's).
DO $$
DECLARE
  trigger_row record;
BEGIN
  FOR trigger_row IN
    SELECT tgname, tgrelid::regclass AS table_name FROM pg_trigger
    WHERE tgname LIKE 'sidecar_auth_change%' AND NOT tgisinternal
  LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', trigger_row.tgname, trigger_row.table_name);
  END LOOP;
END
$$;
DROP FUNCTION IF EXISTS sidecar_notify_auth_change();
