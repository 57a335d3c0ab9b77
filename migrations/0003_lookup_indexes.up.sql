-- Indexes for the sidecar's own lookups that Ghostwriter does not create: "which tokens grant this
-- oplog/project" (the access report, creator-access checks) and the session cleanup scan.
CREATE INDEX IF NOT EXISTS sidecar_stp_resource_idx
  ON api_servicetokenpermission (resource_type, resource_id);
CREATE INDEX IF NOT EXISTS sidecar_servicetoken_usable_creator_idx
  ON api_servicetoken (created_by_id) WHERE NOT revoked;
