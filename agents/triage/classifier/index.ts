export {
  classifyIssue,
  isConfident,
  LOW_CONFIDENCE_THRESHOLD,
  type ClassifyResult,
  type IssueLabel,
} from "./classify.ts";
export { detectMissingInfo, type MissingInfo } from "./missing-info.ts";
export { mapLabelToRepositoryLabel } from "./labels.ts";
