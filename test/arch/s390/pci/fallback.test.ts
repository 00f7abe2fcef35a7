// Directed delivery end to end: an MSI reaches exactly the CPU its address names; when
// that CPU cannot take a directed interruption (it already has one pending, not yet
// re-armed), the firmware sets its DISB bit and raises a floating interruption, another
// CPU takes it, and the zPCI fallback handler sends an IPI that drains the vector on the
// target CPU.
import { describe, expect, it } from 'vitest';
import {
  IRQEXT_EMS,
  IRQEXT_EXC,
  IRQIO_MSI,
  IRQIO_PCD,
  IRQIO_PCF,
  irqStatCpu,
} from '../../../../src/arch/s390/kernel/irq.ts';
import '../../../../src/arch/s390/pci/pci_irq.domain.ts';
import { createTestDriver, createZpciSystem } from '../../../../src/arch/s390/pci/system.ts';
import { pciIrqVector } from '../../../../src/drivers/pci/msi/api.ts';
import { cpumaskCreate } from '../../../../src/include/linux/cpumask.ts';
import { irqSetAffinity } from '../../../../src/kernel/irq/manage.ts';
import { attachSanitizer } from '../../../../src/sim/sanitizer.ts';

const FID = 0x42;

describe.each(['legacy', 'domain'])('%s, directed', (backend) => {
  function boot() {
    const s = createZpciSystem({
      backend,
      directed: true,
      nrCpus: 4,
      cpuAddresses: [0x10, 0x11, 0x24, 0x25],
    });
    expect(s.initRc).toBe(0);
    const san = attachSanitizer(s.k, s.machine);
    s.plug(FID, { uid: 7, msixVectors: 8 });
    const { driver, state } = createTestDriver({ nvec: 4 });
    expect(s.bind(FID, driver)).toBe(0);
    const virq = (i: number) => pciIrqVector(s.k, s.pdev(FID)!, i);
    return { s, san, state, virq };
  }

  it('each vector runs on exactly the CPU whose address its message names', () => {
    const { s, san, state, virq } = boot();
    for (let cpu = 0; cpu < 4; cpu++) {
      expect(irqSetAffinity(s.k, virq(cpu), cpumaskCreate(cpu))).toBe(0);
      const addrLo = s.machine.fn(FID)!.device.msixEntryAddrLo(cpu);
      expect((addrLo >>> 8) & 0xffff).toBe([0x10, 0x11, 0x24, 0x25][cpu]);
      s.signal(FID, cpu);
      expect(state.lastCpu.get(virq(cpu))).toBe(cpu);
    }
    expect([0, 1, 2, 3].map((c) => irqStatCpu(s.k, c, IRQIO_PCD))).toEqual([1, 1, 1, 1]);
    expect(san.checkQuiescent()).toBe(0);
    expect(s.sim.findings.list).toEqual([]);
  });

  it('target not armed: DISB bit, floating interruption on CPU 0, IPI, drained on the target', () => {
    const { s, san, state, virq } = boot();
    expect(irqSetAffinity(s.k, virq(0), cpumaskCreate(2))).toBe(0);
    expect(irqSetAffinity(s.k, virq(1), cpumaskCreate(2))).toBe(0);
    // CPU 2 runs with interrupts off: its first directed interruption stays pending,
    // so it is no longer armed when the second MSI comes.
    s.machine.setIrqsEnabled(2, false);
    s.signal(FID, 0);
    s.signal(FID, 1);
    const fn = s.machine.fn(FID)!;
    expect(fn.counters.directed).toBe(1);
    expect(fn.counters.fallback).toBe(1);
    // CPU 0 took the floating interruption and sent the IPI; nothing ran yet.
    expect(irqStatCpu(s.k, 0, IRQIO_PCF)).toBe(1);
    expect(state.calls.get(virq(0))).toBe(undefined);
    expect(state.calls.get(virq(1))).toBe(undefined);
    // CPU 2 enables interrupts: the directed interruption and the IPI drain both there.
    s.machine.setIrqsEnabled(2, true);
    s.run();
    expect(state.calls.get(virq(0))).toBe(1);
    expect(state.calls.get(virq(1))).toBe(1);
    expect(state.lastCpu.get(virq(0))).toBe(2);
    expect(state.lastCpu.get(virq(1))).toBe(2);
    expect(irqStatCpu(s.k, 2, IRQEXT_EXC) + irqStatCpu(s.k, 2, IRQEXT_EMS)).toBe(1);
    expect(irqStatCpu(s.k, 2, IRQIO_MSI)).toBe(2);
    expect(san.checkQuiescent()).toBe(0);
    expect(s.sim.findings.list).toEqual([]);
  });
});
