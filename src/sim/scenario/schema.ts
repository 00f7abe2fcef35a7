// SPDX-License-Identifier: GPL-2.0-only
/**
 * The scenario file format: zod schemas for the shape of a file (the single
 * source of both validation and schemas/scenario.schema.json) and the
 * normalized TypeScript types the runner consumes. Checks that need more than
 * one node (unique fids, vector ranges, plug order, ...) live in load.ts.
 * docs/scenarios.md describes the format for humans.
 */
import * as z from 'zod';
import { errName } from '../../include/linux/errno.ts';
import type { FindingKind } from '../findings.ts';
import { describeValue } from './errors.ts';

// ---------------------------------------------------------------------------
// Limits (each one documented in docs/scenarios.md with its source)

/** NR_CPUS on s390: Kconfig range 2..512 (arch/s390/Kconfig); a 1-CPU machine is allowed too. */
export const MAX_CPUS = 512;
/** CPU addresses are 16 bits (SIGP, STAP). */
export const MAX_CPU_ADDRESS = 0xffff;
/** MSI-X table size limit of the PCI spec (11-bit field + 1). */
export const MAX_MSIX = 2048;
/** MSI multiple-message capability: 1..32, a power of two. */
export const MSI_COUNTS = [1, 2, 4, 8, 16, 32] as const;
/** CLP max_msi (`noi`) accepted by the scenario format. */
export const MAX_MAX_MSI = 2048;
/** CONFIG_PCI_NR_FUNCTIONS: default 512, believed range 1..4096. */
export const MAX_PCI_NR_FUNCTIONS = 4096;
/** Upper bound for `fire.count`: keeps a scenario's run time bounded. */
export const MAX_FIRE_COUNT = 1_000_000;

export const DELIVERY_MODES = ['floating', 'directed'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

export const BUILTIN_BACKENDS = ['legacy', 'v1', 'mainline', 'domain'] as const;
export type BuiltinBackend = (typeof BUILTIN_BACKENDS)[number];

export const PARENT_DOMAINS = ['global', 'per-bus'] as const;
export type ParentDomain = (typeof PARENT_DOMAINS)[number];

export const FLOATING_CPU_SELECTIONS = ['lowest', 'random'] as const;
export const SUMMARY_EDGES = ['bit', 'byte'] as const;
export const DISB_INDEXES = ['logical', 'address'] as const;
export const FALLBACK_CONDITIONS = ['offline', 'no-dibv', 'unknown-address'] as const;
export type FallbackCondition = (typeof FALLBACK_CONDITIONS)[number];

export const SNAPSHOT_VIEWS = [
  'proc_interrupts',
  'debugfs_domains',
  'debugfs_irq',
  'proc_irq',
  'sys_irq',
  'msi_irqs',
  'dmesg',
] as const;
export type SnapshotView = (typeof SNAPSHOT_VIEWS)[number];
/** Views that show one Linux IRQ: they need `irq` or `fid` + `vector`. */
export const IRQ_VIEWS: readonly SnapshotView[] = ['debugfs_irq', 'proc_irq', 'sys_irq'];

export const FINDING_KINDS = [
  'WARN',
  'Oops',
  'BUG',
  'lost-irq',
  'spurious-irq',
  'misrouted-irq',
  'use-after-free',
  'dma-use-after-free',
  'out-of-bounds',
  'double-owner',
  'leak',
  'swallowed-fault',
  'unhandled-fault',
  'soft-lockup',
] as const satisfies readonly FindingKind[];
// Compile-time check that FINDING_KINDS lists every FindingKind.
type MissingFindingKinds = Exclude<FindingKind, (typeof FINDING_KINDS)[number]>;
const findingKindsComplete: [MissingFindingKinds] extends [never] ? true : MissingFindingKinds = true;
void findingKindsComplete;

/** errno names known to errno.ts (`-ENOSPC` -> -28), for `expect.rc`. */
export const ERRNO_BY_NAME: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>();
  for (let n = 1; n < 1024; n++) {
    const name = errName(-n);
    if (name.startsWith('-E')) m.set(name, -n);
  }
  return m;
})();

// ---------------------------------------------------------------------------
// Building blocks. Each leaf carries its own human message, `expected X, got Y`.

type ErrFn = (iss: { input?: unknown }) => string;
const got =
  (what: string): ErrFn =>
  (iss) =>
    `expected ${what}, got ${describeValue(iss.input)}`;

/** An integer in [min, max]; `what` replaces the default wording. */
export function intIn(min: number, max: number, what?: string): z.ZodNumber {
  const e = got(what ?? `an integer between ${min} and ${max}`);
  return z.number({ error: e }).int({ error: e }).min(min, { error: e }).max(max, { error: e });
}
/** An integer >= min (no practical upper bound). */
function intFrom(min: number, what: string): z.ZodNumber {
  const e = got(what);
  return z
    .number({ error: e })
    .int({ error: e })
    .min(min, { error: e })
    .max(Number.MAX_SAFE_INTEGER, { error: e });
}
const bool = z.boolean({ error: got('true or false') });
const label = (what: string) => z.string({ error: got(what) }).regex(/^\S{1,64}$/, { error: got(what) });
function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: got(`one of ${values.join(', ')}`) });
}

const FID_WHAT = 'a function id (an integer between 0 and 0xffffffff or a hex string like "0x10")';
/** A zPCI function id: u32, as a YAML integer (0x10 is fine) or a quoted hex string. */
export const FidSchema = z
  .union(
    [intIn(0, 0xffffffff, FID_WHAT), z.string().regex(/^0[xX][0-9a-fA-F]{1,8}$/, { error: got(FID_WHAT) })],
    {
      error: got(FID_WHAT),
    },
  )
  .meta({ id: 'Fid', description: 'zPCI function id (u32): integer or hex string like "0x10"' });

const vectorIndex = intFrom(0, 'a vector index (a non-negative integer)').meta({
  description: 'vector index within the function (MSI-X table entry or MSI message number)',
});
const vectorOrAll = z.union([vectorIndex, z.literal('all')], { error: got('a vector index or "all"') });
const cpuNumber = intFrom(0, 'a logical CPU number (a non-negative integer)');
const count0 = intFrom(0, 'a non-negative integer');

// ---------------------------------------------------------------------------
// machine

export const CpuEntrySchema = z
  .strictObject({
    cpu: intIn(0, MAX_CPUS - 1, `a logical CPU number between 0 and ${MAX_CPUS - 1}`)
      .optional()
      .meta({ description: 'logical CPU number; must equal the entry index (default: the index)' }),
    address: intIn(0, MAX_CPU_ADDRESS, 'a CPU address between 0 and 0xffff').meta({
      description: 'the 16-bit CPU address SIGP and the firmware use',
    }),
    online: bool.optional().meta({ description: 'online at boot (default true)' }),
  })
  .meta({ description: 'one possible CPU' });

const CPUS_WHAT = `a CPU count between 1 and ${MAX_CPUS} or a list of {cpu, address, online}`;

export const MachineOptionsSchema = z
  .strictObject({
    floatingCpuSelection: oneOf(FLOATING_CPU_SELECTIONS)
      .optional()
      .meta({ description: 'which eligible CPU takes a floating interruption (default lowest)' }),
    summaryEdge: oneOf(SUMMARY_EDGES).optional().meta({
      description: 'floating: inject on the 0->1 edge of the summary bit or of its byte (QEMU) (default bit)',
    }),
    checkNoi: bool
      .optional()
      .meta({ description: 'firmware drops MSI data >= noi (default false, as QEMU)' }),
    disbIndex: oneOf(DISB_INDEXES).optional().meta({
      description: 'directed fallback: DISB bit = logical CPU number or CPU address (default logical)',
    }),
    directedFallback: z
      .array(oneOf(FALLBACK_CONDITIONS), { error: got(`a list of ${FALLBACK_CONDITIONS.join(', ')}`) })
      .optional()
      .meta({ description: 'when the firmware uses the DISB fallback (default: all conditions)' }),
    nrPciFunctions: intIn(1, MAX_PCI_NR_FUNCTIONS)
      .optional()
      .meta({ description: 'CONFIG_PCI_NR_FUNCTIONS (default 512)' }),
  })
  .meta({ description: 'model options for behaviour that could not be confirmed (reference §9)' });

const BACKEND_WHAT = `one of ${BUILTIN_BACKENDS.join(', ')} or a path ending in .js or .mjs`;

export const MachineSchema = z
  .strictObject({
    cpus: z
      .union([intIn(1, MAX_CPUS, CPUS_WHAT), z.array(CpuEntrySchema, { error: got(CPUS_WHAT) })], {
        error: got(CPUS_WHAT),
      })
      .meta({ description: 'possible CPUs: a count (addresses default to 2*n+0x10) or a list' }),
    online: z
      .array(cpuNumber, { error: got('a list of logical CPU numbers') })
      .optional()
      .meta({ description: 'logical CPUs online at boot (default: all)' }),
    delivery: oneOf(DELIVERY_MODES).optional().meta({
      description: 'interrupt delivery; default: directed if directedIrqFacility and not forceFloating',
    }),
    backend: z
      .union([oneOf(BUILTIN_BACKENDS), z.string().regex(/^.+\.m?js$/, { error: got(BACKEND_WHAT) })], {
        error: got(BACKEND_WHAT),
      })
      .optional()
      .meta({ description: 'zPCI MSI backend (default mainline), or a module path relative to the file' }),
    parentDomain: oneOf(PARENT_DOMAINS).optional().meta({
      description: 'domain backend only: one global MSI parent domain or one per zbus (default global)',
    }),
    seed: intIn(0, 0xffffffff, 'a seed between 0 and 0xffffffff')
      .optional()
      .meta({ description: 'random seed (default 1)' }),
    directedIrqFacility: bool.optional().meta({ description: 'SCLP has_dirq (default true)' }),
    forceFloating: bool.optional().meta({ description: 'boot option pci=force_floating (default false)' }),
    aisFacility: bool
      .optional()
      .meta({ description: 'facility 72, adapter-interruption suppression (default true)' }),
    options: MachineOptionsSchema.optional(),
  })
  .meta({ description: 'the machine: CPUs, facilities, delivery mode and backend' });

// ---------------------------------------------------------------------------
// functions

export const FunctionSchema = z
  .strictObject({
    fid: FidSchema,
    uid: intIn(0, 0xffff, 'a uid between 0 and 0xffff').meta({ description: 'user id, unique (u16)' }),
    devfn: intIn(0, 255).optional().meta({ description: 'devfn on its zbus (default 0)' }),
    bus: intIn(0, 0xffffffff, 'a bus id between 0 and 0xffffffff').optional().meta({
      description: 'topology id: functions with the same bus share a multifunction zbus (default: own bus)',
    }),
    maxMsi: intIn(1, MAX_MAX_MSI)
      .optional()
      .meta({ description: 'CLP max_msi (noi) (default: the vector count); smaller values cap allocations' }),
    msi: z
      .literal(MSI_COUNTS, {
        error: got('a power of two between 1 and 32 (MSI multiple-message capability)'),
      })
      .optional()
      .meta({ description: 'MSI capability with this many vectors' }),
    msix: intIn(1, MAX_MSIX).optional().meta({ description: 'MSI-X capability with this table size' }),
    name: label('a label without spaces')
      .optional()
      .meta({ description: 'label used in messages and IRQ names' }),
    driver: label('a driver name without spaces').optional().meta({ description: 'default driver for bind' }),
    present: bool
      .optional()
      .meta({ description: 'configured at boot (default true); false needs a plug step' }),
  })
  .meta({ description: 'one zPCI function; exactly one of msi or msix' });

// ---------------------------------------------------------------------------
// steps: per-kind argument schemas (the step kind is the map's one key, or `kind`)

const fidOnly = (what: string) => z.strictObject({ fid: FidSchema }).meta({ description: what });
const fidVector = (what: string) =>
  z.strictObject({ fid: FidSchema, vector: vectorIndex }).meta({ description: what });

const deliveryCounts = z.union(
  [
    count0,
    z.record(z.string().regex(/^cpu\d+$/, { error: got('a key cpuN (N a logical CPU number)') }), count0, {
      error: got('a mapping of cpuN: count'),
    }),
  ],
  { error: got('a total count or a mapping of cpuN: count') },
);
const RC_WHAT = 'a return code: an integer or an errno name like -ENOSPC';

export const STEP_ARGS = {
  plug: fidOnly('hot plug: the function is configured and Linux scans it'),
  unplug: fidOnly('hot unplug: the function is deconfigured and removed'),
  bind: z
    .strictObject({ fid: FidSchema, driver: label('a driver name without spaces').optional() })
    .meta({ description: 'bind a driver (probe); default driver: the function driver label' }),
  unbind: z
    .strictObject({
      fid: FidSchema,
      cleanup: bool
        .optional()
        .meta({ description: 'remove() frees the IRQs and vectors it holds (default true)' }),
    })
    .meta({ description: 'unbind the driver (remove)' }),
  enable: fidOnly('zpci_enable_device: CLP enable, new function handle'),
  disable: fidOnly('zpci_disable_device: CLP disable'),
  error: fidOnly('platform error event for the function'),
  recover: fidOnly('reset and recovery: hot reset, re-enable, restore MSI state'),
  alloc: z
    .strictObject({
      fid: FidSchema,
      min: intFrom(1, 'an integer >= 1').optional().meta({ description: 'min vectors (default 1)' }),
      max: intFrom(1, 'an integer >= 1')
        .optional()
        .meta({ description: 'max vectors (default: table size)' }),
      type: oneOf(['msi', 'msix'] as const)
        .optional()
        .meta({ description: "default: the function's capability" }),
      affinity: oneOf(['managed', 'none'] as const)
        .optional()
        .meta({ description: 'managed = PCI_IRQ_AFFINITY (default none)' }),
      preVectors: count0.optional().meta({ description: 'irq_affinity.pre_vectors (managed only)' }),
      postVectors: count0.optional().meta({ description: 'irq_affinity.post_vectors (managed only)' }),
    })
    .meta({ description: 'pci_alloc_irq_vectors(_affinity); rc = vectors allocated or -errno' }),
  free_vectors: fidOnly('pci_free_irq_vectors'),
  request: z
    .strictObject({
      fid: FidSchema,
      vector: vectorOrAll.meta({ description: 'vector index, or all = every allocated vector' }),
      name: label('an IRQ name without spaces').optional().meta({
        description: 'devname (default <fn>-<vector>); with vector: all, the prefix of <name>-<vector>',
      }),
      shared: bool.optional().meta({ description: 'IRQF_SHARED (default false)' }),
      returns: oneOf(['handled', 'none'] as const)
        .optional()
        .meta({ description: 'handler returns IRQ_HANDLED or IRQ_NONE (default handled)' }),
      handler: label('a handler name without spaces')
        .optional()
        .meta({ description: 'handler name for expect.deliveries (default: name)' }),
    })
    .meta({ description: 'request_irq(pci_irq_vector(dev, vector), ...)' }),
  free_irq: z
    .strictObject({
      fid: FidSchema,
      vector: vectorOrAll,
      handler: label('a handler name without spaces').optional(),
    })
    .meta({ description: 'free_irq; handler selects the action (default: the last one requested there)' }),
  enable_irq: fidVector('enable_irq'),
  disable_irq: fidVector('disable_irq'),
  set_affinity: z
    .strictObject({
      fid: FidSchema,
      vector: vectorOrAll,
      cpus: z.array(cpuNumber, { error: got('a list of logical CPU numbers') }),
    })
    .meta({
      description:
        'irq_set_affinity; rc = 0 or -errno. With vector: all, vector i goes to cpus[i % n] (a driver spreading its queues)',
    }),
  fire: z
    .strictObject({
      fid: FidSchema,
      vector: vectorOrAll,
      count: intIn(1, MAX_FIRE_COUNT).optional().meta({ description: 'MSI writes per vector (default 1)' }),
    })
    .meta({ description: 'the device writes MSI messages' }),
  cpu_offline: z.strictObject({ cpu: cpuNumber }).meta({ description: 'CPU hot unplug' }),
  cpu_online: z.strictObject({ cpu: cpuNumber }).meta({ description: 'CPU hot plug' }),
  fault: z
    .strictObject({
      point: z
        .string({ error: got('a failure point name') })
        .min(1, { error: got('a failure point name') })
        .meta({ description: 'failure point (irqlab faults --list)' }),
      occurrence: intFrom(1, 'an integer >= 1')
        .optional()
        .meta({ description: 'n-th call fails (default 1)' }),
    })
    .meta({ description: 'arm a failure point' }),
  snapshot: z
    .strictObject({
      view: oneOf(SNAPSHOT_VIEWS),
      irq: intFrom(0, 'a Linux IRQ number')
        .optional()
        .meta({ description: 'the IRQ (virq) for per-IRQ views' }),
      fid: FidSchema.optional(),
      vector: vectorIndex.optional(),
      label: label('a label without spaces').optional(),
    })
    .meta({ description: 'record a view of the kernel state' }),
  run: z
    .strictObject({
      ns: count0.optional().meta({ description: 'simulated ns to run (default: until quiet)' }),
    })
    .meta({ description: 'let pending events run' }),
  expect: z
    .strictObject({
      deliveries: z
        .record(label('a handler name'), deliveryCounts, { error: got('a mapping of handler: counts') })
        .optional()
        .meta({ description: 'handler -> total or {cpuN: count}, counted since the previous expect step' }),
      dropped: count0
        .optional()
        .meta({ description: 'MSI writes dropped by the machine since the previous expect' }),
      pending: count0.optional().meta({ description: 'interruptions pending now' }),
      rc: z
        .union(
          [intIn(-4095, 0x7fffffff, RC_WHAT), z.string().regex(/^-E[A-Z0-9]+$/, { error: got(RC_WHAT) })],
          { error: got(RC_WHAT) },
        )
        .optional()
        .meta({ description: 'return code of the previous step' }),
      findings: z
        .union([z.literal('none'), z.array(oneOf(FINDING_KINDS))], {
          error: got('none or a list of finding kinds'),
        })
        .optional()
        .meta({ description: 'finding kinds since the previous findings check' }),
    })
    .meta({ description: 'check the state of the run' }),
  teardown: z.strictObject({}).meta({ description: 'full teardown and leak check' }),
} as const;

export type StepKind = keyof typeof STEP_ARGS;
export const STEP_KINDS = Object.keys(STEP_ARGS) as StepKind[];
/** Steps whose result is a return code that a following `expect: {rc}` can check. */
export const RC_STEP_KINDS: ReadonlySet<StepKind> = new Set<StepKind>([
  'plug',
  'unplug',
  'bind',
  'enable',
  'disable',
  'recover',
  'alloc',
  'request',
  'set_affinity',
  'cpu_offline',
  'cpu_online',
]);

// ---------------------------------------------------------------------------
// Whole file

const topShape = {
  name: z.string({ error: got('a string') }).optional(),
  description: z.string({ error: got('a string') }).optional(),
  machine: MachineSchema,
  functions: z.array(FunctionSchema, { error: got('a list of functions') }).optional(),
  schedule: z
    .array(intIn(0, 0x7fffffff, 'a non-negative integer'), { error: got('a list of non-negative integers') })
    .optional()
    .meta({ description: 'interleaving choices for exploration mode' }),
};
export const TOP_KEYS = ['name', 'description', 'machine', 'functions', 'steps', 'schedule'] as const;

/** What load.ts validates first: steps are checked one by one afterwards. */
export const ScenarioShapeSchema = z.strictObject({
  name: topShape.name,
  description: topShape.description,
  machine: topShape.machine,
  functions: topShape.functions,
  steps: z.array(z.unknown(), { error: got('a list of steps') }),
  schedule: topShape.schedule,
});

function stepJsonSchema(): z.ZodType {
  const forms: z.ZodType[] = [];
  const argless = STEP_KINDS.filter((k) => STEP_ARGS[k].safeParse({}).success);
  forms.push(z.enum(argless as [StepKind, ...StepKind[]]).meta({ description: 'a step without arguments' }));
  for (const k of STEP_KINDS) {
    const args = STEP_ARGS[k];
    forms.push(z.strictObject({ [k]: argless.includes(k) ? args.nullable() : args }));
  }
  for (const k of STEP_KINDS) forms.push(STEP_ARGS[k].extend({ kind: z.literal(k) }));
  return z.union(forms);
}

/** The JSON Schema (draft 2020-12) of a scenario file, for editors. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const full = z
    .strictObject({
      name: topShape.name,
      description: topShape.description,
      machine: topShape.machine,
      functions: topShape.functions,
      steps: z.array(stepJsonSchema()).meta({ description: 'what happens, in order' }),
      schedule: topShape.schedule,
    })
    .meta({
      title: 'irqlab scenario',
      description: 'An irqlab scenario: machine, zPCI functions and steps.',
    });
  const js = z.toJSONSchema(full, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  const { $schema, title, description, ...rest } = js;
  return { $schema, $id: 'https://irqlab.invalid/schemas/scenario.schema.json', title, description, ...rest };
}

// ---------------------------------------------------------------------------
// The normalized scenario (what loadScenario returns)

export interface Loc {
  readonly line: number;
  readonly column: number;
}

export interface Cpu {
  /** Logical CPU number (= index in machine.cpus). */
  readonly cpu: number;
  /** 16-bit CPU address. */
  readonly address: number;
  /** Online at boot. */
  readonly online: boolean;
}

export type Backend =
  | { readonly kind: 'legacy' }
  | { readonly kind: 'v1' }
  | { readonly kind: 'mainline' }
  | { readonly kind: 'domain'; readonly parentDomain: ParentDomain }
  /** A backend module; `path` as written, relative to the scenario file's directory. */
  | { readonly kind: 'module'; readonly path: string };

export interface MachineOptions {
  readonly floatingCpuSelection: (typeof FLOATING_CPU_SELECTIONS)[number];
  readonly summaryEdge: (typeof SUMMARY_EDGES)[number];
  readonly checkNoi: boolean;
  readonly disbIndex: (typeof DISB_INDEXES)[number];
  readonly directedFallback: readonly FallbackCondition[];
  readonly nrPciFunctions: number;
}

export interface Machine {
  /** Possible CPUs; index = logical number. */
  readonly cpus: readonly Cpu[];
  /** Logical CPUs online at boot, ascending (always contains 0). */
  readonly online: readonly number[];
  /** Effective delivery mode. */
  readonly delivery: DeliveryMode;
  readonly directedIrqFacility: boolean;
  readonly forceFloating: boolean;
  readonly aisFacility: boolean;
  readonly backend: Backend;
  readonly seed: number;
  readonly options: MachineOptions;
}

export interface ZpciFunctionSpec {
  readonly fid: number;
  readonly uid: number;
  readonly devfn: number;
  /** Topology id of a shared (multifunction) zbus, or null for a bus of its own. */
  readonly bus: number | null;
  /** CLP max_msi. */
  readonly maxMsi: number;
  /** Interrupt capability and its vector count (MSI: 1..32 power of two; MSI-X: 1..2048). */
  readonly irqType: 'msi' | 'msix';
  readonly vectors: number;
  /** Label: `name` or `fn<fid hex>` (e.g. fn0x10). */
  readonly name: string;
  readonly driver: string | null;
  readonly present: boolean;
  readonly loc: Loc;
}

export interface DeliveryExpectation {
  readonly handler: string;
  /**
   * Handler runs since the previous expect step. Exactly one of total / perCpu
   * is non-null; perCpu has one entry per possible CPU, null = not checked.
   */
  readonly total: number | null;
  readonly perCpu: readonly (number | null)[] | null;
}

interface StepBase {
  /** Index in scenario.steps. */
  readonly index: number;
  /** Position of the step in the file. */
  readonly loc: Loc;
}
type FidStep<K extends string> = StepBase & { readonly kind: K; readonly fid: number };

export type Step =
  | FidStep<'plug' | 'unplug' | 'enable' | 'disable' | 'error' | 'recover' | 'free_vectors'>
  | (FidStep<'bind'> & { readonly driver: string })
  | (FidStep<'unbind'> & { readonly cleanup: boolean })
  | (FidStep<'alloc'> & {
      readonly min: number;
      readonly max: number;
      readonly type: 'msi' | 'msix';
      readonly affinity: 'managed' | 'none';
      readonly preVectors: number;
      readonly postVectors: number;
    })
  | (FidStep<'request'> & {
      /** 'all' = every allocated vector; devnames are then `${name}-${vector}`. */
      readonly vector: number | 'all';
      readonly name: string;
      readonly handler: string;
      readonly shared: boolean;
      readonly returns: 'handled' | 'none';
    })
  | (FidStep<'free_irq'> & { readonly vector: number | 'all'; readonly handler: string | null })
  | (FidStep<'enable_irq' | 'disable_irq'> & { readonly vector: number })
  | (FidStep<'set_affinity'> & { readonly vector: number | 'all'; readonly cpus: readonly number[] })
  | (FidStep<'fire'> & { readonly vector: number | 'all'; readonly count: number })
  | (StepBase & { readonly kind: 'cpu_offline' | 'cpu_online'; readonly cpu: number })
  | (StepBase & { readonly kind: 'fault'; readonly point: string; readonly occurrence: number })
  | (StepBase & {
      readonly kind: 'snapshot';
      readonly view: SnapshotView;
      readonly irq: number | null;
      readonly fid: number | null;
      readonly vector: number | null;
      readonly label: string | null;
    })
  | (StepBase & { readonly kind: 'run'; readonly ns: number | null })
  | (StepBase & {
      readonly kind: 'expect';
      readonly deliveries: readonly DeliveryExpectation[] | null;
      readonly dropped: number | null;
      readonly pending: number | null;
      readonly rc: number | null;
      /** null = not checked; [] = none. */
      readonly findings: readonly FindingKind[] | null;
    })
  | (StepBase & { readonly kind: 'teardown' });

/** The step of one kind, e.g. `StepOf<'fire'>`. */
export type StepOf<K extends StepKind> = Extract<Step, { kind: K }>;

export interface Scenario {
  /** The file name given to loadScenario. */
  readonly file: string;
  /** `name`, or the file's base name without extension. */
  readonly name: string;
  readonly description: string;
  readonly machine: Machine;
  readonly functions: readonly ZpciFunctionSpec[];
  readonly steps: readonly Step[];
  readonly schedule: readonly number[];
}

// Compile-time check that Step covers every step kind.
type MissingStepKinds = Exclude<StepKind, Step['kind']>;
const stepKindsComplete: [MissingStepKinds] extends [never] ? true : MissingStepKinds = true;
void stepKindsComplete;

/** The committed file's exact text: 2-space JSON plus a final newline. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
