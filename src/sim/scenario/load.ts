// SPDX-License-Identifier: GPL-2.0-only
/**
 * Loading a scenario: YAML (with node positions) -> shape check (zod, schema.ts)
 * -> cross-node checks and normalization. Every problem becomes a ScenarioError
 * with the line and column of the offending node; loadScenario never throws.
 *
 * Principle (docs/scenarios.md "What is checked where"): the loader rejects what
 * cannot be expressed to the model (unknown fids, vectors outside the device's
 * table, functions that are not plugged, CPUs that do not exist). Kernel API
 * misuse that the kernel itself detects (double free_irq, alloc twice, free
 * vectors with IRQs still requested) is allowed; the runner reports it.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type * as z from 'zod';
import { defaultCpuAddress } from '../../hw/s390x/cpu.ts';
import type { FindingKind } from '../findings.ts';
import {
  type DocPath,
  describeValue,
  didYouMean,
  displayPath,
  formatError,
  hex,
  type ScenarioError,
  sortErrors,
} from './errors.ts';
import {
  type Backend,
  BUILTIN_BACKENDS,
  type BuiltinBackend,
  type Cpu,
  type DeliveryExpectation,
  ERRNO_BY_NAME,
  FALLBACK_CONDITIONS,
  type FunctionSchema,
  IRQ_VIEWS,
  type Loc,
  type MachineSchema,
  RC_STEP_KINDS,
  type Scenario,
  ScenarioShapeSchema,
  STEP_ARGS,
  STEP_KINDS,
  type Step,
  type StepKind,
  TOP_KEYS,
  type ZpciFunctionSpec,
} from './schema.ts';

export interface LoadOptions {
  /** When given, `fault.point` must be one of these (e.g. from listFailurePoints()). */
  readonly knownFailurePoints?: ReadonlySet<string>;
}

export type LoadResult = { ok: true; scenario: Scenario } | { ok: false; errors: ScenarioError[] };

/** Parse and validate scenario text. Never throws. */
export function loadScenario(text: string, fileName: string, options: LoadOptions = {}): LoadResult {
  const file = typeof fileName === 'string' && fileName !== '' ? fileName : '<scenario>';
  try {
    if (typeof text !== 'string') {
      return { ok: false, errors: [{ file, line: 1, column: 1, message: 'scenario: expected YAML text' }] };
    }
    return new Loader(text, file, options).load();
  } catch (e) {
    // A bug in the loader, not in the file: still a message, never a stack trace.
    const msg = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      errors: [{ file, line: 1, column: 1, message: `internal error in the scenario loader: ${msg}` }],
    };
  }
}

/** Read a file and load it; I/O errors become a ScenarioError at 1:1. */
export function parseScenarioFile(path: string, options: LoadOptions = {}): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? 'unreadable');
    return {
      ok: false,
      errors: [{ file: path, line: 1, column: 1, message: `cannot read scenario file: ${why}` }],
    };
  }
  return loadScenario(text, path, options);
}

/** Load or throw an Error whose message lists the formatted errors (for tests and tools). */
export function loadScenarioOrThrow(text: string, fileName: string, options: LoadOptions = {}): Scenario {
  const r = loadScenario(text, fileName, options);
  if (r.ok) return r.scenario;
  throw new Error(r.errors.map(formatError).join('\n'));
}

// ---------------------------------------------------------------------------

type YNode = unknown;
type RawMachine = z.output<typeof MachineSchema>;
type RawFunction = z.output<typeof FunctionSchema>;
type Raw = Record<string, unknown>;

/** Where a step's arguments sit in the document and how to name them in messages. */
interface StepCtx {
  readonly index: number;
  readonly kind: StepKind;
  /** Document path of the args mapping (for node lookup). */
  readonly nodePath: DocPath;
  /** Display path prefix: steps[3].fire */
  readonly display: DocPath;
  readonly loc: Loc;
}

interface ParsedStep {
  readonly ctx: StepCtx;
  readonly args: Raw;
}

interface FnState {
  plugged: boolean;
  /** Why it is not plugged (for messages). */
  why: string;
  bound: { driver: string; at: number } | null;
  allocated: boolean;
  /** vector (or 'all') -> last handler requested there */
  lastHandler: Map<number | 'all', string>;
}

class Loader {
  private readonly lc = new LineCounter();
  private readonly errors: ScenarioError[] = [];
  private doc!: ReturnType<typeof parseDocument>;

  private readonly text: string;
  private readonly file: string;
  private readonly opts: LoadOptions;

  constructor(text: string, file: string, opts: LoadOptions) {
    this.text = text;
    this.file = file;
    this.opts = opts;
  }

  load(): LoadResult {
    this.doc = parseDocument(this.text, {
      lineCounter: this.lc,
      prettyErrors: false,
      uniqueKeys: true,
      strict: true,
      logLevel: 'error',
    });
    const yamlProblems = [...this.doc.errors, ...this.doc.warnings];
    if (yamlProblems.length > 0) {
      for (const e of yamlProblems) {
        const p = this.lc.linePos(e.pos[0]);
        const first =
          e.code === 'MULTIPLE_DOCS'
            ? 'a scenario file holds one YAML document; this is the start of a second one'
            : (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        this.errors.push({ file: this.file, line: p.line, column: p.col, message: `YAML: ${first}` });
      }
      return this.fail();
    }
    // Keys must be scalars: a list or mapping as a key would be stringified by toJS().
    visit(this.doc, {
      Pair: (_k, pair) => {
        if (pair.key !== null && !isScalar(pair.key)) {
          const p = this.posOf(pair.key) ?? { line: 1, column: 1 };
          this.errorLoc(p, 'YAML: a mapping key must be a plain value, not a list, mapping or alias');
        }
      },
    });
    if (this.errors.length > 0) return this.fail();
    let data: unknown;
    try {
      data = this.doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.errorLoc({ line: 1, column: 1 }, `YAML: ${msg}`);
      return this.fail();
    }
    if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data)) {
      this.errorAt(
        [],
        `expected a mapping with keys ${TOP_KEYS.join(', ')}, got ${describeValue(data)}`,
        'scenario',
      );
      return this.fail();
    }

    const shape = ScenarioShapeSchema.safeParse(data, { error: errorMap });
    if (!shape.success) this.addIssues(shape.error.issues, [], [], data);
    const top = data as Raw;

    // Steps: each one on its own so that one bad step does not hide the others.
    const parsed: (ParsedStep | undefined)[] = [];
    if (Array.isArray(top['steps'])) {
      top['steps'].forEach((s, i) => {
        parsed.push(this.parseStep(s, i));
      });
    }

    const machineOk = !this.errors.some((e) => e.message.startsWith('machine')) && isObj(top['machine']);
    const functionsOk = !this.errors.some((e) => e.message.startsWith('functions'));
    if (!machineOk || !functionsOk || !shape.success) return this.fail();

    const sd = shape.data;
    const machine = this.checkMachine(sd.machine);
    const functions = this.checkFunctions(sd.functions ?? []);
    if (this.errors.length > 0 || !machine) return this.fail();
    const steps = this.checkSteps(parsed, machine, functions);
    if (this.errors.length > 0) return this.fail();

    const name = sd.name ?? basename(this.file, extname(this.file));
    return {
      ok: true,
      scenario: {
        file: this.file,
        name,
        description: sd.description ?? '',
        machine,
        functions,
        steps,
        schedule: sd.schedule ?? [],
      },
    };
  }

  private fail(): LoadResult {
    return { ok: false, errors: sortErrors(this.errors) };
  }

  // ---- positions -----------------------------------------------------------

  /** Position of the node at `path` (or of the key when `key`), else of the deepest ancestor found. */
  private locate(path: DocPath, key = false): Loc {
    let node: YNode = this.doc.contents;
    let best: Loc = this.posOf(node) ?? { line: 1, column: 1 };
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
        );
        if (!pair) return best;
        const keyPos = this.posOf(pair.key);
        if (key && i === path.length - 1) return keyPos ?? best;
        const valPos = this.posOf(pair.value);
        const isEmpty = isScalar(pair.value) && pair.value.value === null && pair.value.source === '';
        if (!valPos || isEmpty) return keyPos ?? best;
        best = valPos;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item: YNode = node.items[seg];
        const p = this.posOf(item);
        if (!p) return best;
        best = p;
        node = item;
      } else {
        return best;
      }
    }
    return best;
  }

  private posOf(node: YNode): Loc | undefined {
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (!range) return undefined;
    const p = this.lc.linePos(range[0]);
    return { line: p.line, column: p.col };
  }

  private errorAt(path: DocPath, message: string, display?: string, key = false): void {
    this.errorLoc(this.locate(path, key), `${display ?? displayPath(path)}: ${message}`);
  }

  private errorLoc(loc: Loc, message: string): void {
    this.errors.push({ file: this.file, line: loc.line, column: loc.column, message });
  }

  /** Error on a step field: `steps[3].fire.vector: ...`. */
  private stepError(ctx: StepCtx, field: DocPath, message: string, key = false): void {
    this.errorLoc(
      this.locate([...ctx.nodePath, ...field], key),
      `${displayPath([...ctx.display, ...field])}: ${message}`,
    );
  }

  /** Turn zod issues into located errors. `nodeBase`: document path of the validated value. */
  private addIssues(
    issues: readonly z.core.$ZodIssue[],
    nodeBase: DocPath,
    displayBase: DocPath,
    data: unknown,
  ): void {
    for (const iss of issues) {
      const path = iss.path.filter((s): s is string | number => typeof s !== 'symbol');
      if (iss.code === 'invalid_union') {
        const branch = pickUnionBranch(iss.errors);
        if (branch) {
          this.addIssues(
            branch.map((b) => ({ ...b, path: [...path, ...b.path] })),
            nodeBase,
            displayBase,
            data,
          );
          continue;
        }
      }
      if (iss.code === 'invalid_key') {
        // A record key that fails its own schema (deliveries: {handler: {core0: 1}}).
        const key = path[path.length - 1];
        const inner = iss.issues[0]?.message ?? iss.message;
        this.errorAt(
          [...nodeBase, ...path],
          inner,
          displayPath([...displayBase, ...path]),
          typeof key === 'string',
        );
        continue;
      }
      if (iss.code === 'unrecognized_keys') {
        const allowed = iss.message.split(', ').filter((k) => k !== '');
        for (const k of iss.keys) {
          const shown = /^[\w.@:-]{1,40}$/.test(k) ? `'${k}'` : describeValue(k);
          this.errorAt(
            [...nodeBase, ...path, k],
            `unknown key ${shown}${didYouMean(k, allowed)}; allowed keys: ${allowed.join(', ')}`,
            displayPath([...displayBase, ...path]),
            true,
          );
        }
        continue;
      }
      const last = path[path.length - 1];
      if (
        typeof last === 'string' &&
        getIn(data, path) === undefined &&
        isObj(getIn(data, path.slice(0, -1)))
      ) {
        const parent = path.slice(0, -1);
        this.errorAt(
          [...nodeBase, ...parent],
          `missing required key '${last}'`,
          displayPath([...displayBase, ...parent]),
        );
        continue;
      }
      this.errorAt([...nodeBase, ...path], iss.message, displayPath([...displayBase, ...path]));
    }
  }

  // ---- steps: shape ----------------------------------------------------------

  private parseStep(raw: unknown, i: number): ParsedStep | undefined {
    const stepPath: DocPath = ['steps', i];
    const loc = this.locate(stepPath);
    const kinds = STEP_KINDS as readonly string[];
    let kind: string;
    let args: unknown;
    let nodePath: DocPath;
    if (typeof raw === 'string') {
      kind = raw;
      args = {};
      nodePath = stepPath;
    } else if (isObj(raw)) {
      const keys = Object.keys(raw);
      if ('kind' in raw) {
        const k = raw['kind'];
        if (typeof k !== 'string') {
          this.errorAt(
            [...stepPath, 'kind'],
            `expected a step kind (${kinds.join(', ')}), got ${describeValue(k)}`,
          );
          return undefined;
        }
        kind = k;
        const { kind: _drop, ...rest } = raw;
        args = rest;
        nodePath = stepPath;
        if (!kinds.includes(kind)) {
          this.errorAt([...stepPath, 'kind'], unknownKind(kind));
          return undefined;
        }
      } else if (keys.length === 1) {
        kind = keys[0]!;
        args = raw[kind] ?? {};
        nodePath = [...stepPath, kind];
        if (!kinds.includes(kind)) {
          this.errorAt([...stepPath, kind], unknownKind(kind), displayPath(stepPath), true);
          return undefined;
        }
      } else {
        this.errorAt(
          stepPath,
          keys.length === 0
            ? 'empty step; a step is a mapping with one key, the step kind (e.g. fire: {fid: 0x10, vector: 0})'
            : `a step is a mapping with one key, the step kind, or has a 'kind' key; got ${keys.length} keys: ${keys.join(', ')}`,
        );
        return undefined;
      }
    } else {
      this.errorAt(
        stepPath,
        `expected a step (a mapping like fire: {fid: 0x10, vector: 0}), got ${describeValue(raw)}`,
      );
      return undefined;
    }
    if (!kinds.includes(kind)) {
      this.errorAt(stepPath, unknownKind(kind));
      return undefined;
    }
    const k = kind as StepKind;
    const display: DocPath = [...stepPath, k];
    const r = STEP_ARGS[k].safeParse(args, { error: errorMap });
    if (!r.success) {
      this.addIssues(r.error.issues, nodePath, display, args);
      return undefined;
    }
    return { ctx: { index: i, kind: k, nodePath, display, loc }, args: r.data as Raw };
  }

  // ---- machine ---------------------------------------------------------------

  private checkMachine(m: RawMachine) {
    const M = ['machine'] as const;
    const cpus: Cpu[] = [];
    let perEntryOnline = false;
    if (typeof m.cpus === 'number') {
      for (let c = 0; c < m.cpus; c++) cpus.push({ cpu: c, address: defaultCpuAddress(c), online: true });
    } else {
      if (m.cpus.length === 0) this.errorAt([...M, 'cpus'], 'expected at least one CPU, got an empty list');
      if (m.cpus.length > 512) {
        this.errorAt([...M, 'cpus'], `expected at most 512 CPUs (NR_CPUS), got ${m.cpus.length}`);
      }
      const byAddr = new Map<number, number>();
      m.cpus.forEach((e, i) => {
        if (e.cpu !== undefined && e.cpu !== i) {
          this.errorAt(
            [...M, 'cpus', i, 'cpu'],
            `expected ${i} (logical CPU numbers are dense: entry ${i} is cpu ${i}), got ${e.cpu}`,
          );
        }
        const prev = byAddr.get(e.address);
        if (prev !== undefined) {
          this.errorAt(
            [...M, 'cpus', i, 'address'],
            `duplicate CPU address ${hex(e.address)} (also machine.cpus[${prev}])`,
          );
        } else byAddr.set(e.address, i);
        if (e.online !== undefined) perEntryOnline = true;
        cpus.push({ cpu: i, address: e.address, online: e.online ?? true });
      });
    }
    const n = cpus.length;

    // online
    let online: Set<number>;
    if (m.online !== undefined) {
      if (perEntryOnline) {
        this.errorAt(
          [...M, 'online'],
          'give the online CPUs either here or as online: in the machine.cpus entries, not both',
        );
      }
      online = new Set();
      m.online.forEach((c, j) => {
        if (c >= n) this.errorAt([...M, 'online', j], cpuRange(n, c));
        else if (online.has(c)) this.errorAt([...M, 'online', j], `cpu ${c} is listed twice`);
        else online.add(c);
      });
    } else {
      online = new Set(cpus.filter((c) => c.online).map((c) => c.cpu));
    }
    if (n > 0 && !online.has(0)) {
      const where: DocPath =
        m.online !== undefined
          ? [...M, 'online']
          : perEntryOnline
            ? [...M, 'cpus', 0, 'online']
            : [...M, 'cpus'];
      this.errorAt(where, 'the boot CPU 0 must be online');
    }
    const cpusOut = cpus.map((c) => ({ ...c, online: online.has(c.cpu) }));

    // delivery and facilities
    const dirq = m.directedIrqFacility;
    const ff = m.forceFloating;
    if (m.delivery === 'directed') {
      if (dirq === false) {
        this.errorAt([...M, 'delivery'], 'directed delivery needs directedIrqFacility: true (it is false)');
      }
      if (ff === true) this.errorAt([...M, 'delivery'], 'directed delivery contradicts forceFloating: true');
    } else if (m.delivery === 'floating' && dirq === true && ff !== true) {
      this.errorAt(
        [...M, 'delivery'],
        'floating delivery with directedIrqFacility: true needs forceFloating: true (or directedIrqFacility: false)',
      );
    }
    const directedIrqFacility = dirq ?? !(m.delivery === 'floating' && ff !== true);
    const forceFloating = ff ?? false;
    const delivery = directedIrqFacility && !forceFloating ? 'directed' : 'floating';

    // backend
    const b = m.backend ?? 'mainline';
    let backend: Backend;
    if ((BUILTIN_BACKENDS as readonly string[]).includes(b)) {
      const name = b as BuiltinBackend;
      backend =
        name === 'domain' ? { kind: 'domain', parentDomain: m.parentDomain ?? 'global' } : { kind: name };
    } else {
      backend = { kind: 'module', path: b };
    }
    if (m.parentDomain !== undefined && backend.kind !== 'domain') {
      this.errorAt([...M, 'parentDomain'], `only valid with backend: domain (backend is ${b})`);
    }

    const o = m.options ?? {};
    if (o.directedFallback) {
      const seen = new Set<string>();
      o.directedFallback.forEach((c, j) => {
        if (seen.has(c)) this.errorAt([...M, 'options', 'directedFallback', j], `'${c}' is listed twice`);
        seen.add(c);
      });
    }
    if (cpus.length === 0) return undefined;
    return {
      cpus: cpusOut,
      online: [...online].sort((a, b2) => a - b2),
      delivery,
      directedIrqFacility,
      forceFloating,
      aisFacility: m.aisFacility ?? true,
      backend,
      seed: m.seed ?? 1,
      options: {
        floatingCpuSelection: o.floatingCpuSelection ?? 'lowest',
        summaryEdge: o.summaryEdge ?? 'bit',
        checkNoi: o.checkNoi ?? false,
        disbIndex: o.disbIndex ?? 'logical',
        directedFallback: o.directedFallback ? [...new Set(o.directedFallback)] : [...FALLBACK_CONDITIONS],
        nrPciFunctions: o.nrPciFunctions ?? 512,
      },
    } as const;
  }

  // ---- functions ---------------------------------------------------------------

  private checkFunctions(list: readonly RawFunction[]): ZpciFunctionSpec[] {
    const out: ZpciFunctionSpec[] = [];
    const byFid = new Map<number, number>();
    const byUid = new Map<number, number>();
    const bySlot = new Map<string, number>();
    list.forEach((f, i) => {
      const P: DocPath = ['functions', i];
      const fid = fidValue(f.fid);
      const prevFid = byFid.get(fid);
      if (prevFid !== undefined)
        this.errorAt([...P, 'fid'], `duplicate fid ${hex(fid)} (also functions[${prevFid}])`);
      else byFid.set(fid, i);
      const prevUid = byUid.get(f.uid);
      if (prevUid !== undefined) {
        this.errorAt(
          [...P, 'uid'],
          `duplicate uid ${f.uid} (also functions[${prevUid}]); zPCI UIDs must be unique`,
        );
      } else byUid.set(f.uid, i);
      if (f.msi !== undefined && f.msix !== undefined) {
        this.errorAt([...P, 'msix'], 'give either msi or msix, not both', undefined, true);
      } else if (f.msi === undefined && f.msix === undefined) {
        this.errorAt(P, 'missing msi or msix (the MSI vector count or the MSI-X table size)');
      }
      const devfn = f.devfn ?? 0;
      if (f.bus !== undefined) {
        const slot = `${f.bus}:${devfn}`;
        const prev = bySlot.get(slot);
        if (prev !== undefined) {
          const other = list[prev];
          this.errorAt(
            f.devfn !== undefined ? [...P, 'devfn'] : [...P, 'bus'],
            `devfn ${devfn} on bus ${f.bus} is already used by functions[${prev}] (fid ${hex(fidValue(other!.fid))})`,
          );
        } else bySlot.set(slot, i);
      }
      const irqType = f.msix !== undefined ? 'msix' : 'msi';
      const vectors = f.msix ?? f.msi ?? 1;
      out.push({
        fid,
        uid: f.uid,
        devfn,
        bus: f.bus ?? null,
        maxMsi: f.maxMsi ?? vectors,
        irqType,
        vectors,
        name: f.name ?? `fn${hex(fid)}`,
        driver: f.driver ?? null,
        present: f.present ?? true,
        loc: this.locate(P),
      });
    });
    return out;
  }

  // ---- steps: meaning ------------------------------------------------------------

  private checkSteps(
    parsed: readonly (ParsedStep | undefined)[],
    machine: NonNullable<ReturnType<Loader['checkMachine']>>,
    functions: readonly ZpciFunctionSpec[],
  ): Step[] {
    const fns = new Map<number, ZpciFunctionSpec>();
    const state = new Map<number, FnState>();
    for (const f of functions) {
      fns.set(f.fid, f);
      state.set(f.fid, {
        plugged: f.present,
        why: 'it has present: false and no plug step before this one',
        bound: null,
        allocated: false,
        lastHandler: new Map(),
      });
    }
    const nCpus = machine.cpus.length;
    const online = new Set(machine.online);
    const handlers = new Set<string>();
    const steps: Step[] = [];
    const fidList = functions.map((f) => hex(f.fid)).join(', ');

    /** Resolve args.fid; reports unknown fids and, unless `plugging`, unplugged functions. */
    const fnOf = (
      ctx: StepCtx,
      raw: unknown,
      field: DocPath = ['fid'],
    ): { f: ZpciFunctionSpec; s: FnState } | undefined => {
      const fid = fidValue(raw as number | string);
      const f = fns.get(fid);
      const s = state.get(fid);
      if (!f || !s) {
        this.stepError(
          ctx,
          field,
          functions.length === 0
            ? `no function with fid ${hex(fid)} (the scenario has no functions)`
            : `no function with fid ${hex(fid)} (functions: ${fidList})`,
        );
        return undefined;
      }
      if (ctx.kind !== 'plug' && !s.plugged) {
        this.stepError(ctx, field, `function ${hex(fid)} is not plugged: ${s.why}`);
        return undefined;
      }
      return { f, s };
    };
    const vectorOk = (ctx: StepCtx, f: ZpciFunctionSpec, v: number, field: DocPath = ['vector']): boolean => {
      if (v < f.vectors) return true;
      const what = f.irqType === 'msix' ? 'MSI-X' : 'MSI';
      this.stepError(
        ctx,
        field,
        `expected an integer between 0 and ${f.vectors - 1} (function ${hex(f.fid)} has ${f.vectors} ${what} vector${f.vectors === 1 ? '' : 's'}), got ${v}`,
      );
      return false;
    };
    const cpuOk = (ctx: StepCtx, field: DocPath, c: number): boolean => {
      if (c < nCpus) return true;
      this.stepError(ctx, field, cpuRange(nCpus, c));
      return false;
    };
    const unplug = (s: FnState, why: string): void => {
      s.plugged = false;
      s.why = why;
      s.bound = null;
      s.allocated = false;
      s.lastHandler.clear();
    };

    let prevKind: { kind: StepKind; index: number } | undefined;
    for (const p of parsed) {
      if (!p) {
        prevKind = undefined;
        continue;
      }
      const { ctx, args: a } = p;
      const base = { index: ctx.index, loc: ctx.loc };
      const before = this.errors.length;
      let step: Step | undefined;
      switch (ctx.kind) {
        case 'plug': {
          const r = fnOf(ctx, a['fid']);
          if (r?.s.plugged) {
            this.stepError(ctx, ['fid'], `function ${hex(r.f.fid)} is already plugged`);
          } else if (r) r.s.plugged = true;
          if (r) step = { ...base, kind: 'plug', fid: r.f.fid };
          break;
        }
        case 'unplug':
        case 'enable':
        case 'disable':
        case 'error':
        case 'recover':
        case 'free_vectors': {
          const r = fnOf(ctx, a['fid']);
          if (!r) break;
          if (ctx.kind === 'unplug') unplug(r.s, `it was unplugged at steps[${ctx.index}]`);
          if (ctx.kind === 'free_vectors') {
            r.s.allocated = false;
            r.s.lastHandler.clear();
          }
          step = { ...base, kind: ctx.kind, fid: r.f.fid };
          break;
        }
        case 'bind': {
          const r = fnOf(ctx, a['fid']);
          if (!r) break;
          if (r.s.bound) {
            this.stepError(
              ctx,
              ['fid'],
              `function ${hex(r.f.fid)} already has driver '${r.s.bound.driver}' bound (steps[${r.s.bound.at}])`,
            );
            break;
          }
          const driver = (a['driver'] as string | undefined) ?? r.f.driver ?? 'irqlab-test';
          r.s.bound = { driver, at: ctx.index };
          step = { ...base, kind: 'bind', fid: r.f.fid, driver };
          break;
        }
        case 'unbind': {
          const r = fnOf(ctx, a['fid']);
          if (!r) break;
          if (!r.s.bound) {
            this.stepError(ctx, ['fid'], `function ${hex(r.f.fid)} has no driver bound`);
            break;
          }
          const cleanup = (a['cleanup'] as boolean | undefined) ?? true;
          r.s.bound = null;
          if (cleanup) {
            r.s.allocated = false;
            r.s.lastHandler.clear();
          }
          step = { ...base, kind: 'unbind', fid: r.f.fid, cleanup };
          break;
        }
        case 'alloc': {
          const r = fnOf(ctx, a['fid']);
          if (!r) break;
          const f = r.f;
          const type = (a['type'] as 'msi' | 'msix' | undefined) ?? f.irqType;
          if (type !== f.irqType) {
            const has =
              f.irqType === 'msix' ? `MSI-X with ${f.vectors} vectors` : `MSI with ${f.vectors} vectors`;
            this.stepError(
              ctx,
              ['type'],
              `function ${hex(f.fid)} has no ${type === 'msix' ? 'MSI-X' : 'MSI'} capability (it has ${has})`,
            );
          }
          const min = (a['min'] as number | undefined) ?? 1;
          const maxRaw = a['max'] as number | undefined;
          if (maxRaw !== undefined && maxRaw < min) {
            this.stepError(ctx, ['max'], `expected max >= min (${min}), got ${maxRaw}`);
          }
          const max = maxRaw ?? Math.max(min, f.vectors);
          const affinity = (a['affinity'] as 'managed' | 'none' | undefined) ?? 'none';
          for (const k of ['preVectors', 'postVectors'] as const) {
            if (a[k] !== undefined && affinity !== 'managed') {
              this.stepError(ctx, [k], 'only valid with affinity: managed', true);
            }
          }
          r.s.allocated = true;
          step = {
            ...base,
            kind: 'alloc',
            fid: f.fid,
            min,
            max,
            type,
            affinity,
            preVectors: (a['preVectors'] as number | undefined) ?? 0,
            postVectors: (a['postVectors'] as number | undefined) ?? 0,
          };
          break;
        }
        case 'request': {
          const r = fnOf(ctx, a['fid']);
          if (!r) break;
          const v = a['vector'] as number | 'all';
          if (v !== 'all' && !vectorOk(ctx, r.f, v)) break;
          if (!r.s.allocated) {
            this.stepError(
              ctx,
              ['vector'],
              `function ${hex(r.f.fid)} has no IRQ vectors allocated (request needs an earlier alloc step)`,
            );
            break;
          }
          const name = (a['name'] as string | undefined) ?? (v === 'all' ? r.f.name : `${r.f.name}-${v}`);
          const handler = (a['handler'] as string | undefined) ?? name;
          handlers.add(handler);
          r.s.lastHandler.set(v, handler);
          step = {
            ...base,
            kind: 'request',
            fid: r.f.fid,
            vector: v,
            name,
            handler,
            shared: (a['shared'] as boolean | undefined) ?? false,
            returns: (a['returns'] as 'handled' | 'none' | undefined) ?? 'handled',
          };
          break;
        }
        case 'free_irq': {
          const r = fnOf(ctx, a['fid']);
          if (!r) break;
          const v = a['vector'] as number | 'all';
          if (v !== 'all' && !vectorOk(ctx, r.f, v)) break;
          const h = a['handler'] as string | undefined;
          if (h !== undefined && !handlers.has(h)) {
            this.stepError(ctx, ['handler'], unknownHandler(h, handlers));
            break;
          }
          const handler = h ?? r.s.lastHandler.get(v) ?? r.s.lastHandler.get('all') ?? null;
          if (handler !== null && r.s.lastHandler.get(v) === handler) r.s.lastHandler.delete(v);
          step = { ...base, kind: 'free_irq', fid: r.f.fid, vector: v, handler };
          break;
        }
        case 'enable_irq':
        case 'disable_irq': {
          const r = fnOf(ctx, a['fid']);
          if (!r) break;
          const v = a['vector'] as number;
          if (!vectorOk(ctx, r.f, v)) break;
          step = { ...base, kind: ctx.kind, fid: r.f.fid, vector: v };
          break;
        }
        case 'set_affinity': {
          const r = fnOf(ctx, a['fid']);
          if (!r) break;
          const v = a['vector'] as number | 'all';
          if (v !== 'all') vectorOk(ctx, r.f, v);
          const list = a['cpus'] as number[];
          if (list.length === 0)
            this.stepError(ctx, ['cpus'], 'expected a non-empty list of CPUs, got an empty list');
          list.forEach((c, j) => {
            cpuOk(ctx, ['cpus', j], c);
          });
          step = {
            ...base,
            kind: 'set_affinity',
            fid: r.f.fid,
            vector: v,
            // A spread keeps the order given; one mask is a set.
            cpus: v === 'all' ? list : [...new Set(list)].sort((x, y) => x - y),
          };
          break;
        }
        case 'fire': {
          const r = fnOf(ctx, a['fid']);
          if (!r) break;
          const v = a['vector'] as number | 'all';
          if (v !== 'all' && !vectorOk(ctx, r.f, v)) break;
          step = {
            ...base,
            kind: 'fire',
            fid: r.f.fid,
            vector: v,
            count: (a['count'] as number | undefined) ?? 1,
          };
          break;
        }
        case 'cpu_offline':
        case 'cpu_online': {
          const c = a['cpu'] as number;
          if (!cpuOk(ctx, ['cpu'], c)) break;
          if (ctx.kind === 'cpu_offline') {
            if (!online.has(c)) this.stepError(ctx, ['cpu'], `cpu ${c} is already offline`);
            else if (online.size === 1) {
              this.stepError(ctx, ['cpu'], `cannot offline cpu ${c}: it is the last online CPU`);
            } else online.delete(c);
          } else if (online.has(c)) this.stepError(ctx, ['cpu'], `cpu ${c} is already online`);
          else online.add(c);
          step = { ...base, kind: ctx.kind, cpu: c };
          break;
        }
        case 'fault': {
          const point = a['point'] as string;
          const known = this.opts.knownFailurePoints;
          if (known && !known.has(point)) {
            this.stepError(ctx, ['point'], `unknown failure point '${point}'${didYouMean(point, known)}`);
          }
          step = { ...base, kind: 'fault', point, occurrence: (a['occurrence'] as number | undefined) ?? 1 };
          break;
        }
        case 'snapshot':
          step = this.checkSnapshot(ctx, a, base, fnOf, vectorOk);
          break;
        case 'run':
          step = { ...base, kind: 'run', ns: (a['ns'] as number | undefined) ?? null };
          break;
        case 'expect':
          step = this.checkExpect(ctx, a, base, prevKind, handlers, nCpus);
          break;
        case 'teardown':
          for (const s of state.values()) {
            if (s.plugged) unplug(s, `it was removed by teardown at steps[${ctx.index}]`);
          }
          step = { ...base, kind: 'teardown' };
          break;
      }
      if (step && this.errors.length === before) steps.push(step);
      prevKind = { kind: ctx.kind, index: ctx.index };
    }
    return steps;
  }

  private checkSnapshot(
    ctx: StepCtx,
    a: Raw,
    base: { index: number; loc: Loc },
    fnOf: (ctx: StepCtx, raw: unknown) => { f: ZpciFunctionSpec; s: FnState } | undefined,
    vectorOk: (ctx: StepCtx, f: ZpciFunctionSpec, v: number) => boolean,
  ): Step | undefined {
    const view = a['view'] as (typeof IRQ_VIEWS)[number];
    const irq = a['irq'] as number | undefined;
    const fidRaw = a['fid'];
    const vector = a['vector'] as number | undefined;
    const before = this.errors.length;
    if (IRQ_VIEWS.includes(view)) {
      if (irq !== undefined && (fidRaw !== undefined || vector !== undefined)) {
        this.stepError(ctx, ['irq'], 'give either irq or fid and vector, not both', true);
      } else if (irq === undefined && (fidRaw === undefined || vector === undefined)) {
        this.stepError(ctx, [], `view ${view} shows one IRQ: give irq, or fid and vector`);
      }
    } else if (view === 'msi_irqs') {
      if (fidRaw === undefined) this.stepError(ctx, [], 'view msi_irqs needs fid');
      for (const k of ['irq', 'vector'] as const) {
        if (a[k] !== undefined) this.stepError(ctx, [k], `view msi_irqs takes no ${k}`, true);
      }
    } else {
      for (const k of ['irq', 'fid', 'vector'] as const) {
        if (a[k] !== undefined) this.stepError(ctx, [k], `view ${view} takes no ${k}`, true);
      }
    }
    let fid: number | null = null;
    if (fidRaw !== undefined && this.errors.length === before) {
      const r = fnOf(ctx, fidRaw);
      if (r) {
        fid = r.f.fid;
        if (vector !== undefined) vectorOk(ctx, r.f, vector);
      }
    }
    return {
      ...base,
      kind: 'snapshot',
      view,
      irq: irq ?? null,
      fid,
      vector: vector ?? null,
      label: (a['label'] as string | undefined) ?? null,
    };
  }

  private checkExpect(
    ctx: StepCtx,
    a: Raw,
    base: { index: number; loc: Loc },
    prev: { kind: StepKind; index: number } | undefined,
    handlers: ReadonlySet<string>,
    nCpus: number,
  ): Step {
    const keys = ['deliveries', 'dropped', 'pending', 'rc', 'findings'];
    if (!keys.some((k) => a[k] !== undefined)) {
      this.stepError(ctx, [], `expected at least one of ${keys.join(', ')}`);
    }
    let deliveries: DeliveryExpectation[] | null = null;
    const d = a['deliveries'] as Record<string, number | Record<string, number>> | undefined;
    if (d !== undefined) {
      deliveries = [];
      for (const [h, v] of Object.entries(d)) {
        if (!handlers.has(h)) {
          this.stepError(ctx, ['deliveries', h], unknownHandler(h, handlers), true);
          continue;
        }
        if (typeof v === 'number') {
          deliveries.push({ handler: h, total: v, perCpu: null });
          continue;
        }
        const perCpu = new Array<number | null>(nCpus).fill(null);
        for (const [ck, count] of Object.entries(v)) {
          const c = Number(ck.slice(3));
          if (c >= nCpus) {
            this.stepError(
              ctx,
              ['deliveries', h, ck],
              `no CPU ${c} (the machine has CPUs 0-${nCpus - 1})`,
              true,
            );
          } else perCpu[c] = count;
        }
        deliveries.push({ handler: h, total: null, perCpu });
      }
    }
    let rc: number | null = null;
    const rcRaw = a['rc'] as number | string | undefined;
    if (rcRaw !== undefined) {
      if (typeof rcRaw === 'string') {
        const n = ERRNO_BY_NAME.get(rcRaw);
        if (n === undefined) {
          this.stepError(
            ctx,
            ['rc'],
            `unknown errno name '${rcRaw}'${didYouMean(rcRaw, ERRNO_BY_NAME.keys())}; give a number or a name from src/include/linux/errno.ts`,
          );
        } else rc = n;
      } else rc = rcRaw;
      if (!prev) {
        this.stepError(
          ctx,
          ['rc'],
          ctx.index === 0
            ? 'rc checks the return code of the previous step, and this is the first step'
            : 'rc checks the return code of the previous step, which is not valid',
        );
      } else if (!RC_STEP_KINDS.has(prev.kind)) {
        this.stepError(
          ctx,
          ['rc'],
          `the previous step (steps[${prev.index}], ${prev.kind}) returns no code; rc can follow ${[...RC_STEP_KINDS].join(', ')}`,
        );
      }
    }
    const f = a['findings'] as 'none' | FindingKind[] | undefined;
    return {
      ...base,
      kind: 'expect',
      deliveries,
      dropped: (a['dropped'] as number | undefined) ?? null,
      pending: (a['pending'] as number | undefined) ?? null,
      rc,
      findings: f === undefined ? null : f === 'none' ? [] : [...f],
    };
  }
}

// ---------------------------------------------------------------------------

function isObj(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function getIn(data: unknown, path: DocPath): unknown {
  let cur: unknown = data;
  for (const seg of path) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
    else if (isObj(cur) && Object.hasOwn(cur, String(seg))) cur = cur[String(seg)];
    else return undefined;
  }
  return cur;
}

function fidValue(v: number | string): number {
  return typeof v === 'number' ? v : Number.parseInt(v.slice(2), 16);
}

function cpuRange(n: number, c: number): string {
  return `expected a CPU number between 0 and ${n - 1} (the machine has ${n} possible CPU${n === 1 ? '' : 's'}), got ${c}`;
}

function unknownKind(kind: string): string {
  return `unknown step kind '${kind}'${didYouMean(kind, STEP_KINDS)}; step kinds: ${STEP_KINDS.join(', ')}`;
}

function unknownHandler(h: string, known: ReadonlySet<string>): string {
  const list = known.size === 0 ? 'none yet' : [...known].join(', ');
  return `no handler '${h}' was requested before this step${didYouMean(h, known)}; known handlers: ${list}`;
}

/**
 * Of a union's failed branches, the one the author evidently meant: the only
 * branch whose issues are all below the union's own value (e.g. a list entry)
 * and that did not reject the value's type outright. undefined = use the
 * union's own message.
 */
function pickUnionBranch(branches: readonly (readonly z.core.$ZodIssue[])[]): z.core.$ZodIssue[] | undefined {
  const candidates = branches.filter(
    (b) => !b.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value')),
  );
  if (candidates.length !== 1) return undefined;
  const b = candidates[0]!;
  if (b.every((i) => i.path.length === 0)) return undefined;
  return [...b];
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  null: 'an empty value',
};

/** Generic wording for issues whose schema has no message of its own. */
function errorMap(iss: z.core.$ZodRawIssue): string {
  const input = (iss as { input?: unknown }).input;
  switch (iss.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[iss.expected] ?? iss.expected}, got ${describeValue(input)}`;
    case 'invalid_value':
      return `expected one of ${iss.values.map((v) => String(v)).join(', ')}, got ${describeValue(input)}`;
    case 'unrecognized_keys': {
      // Carry the allowed keys to addIssues, which words the message.
      const shape = (iss.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod
        ?.def?.shape;
      return Object.keys(shape ?? {}).join(', ');
    }
    case 'too_small':
      return `expected at least ${String(iss.minimum)}, got ${describeValue(input)}`;
    case 'too_big':
      return `expected at most ${String(iss.maximum)}, got ${describeValue(input)}`;
    case 'invalid_key':
      return `invalid key ${describeValue(input)}`;
    default:
      return `invalid value ${describeValue(input)}`;
  }
}
