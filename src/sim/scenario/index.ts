// SPDX-License-Identifier: GPL-2.0-only
/** Scenario files: format (schema.ts), loader (load.ts), errors (errors.ts). See docs/scenarios.md. */
export { formatError, type ScenarioError } from './errors.ts';
export {
  type LoadOptions,
  type LoadResult,
  loadScenario,
  loadScenarioOrThrow,
  parseScenarioFile,
} from './load.ts';
export {
  type Backend,
  type Cpu,
  type DeliveryExpectation,
  type DeliveryMode,
  FINDING_KINDS,
  type Loc,
  type Machine,
  type MachineOptions,
  type ParentDomain,
  RC_STEP_KINDS,
  type Scenario,
  SNAPSHOT_VIEWS,
  type SnapshotView,
  STEP_KINDS,
  type Step,
  type StepKind,
  type StepOf,
  scenarioJsonSchema,
  type ZpciFunctionSpec,
} from './schema.ts';
