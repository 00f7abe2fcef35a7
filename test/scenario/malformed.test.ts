// SPDX-License-Identifier: GPL-2.0-only
// Every file in test/scenario/malformed/ with the exact messages the loader gives for it.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatError, loadScenario } from '../../src/sim/scenario/index.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'malformed');
/** Stand-in for listFailurePoints(): only fault-unknown-point.yaml depends on it. */
const knownFailurePoints = new Set(['irq_alloc_descs', 'msi_domain_alloc', 'airq_iv_create']);

const expected: Record<string, string[]> = {
  'alias-bomb.yaml': [
    'malformed/alias-bomb.yaml:1:1: YAML: Excessive alias count indicates a resource exhaustion attack',
  ],
  'alloc-min-above-max.yaml': [
    'malformed/alloc-min-above-max.yaml:7:37: steps[0].alloc.max: expected max >= min (8), got 4',
  ],
  'alloc-pre-vectors-unmanaged.yaml': [
    'malformed/alloc-pre-vectors-unmanaged.yaml:7:24: steps[0].alloc.preVectors: only valid with affinity: managed',
  ],
  'alloc-type-mismatch.yaml': [
    'malformed/alloc-type-mismatch.yaml:7:30: steps[0].alloc.type: function 0x10 has no MSI capability (it has MSI-X with 64 vectors)',
  ],
  'backend-unknown.yaml': [
    'malformed/backend-unknown.yaml:3:12: machine.backend: expected one of legacy, v1, mainline, domain or a path ending in .js or .mjs, got "upstream"',
  ],
  'bind-twice.yaml': [
    "malformed/bind-twice.yaml:8:17: steps[1].bind.fid: function 0x10 already has driver 'mlx5_core' bound (steps[0])",
  ],
  'cpu-address-duplicate.yaml': [
    'malformed/cpu-address-duplicate.yaml:5:25: machine.cpus[2].address: duplicate CPU address 0x10 (also machine.cpus[0])',
  ],
  'cpu-address-too-big.yaml': [
    'malformed/cpu-address-too-big.yaml:4:17: machine.cpus[1].address: expected a CPU address between 0 and 0xffff, got 65536',
  ],
  'cpu-entry-unknown-key.yaml': [
    "malformed/cpu-entry-unknown-key.yaml:3:7: machine.cpus[0]: missing required key 'address'",
    "malformed/cpu-entry-unknown-key.yaml:3:16: machine.cpus[0]: unknown key 'adress' (did you mean 'address'?); allowed keys: cpu, address, online",
  ],
  'cpu-number-not-dense.yaml': [
    'malformed/cpu-number-not-dense.yaml:4:13: machine.cpus[1].cpu: expected 1 (logical CPU numbers are dense: entry 1 is cpu 1), got 3',
  ],
  'cpu-offline-last.yaml': [
    'malformed/cpu-offline-last.yaml:5:24: steps[0].cpu_offline.cpu: cannot offline cpu 0: it is the last online CPU',
  ],
  'cpu-offline-twice.yaml': [
    'malformed/cpu-offline-twice.yaml:5:24: steps[1].cpu_offline.cpu: cpu 3 is already offline',
  ],
  'cpu-online-out-of-range.yaml': [
    'malformed/cpu-online-out-of-range.yaml:4:23: steps[0].cpu_online.cpu: expected a CPU number between 0 and 3 (the machine has 4 possible CPUs), got 4',
  ],
  'cpus-too-many.yaml': [
    'malformed/cpus-too-many.yaml:2:9: machine.cpus: expected a CPU count between 1 and 512 or a list of {cpu, address, online}, got 513',
  ],
  'cpus-wrong-type.yaml': [
    'malformed/cpus-wrong-type.yaml:2:9: machine.cpus: expected a CPU count between 1 and 512 or a list of {cpu, address, online}, got "four"',
  ],
  'delivery-bad-value.yaml': [
    'malformed/delivery-bad-value.yaml:3:13: machine.delivery: expected one of floating, directed, got "direct"',
  ],
  'delivery-directed-no-facility.yaml': [
    'malformed/delivery-directed-no-facility.yaml:3:13: machine.delivery: directed delivery needs directedIrqFacility: true (it is false)',
  ],
  'delivery-floating-contradiction.yaml': [
    'malformed/delivery-floating-contradiction.yaml:3:13: machine.delivery: floating delivery with directedIrqFacility: true needs forceFloating: true (or directedIrqFacility: false)',
  ],
  'devfn-clash.yaml': [
    'malformed/devfn-clash.yaml:5:39: functions[1].bus: devfn 0 on bus 5 is already used by functions[0] (fid 0x10)',
  ],
  'devfn-too-big.yaml': [
    'malformed/devfn-too-big.yaml:4:41: functions[0].devfn: expected an integer between 0 and 255, got 256',
  ],
  'expect-bad-cpu-key.yaml': [
    'malformed/expect-bad-cpu-key.yaml:10:14: steps[2].expect.deliveries.rx.core0: expected a key cpuN (N a logical CPU number), got "core0"',
  ],
  'expect-bad-cpu.yaml': [
    'malformed/expect-bad-cpu.yaml:11:23: steps[2].expect.deliveries.rx.cpu9: no CPU 9 (the machine has CPUs 0-3)',
  ],
  'expect-empty.yaml': [
    'malformed/expect-empty.yaml:7:13: steps[0].expect: expected at least one of deliveries, dropped, pending, rc, findings',
  ],
  'expect-rc-after-void-step.yaml': [
    'malformed/expect-rc-after-void-step.yaml:8:18: steps[1].expect.rc: the previous step (steps[0], fire) returns no code; rc can follow plug, unplug, bind, enable, disable, recover, alloc, request, set_affinity, cpu_offline, cpu_online',
  ],
  'expect-rc-first-step.yaml': [
    'malformed/expect-rc-first-step.yaml:7:18: steps[0].expect.rc: rc checks the return code of the previous step, and this is the first step',
  ],
  'expect-rc-unknown-errno.yaml': [
    "malformed/expect-rc-unknown-errno.yaml:8:18: steps[1].expect.rc: unknown errno name '-ENOSPACE' (did you mean '-ENOSPC'?); give a number or a name from src/include/linux/errno.ts",
  ],
  'expect-unknown-finding.yaml': [
    'malformed/expect-unknown-finding.yaml:7:31: steps[0].expect.findings[1]: expected one of WARN, Oops, BUG, lost-irq, spurious-irq, misrouted-irq, use-after-free, dma-use-after-free, out-of-bounds, double-owner, leak, swallowed-fault, unhandled-fault, soft-lockup, got "leaks"',
  ],
  'expect-unknown-handler.yaml': [
    "malformed/expect-unknown-handler.yaml:12:9: steps[3].expect.deliveries.tx: no handler 'tx' was requested before this step (did you mean 'rx'?); known handlers: rx",
  ],
  'facility-not-bool.yaml': [
    'malformed/facility-not-bool.yaml:3:18: machine.forceFloating: expected true or false, got "yes"',
  ],
  'fault-unknown-point.yaml': [
    "malformed/fault-unknown-point.yaml:7:20: steps[0].fault.point: unknown failure point 'irq_alloc_desc' (did you mean 'irq_alloc_descs'?)",
  ],
  'fid-bad-hex.yaml': [
    'malformed/fid-bad-hex.yaml:4:11: functions[0].fid: expected a function id (an integer between 0 and 0xffffffff or a hex string like "0x10"), got "0xZZ"',
  ],
  'fid-duplicate.yaml': [
    'malformed/fid-duplicate.yaml:5:11: functions[1].fid: duplicate fid 0x10 (also functions[0])',
  ],
  'fire-count-zero.yaml': [
    'malformed/fire-count-zero.yaml:7:43: steps[0].fire.count: expected an integer between 1 and 1000000, got 0',
  ],
  'fire-vector-out-of-range.yaml': [
    'malformed/fire-vector-out-of-range.yaml:8:31: steps[1].fire.vector: expected an integer between 0 and 63 (function 0x10 has 64 MSI-X vectors), got 64',
  ],
  'free-irq-unknown-handler.yaml': [
    "malformed/free-irq-unknown-handler.yaml:9:47: steps[2].free_irq.handler: no handler 'tx' was requested before this step (did you mean 'rx'?); known handlers: rx",
  ],
  'function-unknown-key.yaml': [
    "malformed/function-unknown-key.yaml:4:34: functions[0]: unknown key 'drvier' (did you mean 'driver'?); allowed keys: fid, uid, devfn, bus, maxMsi, msi, msix, name, driver, present",
  ],
  'machine-missing-cpus.yaml': [
    "malformed/machine-missing-cpus.yaml:2:3: machine: missing required key 'cpus'",
  ],
  'max-msi-zero.yaml': [
    'malformed/max-msi-zero.yaml:4:42: functions[0].maxMsi: expected an integer between 1 and 2048, got 0',
  ],
  'msi-and-msix.yaml': [
    'malformed/msi-and-msix.yaml:4:33: functions[0].msix: give either msi or msix, not both',
  ],
  'msi-missing.yaml': [
    'malformed/msi-missing.yaml:4:5: functions[0]: missing msi or msix (the MSI vector count or the MSI-X table size)',
  ],
  'msi-not-power-of-two.yaml': [
    'malformed/msi-not-power-of-two.yaml:4:30: functions[0].msi: expected a power of two between 1 and 32 (MSI multiple-message capability), got 3',
  ],
  'msi-vector-out-of-range.yaml': [
    'malformed/msi-vector-out-of-range.yaml:9:34: steps[2].request.vector: expected an integer between 0 and 3 (function 0x20 has 4 MSI vectors), got 4',
  ],
  'msix-too-big.yaml': [
    'malformed/msix-too-big.yaml:4:31: functions[0].msix: expected an integer between 1 and 2048, got 4096',
  ],
  'online-boot-cpu.yaml': [
    'malformed/online-boot-cpu.yaml:3:11: machine.online: the boot CPU 0 must be online',
  ],
  'online-both-forms.yaml': [
    'malformed/online-both-forms.yaml:5:11: machine.online: give the online CPUs either here or as online: in the machine.cpus entries, not both',
  ],
  'online-duplicate.yaml': ['malformed/online-duplicate.yaml:3:18: machine.online[2]: cpu 2 is listed twice'],
  'online-out-of-range.yaml': [
    'malformed/online-out-of-range.yaml:3:18: machine.online[2]: expected a CPU number between 0 and 3 (the machine has 4 possible CPUs), got 7',
  ],
  'options-unknown-key.yaml': [
    "malformed/options-unknown-key.yaml:4:5: machine.options: unknown key 'floatingCpu' (did you mean 'floatingCpuSelection'?); allowed keys: floatingCpuSelection, summaryEdge, checkNoi, disbIndex, directedFallback, nrPciFunctions",
  ],
  'parent-domain-wrong-backend.yaml': [
    'malformed/parent-domain-wrong-backend.yaml:4:17: machine.parentDomain: only valid with backend: domain (backend is legacy)',
  ],
  'plug-twice.yaml': ['malformed/plug-twice.yaml:7:17: steps[0].plug.fid: function 0x10 is already plugged'],
  'request-after-free-vectors.yaml': [
    'malformed/request-after-free-vectors.yaml:9:34: steps[2].request.vector: function 0x10 has no IRQ vectors allocated (request needs an earlier alloc step)',
  ],
  'request-before-alloc.yaml': [
    'malformed/request-before-alloc.yaml:8:34: steps[1].request.vector: function 0x10 has no IRQ vectors allocated (request needs an earlier alloc step)',
  ],
  'schedule-negative.yaml': [
    'malformed/schedule-negative.yaml:7:18: schedule[2]: expected a non-negative integer, got -2',
  ],
  'seed-negative.yaml': [
    'malformed/seed-negative.yaml:3:9: machine.seed: expected a seed between 0 and 0xffffffff, got -1',
  ],
  'set-affinity-cpu-out-of-range.yaml': [
    'malformed/set-affinity-cpu-out-of-range.yaml:7:52: steps[0].set_affinity.cpus[1]: expected a CPU number between 0 and 3 (the machine has 4 possible CPUs), got 4',
  ],
  'set-affinity-empty.yaml': [
    'malformed/set-affinity-empty.yaml:7:48: steps[0].set_affinity.cpus: expected a non-empty list of CPUs, got an empty list',
  ],
  'snapshot-extra-target.yaml': [
    'malformed/snapshot-extra-target.yaml:7:29: steps[0].snapshot.fid: view dmesg takes no fid',
  ],
  'snapshot-missing-irq.yaml': [
    'malformed/snapshot-missing-irq.yaml:7:15: steps[0].snapshot: view proc_irq shows one IRQ: give irq, or fid and vector',
  ],
  'snapshot-unknown-view.yaml': [
    'malformed/snapshot-unknown-view.yaml:7:22: steps[0].snapshot.view: expected one of proc_interrupts, debugfs_domains, debugfs_irq, proc_irq, sys_irq, msi_irqs, dmesg, got "proc_interupts"',
  ],
  'step-after-teardown.yaml': [
    'malformed/step-after-teardown.yaml:8:19: steps[1].enable.fid: function 0x10 is not plugged: it was removed by teardown at steps[0]',
  ],
  'step-after-unplug.yaml': [
    'malformed/step-after-unplug.yaml:8:17: steps[1].fire.fid: function 0x10 is not plugged: it was unplugged at steps[0]',
  ],
  'step-before-plug.yaml': [
    'malformed/step-before-plug.yaml:7:18: steps[0].alloc.fid: function 0x20 is not plugged: it has present: false and no plug step before this one',
  ],
  'step-empty.yaml': [
    'malformed/step-empty.yaml:4:5: steps[0]: empty step; a step is a mapping with one key, the step kind (e.g. fire: {fid: 0x10, vector: 0})',
  ],
  'step-kind-form-missing-arg.yaml': [
    "malformed/step-kind-form-missing-arg.yaml:6:5: steps[0].set_affinity: missing required key 'vector'",
  ],
  'step-kind-form-unknown.yaml': [
    "malformed/step-kind-form-unknown.yaml:7:12: steps[0].kind: unknown step kind 'teardwon' (did you mean 'teardown'?); step kinds: plug, unplug, bind, unbind, enable, disable, error, recover, alloc, free_vectors, request, free_irq, enable_irq, disable_irq, set_affinity, fire, cpu_offline, cpu_online, fault, snapshot, run, expect, teardown",
  ],
  'step-missing-arg.yaml': [
    "malformed/step-missing-arg.yaml:8:14: steps[1].request: missing required key 'vector'",
  ],
  'step-scalar-number.yaml': [
    'malformed/step-scalar-number.yaml:7:5: steps[0]: expected a step (a mapping like fire: {fid: 0x10, vector: 0}), got 42',
  ],
  'step-two-keys.yaml': [
    "malformed/step-two-keys.yaml:7:5: steps[0]: a step is a mapping with one key, the step kind, or has a 'kind' key; got 2 keys: alloc, request",
  ],
  'step-unknown-arg.yaml': [
    "malformed/step-unknown-arg.yaml:7:11: steps[0].fire: missing required key 'vector'",
    "malformed/step-unknown-arg.yaml:7:23: steps[0].fire: unknown key 'vec' (did you mean 'vector'?); allowed keys: fid, vector, count",
  ],
  'step-unknown-fid.yaml': [
    'malformed/step-unknown-fid.yaml:7:17: steps[0].bind.fid: no function with fid 0x99 (functions: 0x10, 0x20)',
  ],
  'step-unknown-kind.yaml': [
    "malformed/step-unknown-kind.yaml:7:5: steps[0]: unknown step kind 'fier' (did you mean 'fire'?); step kinds: plug, unplug, bind, unbind, enable, disable, error, recover, alloc, free_vectors, request, free_irq, enable_irq, disable_irq, set_affinity, fire, cpu_offline, cpu_online, fault, snapshot, run, expect, teardown",
  ],
  'steps-not-list.yaml': [
    'malformed/steps-not-list.yaml:4:3: steps: expected a list of steps, got a mapping',
  ],
  'top-empty.yaml': [
    'malformed/top-empty.yaml:1:1: scenario: expected a mapping with keys name, description, machine, functions, steps, schedule, got an empty value',
  ],
  'top-missing-machine.yaml': [
    "malformed/top-missing-machine.yaml:1:1: scenario: missing required key 'machine'",
  ],
  'top-not-mapping.yaml': [
    'malformed/top-not-mapping.yaml:1:1: scenario: expected a mapping with keys name, description, machine, functions, steps, schedule, got a list',
  ],
  'top-unknown-key.yaml': [
    "malformed/top-unknown-key.yaml:1:1: scenario: missing required key 'steps'",
    "malformed/top-unknown-key.yaml:3:1: scenario: unknown key 'step' (did you mean 'steps'?); allowed keys: name, description, machine, functions, steps, schedule",
  ],
  'uid-duplicate.yaml': [
    'malformed/uid-duplicate.yaml:5:22: functions[1].uid: duplicate uid 7 (also functions[0]); zPCI UIDs must be unique',
  ],
  'uid-too-big.yaml': [
    'malformed/uid-too-big.yaml:4:22: functions[0].uid: expected a uid between 0 and 0xffff, got 65536',
  ],
  'unbind-unbound.yaml': [
    'malformed/unbind-unbound.yaml:7:19: steps[0].unbind.fid: function 0x10 has no driver bound',
  ],
  'yaml-bad-indent.yaml': [
    'malformed/yaml-bad-indent.yaml:3:1: YAML: All mapping items must start at the same column',
  ],
  'yaml-complex-key.yaml': [
    'malformed/yaml-complex-key.yaml:3:3: YAML: a mapping key must be a plain value, not a list, mapping or alias',
  ],
  'yaml-duplicate-key.yaml': ['malformed/yaml-duplicate-key.yaml:3:3: YAML: Map keys must be unique'],
  'yaml-tab-indent.yaml': ['malformed/yaml-tab-indent.yaml:2:1: YAML: Tabs are not allowed as indentation'],
  'yaml-two-documents.yaml': [
    'malformed/yaml-two-documents.yaml:3:1: YAML: a scenario file holds one YAML document; this is the start of a second one',
  ],
  'yaml-unclosed-flow.yaml': [
    'malformed/yaml-unclosed-flow.yaml:2:1: YAML: Flow map in block collection must be sufficiently indented and end with a }',
  ],
};

describe('malformed scenarios', () => {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

  it('has at least 35 files, each with an expectation', () => {
    expect(files.length).toBeGreaterThanOrEqual(35);
    expect(Object.keys(expected).sort()).toEqual(files);
  });

  for (const f of files) {
    it(f, () => {
      const text = readFileSync(join(dir, f), 'utf8');
      const r = loadScenario(text, `malformed/${f}`, { knownFailurePoints });
      expect(r.ok).toBe(false);
      const got = r.ok ? [] : r.errors.map(formatError);
      expect(got).toEqual(expected[f]);
    });
  }
});
