// Types only: the schemas package's runtime (typebox) must never reach the bundle.
export type {
  SessionSummary,
  SessionListResponse,
  SessionDetailResponse,
  Step,
  StepDetail,
  StepDetailResponse,
  CostsResponse,
  CostPoint,
  CostGroup,
  MeResponse,
  ApiKey,
  ApiKeyList,
  CreatedKeyResponse,
  Score,
} from '@cairn/schemas';
