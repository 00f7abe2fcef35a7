// SPDX-License-Identifier: GPL-2.0-only
/** The sanitizer on the real legacy backend: a full life cycle produces no finding. */
import { describe, expect, it } from 'vitest';
import { createTestDriver, createZpciSystem } from '../../src/arch/s390/pci/system.ts';
import { pciIrqVector } from '../../src/drivers/pci/msi/api.ts';
import { cpumaskCreate } from '../../src/include/linux/cpumask.ts';
import { irqSetAffinity } from '../../src/kernel/irq/manage.ts';
import { attachSanitizer } from '../../src/sim/sanitizer.ts';

describe('sanitizer: clean legacy run', () => {
  for (const directed of [false, true]) {
    it(`${directed ? 'directed' : 'floating'}: plug, bind, signal, affinity, error recovery, unbind, unplug`, () => {
      const s = createZpciSystem({ backend: 'legacy', directed, nrCpus: 2 });
      expect(s.initRc).toBe(0);
      const san = attachSanitizer(s.k, s.machine);
      san.snapshotBaseline();
      s.plug(0x10, { uid: 1, msixVectors: 8 });
      s.plug(0x20, { uid: 2, msixVectors: 4 });
      const { driver, state } = createTestDriver({ nvec: 4 });
      expect(s.bind(0x10, driver)).toBe(0);
      expect(s.bind(0x20, driver)).toBe(0);
      const p1 = s.pdev(0x10)!;
      for (let v = 0; v < 4; v++) s.signal(0x10, v);
      s.machine.signal(0x10, 2);
      s.machine.signal(0x10, 2); // coalesced into one invocation
      s.machine.signal(0x20, 3);
      s.run();
      expect(san.checkQuiescent()).toBe(0);
      // floating: the chip has no irq_set_affinity
      expect(irqSetAffinity(s.k, pciIrqVector(s.k, p1, 1), cpumaskCreate(1))).toBe(directed ? 0 : -22);
      s.signal(0x10, 1);
      if (directed) expect(state.lastCpu.get(pciIrqVector(s.k, p1, 1))).toBe(1);
      s.injectError(0x10);
      s.signal(0x10, 3);
      expect(san.checkQuiescent()).toBe(0);
      s.unbind(0x10);
      s.unbind(0x20);
      s.unplug(0x10);
      s.unplug(0x20);
      expect(san.checkQuiescent()).toBe(0);
      expect(san.checkLeaks()).toBe(0);
      expect(s.sim.findings.list).toEqual([]);
      // 4 + 2 + 1 + 1 + 1 writes, all owned; the two back-to-back writes of vector 2 coalesce
      expect([san.observedWrites, san.ownedWrites, san.invocations]).toEqual([9, 9, 8]);
      expect(state.calls.get(pciIrqVector(s.k, p1, 0))).toBe(undefined); // freed: vector gone
    });
  }
});
