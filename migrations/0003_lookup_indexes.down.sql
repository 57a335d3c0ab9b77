DROP INDEX IF EXISTS sidecar_servicetoken_usable_creator_idx;
DROP INDEX IF EXISTS sidecar_stp_resource_idx;
