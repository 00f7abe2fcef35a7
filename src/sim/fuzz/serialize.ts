// SPDX-License-Identifier: GPL-2.0-only
/**
 * A normalized Scenario back to scenario-file YAML (docs/scenarios.md): what
 * loadScenario(scenarioToYaml(s)) turns into the same Scenario (up to `file`, step
 * `loc`s and `index`es). Defaults the loader would fill in are left out, so replays
 * read like hand-written scenarios. Steps are one flow mapping per line.
 */
import { errName } from '../../include/linux/errno.ts';
import {
  FALLBACK_CONDITIONS,
  type Machine,
  type Scenario,
  type Step,
  type ZpciFunctionSpec,
} from '../scenario/schema.ts';

const hex = (n: number): string => `0x${n.toString(16)}`;

/** A YAML-safe scalar: plain when the loader reads it back as the same string, else double-quoted. */
function str(s: string): string {
  return /^[A-Za-z_][\w.\-/]*$/.test(s) && !/^(true|false|null|yes|no|on|off|y|n|~)$/i.test(s)
    ? s
    : JSON.stringify(s);
}

function flow(pairs: [string, string | number | boolean | undefined][]): string {
  const parts = pairs.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${v}`);
  return `{${parts.join(', ')}}`;
}

function machineYaml(m: Machine): string {
  const lines: string[] = ['machine:'];
  const defaultAddrs = m.cpus.every((c, i) => c.address === 2 * i + 0x10);
  const allOnline = m.online.length === m.cpus.length;
  if (defaultAddrs) {
    lines.push(`  cpus: ${m.cpus.length}`);
    if (!allOnline) lines.push(`  online: [${m.online.join(', ')}]`);
  } else {
    lines.push('  cpus:');
    for (const c of m.cpus)
      lines.push(
        `    - ${flow([
          ['address', hex(c.address)],
          ['online', c.online ? undefined : false],
        ])}`,
      );
  }
  // delivery: say the effective mode; add the switches only where they are not what it implies.
  lines.push(`  delivery: ${m.delivery}`);
  const impliedDirq = m.delivery === 'directed';
  if (m.delivery === 'floating' && m.forceFloating) {
    lines.push(`  directedIrqFacility: ${m.directedIrqFacility}`);
    lines.push('  forceFloating: true');
  } else if (m.directedIrqFacility !== impliedDirq) {
    lines.push(`  directedIrqFacility: ${m.directedIrqFacility}`);
  }
  if (!m.aisFacility) lines.push('  aisFacility: false');
  const b = m.backend;
  lines.push(`  backend: ${b.kind === 'module' ? str(b.path) : b.kind}`);
  if (b.kind === 'domain') lines.push(`  parentDomain: ${b.parentDomain}`);
  lines.push(`  seed: ${m.seed}`);
  const o = m.options;
  const opts: string[] = [];
  if (o.floatingCpuSelection !== 'lowest') opts.push(`floatingCpuSelection: ${o.floatingCpuSelection}`);
  if (o.summaryEdge !== 'bit') opts.push(`summaryEdge: ${o.summaryEdge}`);
  if (o.checkNoi) opts.push('checkNoi: true');
  if (o.disbIndex !== 'logical') opts.push(`disbIndex: ${o.disbIndex}`);
  if (o.directedFallback.join(',') !== FALLBACK_CONDITIONS.join(',')) {
    opts.push(`directedFallback: [${o.directedFallback.join(', ')}]`);
  }
  if (o.nrPciFunctions !== 512) opts.push(`nrPciFunctions: ${o.nrPciFunctions}`);
  if (opts.length) lines.push(`  options: {${opts.join(', ')}}`);
  return `${lines.join('\n')}\n`;
}

function functionYaml(f: ZpciFunctionSpec): string {
  return `  - ${flow([
    ['fid', hex(f.fid)],
    ['uid', f.uid],
    ['devfn', f.devfn !== 0 ? f.devfn : undefined],
    ['bus', f.bus !== null ? f.bus : undefined],
    [f.irqType, f.vectors],
    ['maxMsi', f.maxMsi !== f.vectors ? f.maxMsi : undefined],
    ['name', f.name !== `fn${hex(f.fid)}` ? str(f.name) : undefined],
    ['driver', f.driver !== null ? str(f.driver) : undefined],
    ['present', f.present ? undefined : false],
  ])}\n`;
}

function stepYaml(st: Step, fns: ReadonlyMap<number, ZpciFunctionSpec>): string {
  const fn = 'fid' in st && st.fid !== null ? fns.get(st.fid) : undefined;
  const fid = 'fid' in st && st.fid !== null ? hex(st.fid) : undefined;
  switch (st.kind) {
    case 'plug':
    case 'unplug':
    case 'enable':
    case 'disable':
    case 'error':
    case 'recover':
    case 'free_vectors':
      return `${st.kind}: {fid: ${fid}}`;
    case 'bind':
      return `bind: ${flow([
        ['fid', fid],
        ['driver', st.driver !== (fn?.driver ?? 'irqlab-test') ? str(st.driver) : undefined],
      ])}`;
    case 'unbind':
      return `unbind: ${flow([
        ['fid', fid],
        ['cleanup', st.cleanup ? undefined : false],
      ])}`;
    case 'alloc': {
      const defMax = Math.max(st.min, fn?.vectors ?? st.max);
      return `alloc: ${flow([
        ['fid', fid],
        ['min', st.min !== 1 ? st.min : undefined],
        ['max', st.max !== defMax ? st.max : undefined],
        ['type', st.type !== fn?.irqType ? st.type : undefined],
        ['affinity', st.affinity !== 'none' ? st.affinity : undefined],
        ['preVectors', st.preVectors !== 0 ? st.preVectors : undefined],
        ['postVectors', st.postVectors !== 0 ? st.postVectors : undefined],
      ])}`;
    }
    case 'request': {
      const defName = st.vector === 'all' ? fn?.name : `${fn?.name}-${st.vector}`;
      return `request: ${flow([
        ['fid', fid],
        ['vector', st.vector],
        ['name', st.name !== defName ? str(st.name) : undefined],
        ['handler', st.handler !== st.name ? str(st.handler) : undefined],
        ['shared', st.shared ? true : undefined],
        ['returns', st.returns !== 'handled' ? st.returns : undefined],
      ])}`;
    }
    case 'free_irq':
      return `free_irq: ${flow([
        ['fid', fid],
        ['vector', st.vector],
        ['handler', st.handler !== null ? str(st.handler) : undefined],
      ])}`;
    case 'enable_irq':
    case 'disable_irq':
      return `${st.kind}: {fid: ${fid}, vector: ${st.vector}}`;
    case 'set_affinity':
      return `set_affinity: {fid: ${fid}, vector: ${st.vector}, cpus: [${st.cpus.join(', ')}]}`;
    case 'fire':
      return `fire: ${flow([
        ['fid', fid],
        ['vector', st.vector],
        ['count', st.count !== 1 ? st.count : undefined],
      ])}`;
    case 'cpu_offline':
    case 'cpu_online':
      return `${st.kind}: {cpu: ${st.cpu}}`;
    case 'fault':
      return `fault: ${flow([
        ['point', str(st.point)],
        ['occurrence', st.occurrence !== 1 ? st.occurrence : undefined],
      ])}`;
    case 'snapshot':
      return `snapshot: ${flow([
        ['view', st.view],
        ['irq', st.irq ?? undefined],
        ['fid', st.fid !== null ? hex(st.fid) : undefined],
        ['vector', st.vector ?? undefined],
        ['label', st.label !== null ? str(st.label) : undefined],
      ])}`;
    case 'run':
      return st.ns === null ? 'run' : `run: {ns: ${st.ns}}`;
    case 'expect': {
      const parts: [string, string | number | undefined][] = [];
      if (st.deliveries) {
        const ds = st.deliveries.map((d) => {
          if (d.total !== null) return `${str(d.handler)}: ${d.total}`;
          const per = (d.perCpu ?? []).flatMap((n, c) => (n === null ? [] : [`cpu${c}: ${n}`]));
          return `${str(d.handler)}: {${per.join(', ')}}`;
        });
        parts.push(['deliveries', `{${ds.join(', ')}}`]);
      }
      if (st.dropped !== null) parts.push(['dropped', st.dropped]);
      if (st.pending !== null) parts.push(['pending', st.pending]);
      if (st.rc !== null)
        parts.push(['rc', st.rc < 0 && errName(st.rc).startsWith('-E') ? errName(st.rc) : st.rc]);
      if (st.findings !== null)
        parts.push(['findings', st.findings.length === 0 ? 'none' : `[${st.findings.join(', ')}]`]);
      return `expect: ${flow(parts)}`;
    }
    case 'teardown':
      return 'teardown';
    default: {
      const never: never = st;
      return never;
    }
  }
}

/**
 * `key: >-` and the text wrapped at 100 columns: a folded block scalar joins the lines
 * with single spaces, so the text must be one paragraph without runs of spaces.
 */
function foldedBlock(key: string, text: string): string {
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > 98) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return `${key}: >-\n${lines.map((l) => `  ${l}\n`).join('')}`;
}

/**
 * The scenario as a YAML file. `comments` become `# ` lines at the top (seed, command,
 * finding). The description is written as a folded block.
 */
export function scenarioToYaml(s: Scenario, comments: readonly string[] = []): string {
  let out = '';
  for (const c of comments) out += `# ${c}\n`;
  out += `name: ${str(s.name)}\n`;
  if (s.description) out += foldedBlock('description', s.description);
  out += machineYaml(s.machine);
  const fns = new Map(s.functions.map((f) => [f.fid, f]));
  if (s.functions.length) {
    out += 'functions:\n';
    for (const f of s.functions) out += functionYaml(f);
  }
  out += s.steps.length ? 'steps:\n' : 'steps: []\n';
  for (const st of s.steps) out += `  - ${stepYaml(st, fns)}\n`;
  if (s.schedule.length) out += `schedule: [${s.schedule.join(', ')}]\n`;
  return out;
}
