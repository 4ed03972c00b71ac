export { runDemo, DEMO_SCENARIOS } from './demo.js';
export type { DemoOptions } from './demo.js';
export { runReportingPipeline, PIPELINE_CAPS, CRITIC_THRESHOLD } from './reporting-pipeline.js';
export type { PipelineOptions, PipelineScenario, ExampleResult } from './reporting-pipeline.js';
export { runSupportAgent, TICKETS, SUPPORT_CAPS, CONFIDENCE_THRESHOLD } from './support-agent.js';
export type { SupportScenario, Ticket } from './support-agent.js';
export { createSimOpenAI, createSimAnthropic, tokensOf } from './sim-llm.js';
export { ExportCheck, ExportFailedError, checkedOtlpExporter, collectorMessage, describeExportError } from './export-check.js';
export type { ExportFailure } from './export-check.js';
