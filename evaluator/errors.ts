// Why an evaluation could not be done: an operator or shape the evaluator does not support (never
// silently true), a session variable the answer lacks, metadata that does not match the database.

import { SidecarError } from "../webhook/errors";

export class EvaluationError extends SidecarError {
  readonly code = "EVALUATION_FAILED";
}
