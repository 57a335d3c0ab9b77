// The generator's own metadata entries around the access view, in export shape: the array
// relationship from the project table to the view, the view's object relationship back, and the
// configuration a new view file starts with. Pure.

import type { Policy } from "../policy";
import { camelName } from "./permissions";

export const VIEW_COLUMNS = ["project_id", "token_id"] as const;
export const VIEW_PROJECT_RELATIONSHIP = "project";

export function accessRelationship(policy: Policy): Record<string, unknown> {
  const { schema, name } = policy.access.view;
  return {
    name: policy.access.relationship,
    using: { manual_configuration: { column_mapping: { [policy.project.id]: "project_id" }, insertion_order: null, remote_table: { name, schema } } },
  };
}

export function viewProjectRelationship(policy: Policy): Record<string, unknown> {
  const { schema, name } = policy.project.table;
  return {
    name: VIEW_PROJECT_RELATIONSHIP,
    using: { manual_configuration: { column_mapping: { project_id: policy.project.id }, insertion_order: null, remote_table: { name, schema } } },
  };
}

/** Only used when the view's file lacks a configuration: Hasura names in the app's camelCase. */
export function viewConfiguration(policy: Policy): Record<string, unknown> {
  const camel = Object.fromEntries(VIEW_COLUMNS.map((c) => [c, camelName(c)]));
  return {
    column_config: Object.fromEntries(VIEW_COLUMNS.map((c) => [c, { custom_name: camel[c] }])),
    custom_column_names: camel,
    custom_name: camelName(policy.access.view.name),
    custom_root_fields: {},
  };
}
