-- Change notifications for the webhook's answer cache. Any row change that could alter an
-- authentication answer sends NOTIFY token_sidecar_auth_change with a space-separated list of
-- tags naming what changed; every replica LISTENs and drops the cached answers carrying a tag:
--   st:<service token id>  sp:<principal id>  ak:<api key id>  us:<session uuid>
--   u:<user id> (the user, or one of their memberships)  ol:<oplog id>  all (flush everything)
-- Updates that only touch bookkeeping (last_used_at, last_login, ...) send nothing, so the
-- sidecar's own usage writes do not empty its cache.

CREATE OR REPLACE FUNCTION sidecar_notify_auth_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  old_row jsonb := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END;
  new_row jsonb := CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) END;
  tags text[];
  payload text;
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    PERFORM pg_notify('token_sidecar_auth_change', 'all');
    RETURN NULL;
  END IF;
  tags := CASE TG_TABLE_NAME
    WHEN 'api_servicetoken' THEN ARRAY['st:' || (old_row->>'id'), 'st:' || (new_row->>'id')]
    WHEN 'api_servicetokenpermission' THEN ARRAY['st:' || (old_row->>'token_id'), 'st:' || (new_row->>'token_id')]
    WHEN 'api_serviceprincipal' THEN ARRAY['sp:' || (old_row->>'id'), 'sp:' || (new_row->>'id')]
    WHEN 'api_apikey' THEN ARRAY['ak:' || (old_row->>'id'), 'ak:' || (new_row->>'id')]
    WHEN 'api_usersession' THEN ARRAY['us:' || (old_row->>'identifier'), 'us:' || (new_row->>'identifier')]
    WHEN 'users_user' THEN ARRAY['u:' || (old_row->>'id'), 'u:' || (new_row->>'id')]
    WHEN 'rolodex_projectassignment' THEN ARRAY['u:' || (old_row->>'operator_id'), 'u:' || (new_row->>'operator_id')]
    WHEN 'rolodex_projectinvite' THEN ARRAY['u:' || (old_row->>'user_id'), 'u:' || (new_row->>'user_id')]
    WHEN 'rolodex_clientinvite' THEN ARRAY['u:' || (old_row->>'user_id'), 'u:' || (new_row->>'user_id')]
    WHEN 'oplog_oplog' THEN ARRAY['ol:' || (old_row->>'id'), 'ol:' || (new_row->>'id')]
    -- A project that changes client or disappears can change anyone's access: flush.
    WHEN 'rolodex_project' THEN ARRAY['all']
    ELSE ARRAY['all']
  END;
  SELECT string_agg(DISTINCT tag, ' ') INTO payload FROM unnest(tags) AS tag WHERE tag IS NOT NULL;
  IF payload IS NOT NULL THEN
    PERFORM pg_notify('token_sidecar_auth_change', payload);
  END IF;
  RETURN NULL;
END
$$;

-- Row triggers. The WHEN clauses keep bookkeeping-only updates silent.
CREATE TRIGGER sidecar_auth_change AFTER INSERT OR DELETE ON api_servicetoken
  FOR EACH ROW EXECUTE FUNCTION sidecar_notify_auth_change();
CREATE TRIGGER sidecar_auth_change_update AFTER UPDATE ON api_servicetoken
  FOR EACH ROW WHEN ((to_jsonb(OLD) - 'last_used_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_used_at'))
  EXECUTE FUNCTION sidecar_notify_auth_change();

CREATE TRIGGER sidecar_auth_change AFTER INSERT OR UPDATE OR DELETE ON api_servicetokenpermission
  FOR EACH ROW EXECUTE FUNCTION sidecar_notify_auth_change();

CREATE TRIGGER sidecar_auth_change AFTER INSERT OR UPDATE OR DELETE ON api_serviceprincipal
  FOR EACH ROW EXECUTE FUNCTION sidecar_notify_auth_change();

CREATE TRIGGER sidecar_auth_change AFTER INSERT OR DELETE ON api_apikey
  FOR EACH ROW EXECUTE FUNCTION sidecar_notify_auth_change();
CREATE TRIGGER sidecar_auth_change_update AFTER UPDATE ON api_apikey
  FOR EACH ROW WHEN ((to_jsonb(OLD) - 'last_used_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_used_at'))
  EXECUTE FUNCTION sidecar_notify_auth_change();

CREATE TRIGGER sidecar_auth_change AFTER INSERT OR UPDATE OR DELETE ON api_usersession
  FOR EACH ROW EXECUTE FUNCTION sidecar_notify_auth_change();

CREATE TRIGGER sidecar_auth_change AFTER DELETE ON users_user
  FOR EACH ROW EXECUTE FUNCTION sidecar_notify_auth_change();
CREATE TRIGGER sidecar_auth_change_update AFTER UPDATE ON users_user
  FOR EACH ROW WHEN (
    OLD.is_active IS DISTINCT FROM NEW.is_active OR OLD.role IS DISTINCT FROM NEW.role
    OR OLD.is_staff IS DISTINCT FROM NEW.is_staff OR OLD.is_superuser IS DISTINCT FROM NEW.is_superuser
    OR OLD.username IS DISTINCT FROM NEW.username OR OLD.id IS DISTINCT FROM NEW.id
  )
  EXECUTE FUNCTION sidecar_notify_auth_change();

CREATE TRIGGER sidecar_auth_change AFTER INSERT OR UPDATE OR DELETE ON rolodex_projectassignment
  FOR EACH ROW EXECUTE FUNCTION sidecar_notify_auth_change();
CREATE TRIGGER sidecar_auth_change AFTER INSERT OR UPDATE OR DELETE ON rolodex_projectinvite
  FOR EACH ROW EXECUTE FUNCTION sidecar_notify_auth_change();
CREATE TRIGGER sidecar_auth_change AFTER INSERT OR UPDATE OR DELETE ON rolodex_clientinvite
  FOR EACH ROW EXECUTE FUNCTION sidecar_notify_auth_change();

CREATE TRIGGER sidecar_auth_change AFTER DELETE ON rolodex_project
  FOR EACH ROW EXECUTE FUNCTION sidecar_notify_auth_change();
CREATE TRIGGER sidecar_auth_change_update AFTER UPDATE ON rolodex_project
  FOR EACH ROW WHEN (OLD.client_id IS DISTINCT FROM NEW.client_id OR OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION sidecar_notify_auth_change();

CREATE TRIGGER sidecar_auth_change AFTER DELETE ON oplog_oplog
  FOR EACH ROW EXECUTE FUNCTION sidecar_notify_auth_change();
CREATE TRIGGER sidecar_auth_change_update AFTER UPDATE ON oplog_oplog
  FOR EACH ROW WHEN (OLD.project_id IS DISTINCT FROM NEW.project_id OR OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION sidecar_notify_auth_change();

-- TRUNCATE fires no row triggers; treat it as "everything changed".
CREATE TRIGGER sidecar_auth_change_truncate AFTER TRUNCATE ON api_servicetoken
  FOR EACH STATEMENT EXECUTE FUNCTION sidecar_notify_auth_change();
CREATE TRIGGER sidecar_auth_change_truncate AFTER TRUNCATE ON api_servicetokenpermission
  FOR EACH STATEMENT EXECUTE FUNCTION sidecar_notify_auth_change();
CREATE TRIGGER sidecar_auth_change_truncate AFTER TRUNCATE ON api_serviceprincipal
  FOR EACH STATEMENT EXECUTE FUNCTION sidecar_notify_auth_change();
CREATE TRIGGER sidecar_auth_change_truncate AFTER TRUNCATE ON api_apikey
  FOR EACH STATEMENT EXECUTE FUNCTION sidecar_notify_auth_change();
CREATE TRIGGER sidecar_auth_change_truncate AFTER TRUNCATE ON api_usersession
  FOR EACH STATEMENT EXECUTE FUNCTION sidecar_notify_auth_change();
CREATE TRIGGER sidecar_auth_change_truncate AFTER TRUNCATE ON users_user
  FOR EACH STATEMENT EXECUTE FUNCTION sidecar_notify_auth_change();
CREATE TRIGGER sidecar_auth_change_truncate AFTER TRUNCATE ON rolodex_projectassignment
  FOR EACH STATEMENT EXECUTE FUNCTION sidecar_notify_auth_change();
CREATE TRIGGER sidecar_auth_change_truncate AFTER TRUNCATE ON rolodex_projectinvite
  FOR EACH STATEMENT EXECUTE FUNCTION sidecar_notify_auth_change();
CREATE TRIGGER sidecar_auth_change_truncate AFTER TRUNCATE ON rolodex_clientinvite
  FOR EACH STATEMENT EXECUTE FUNCTION sidecar_notify_auth_change();
CREATE TRIGGER sidecar_auth_change_truncate AFTER TRUNCATE ON rolodex_project
  FOR EACH STATEMENT EXECUTE FUNCTION sidecar_notify_auth_change();
CREATE TRIGGER sidecar_auth_change_truncate AFTER TRUNCATE ON oplog_oplog
  FOR EACH STATEMENT EXECUTE FUNCTION sidecar_notify_auth_change();
