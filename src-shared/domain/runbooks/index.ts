export { parseBlocks, parseInline } from './markdown';
export type { Block, Inline } from './markdown';
export {
  ACTION_VIEWS,
  FACT_NAMES,
  MAX_FACTS_PER_STEP,
  MAX_RUNBOOK_BYTES,
  MAX_STEPS,
  markerErrorText,
  parseRunbook,
  SEAM_VIEWS,
  utf8Bytes,
} from './markers';
export type { FactName, MarkerError, ParsedRunbook, ParseResult, RunbookStepDef } from './markers';
