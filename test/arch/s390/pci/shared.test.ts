// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import { zpciGlobals } from '../../../../src/arch/s390/include/asm/pci.ts';
import { getBackend } from '../../../../src/arch/s390/pci/backend.ts';
import { zpciInit } from '../../../../src/arch/s390/pci/pci.ts';
import { createTestDriver, createZpciSystem } from '../../../../src/arch/s390/pci/system.ts';
import { IRQ_REG_NONE } from '../../../../src/hw/s390x/zpci.ts';

describe('zPCI shared code (legacy backend)', () => {
  it('boot scan: cold-plugged functions get PCI domain = uid, CLP fills msi_addr/max_msi', () => {
    const s = createZpciSystem({
      backend: 'legacy',
      groups: [{ pfgid: 1, noi: 64, msiaHi: 0xfe000000, msiaLo: 0 }],
      functions: [
        { fid: 0x2, uid: 3 },
        { fid: 0x1, uid: 1, pchid: 1 },
      ],
    });
    expect(s.initRc).toBe(0);
    expect(zpciGlobals(s.k).initialized).toBe(true);
    expect(s.pdev(0x1)!.dev.name).toBe('0001:00:00.0');
    expect(s.pdev(0x2)!.dev.name).toBe('0003:00:00.0');
    expect(s.zdev(0x1)!.maxMsi).toBe(64);
    expect(s.zdev(0x1)!.msiAddr).toBe(0xfe00000000000000n);
    expect(s.zdev(0x1)!.fh >>> 31).toBe(1);
  });

  it('duplicate uid on another bus: zpci_alloc_domain -EEXIST, the zbus is released', () => {
    const s = createZpciSystem({ backend: 'legacy' });
    s.plug(0x10, { uid: 5, pchid: 1 });
    s.plug(0x20, { uid: 5, pchid: 2 });
    expect(s.zdev(0x20)).toBe(null);
    const lines = s.sim.log.lines.map((l) => l.text);
    expect(lines).toContain('zpci: Domain 0005 is already assigned');
    expect(lines).toContain('zpci: Adding PCI function 00000020 failed');
    expect(zpciGlobals(s.k).zpciBusList.length).toBe(1);
  });

  it('pci_create_root_bus failure: -EFAULT, domain number freed', () => {
    const s = createZpciSystem({ backend: 'legacy' });
    s.sim.faults.arm('pci_create_root_bus');
    s.plug(0x10, { uid: 1 });
    expect(s.zdev(0x10)).toBe(null);
    expect(zpciGlobals(s.k).domains[1]).toBe(0);
    expect(zpciGlobals(s.k).zpciBusList.length).toBe(0);
  });

  it('graceful unplug: driver removed, DEREG, function deconfigured (standby)', () => {
    const s = createZpciSystem({ backend: 'legacy' });
    const fn = s.plug(0x10, { uid: 1 });
    const { driver } = createTestDriver();
    expect(s.bind(0x10, driver)).toBe(0);
    s.unplug(0x10);
    expect(s.pdev(0x10)).toBe(null);
    expect(fn.irq.fmt).toBe(IRQ_REG_NONE);
    expect(fn.state).toBe('standby');
    expect(s.zdev(0x10)!.state).toBe(0);
    expect(s.sim.findings.list).toEqual([]);
  });

  it('PCI off without facilities 69/71', () => {
    const s = createZpciSystem({ backend: 'legacy' });
    s.machine.facilities.delete(69);
    const k2 = s.k;
    zpciGlobals(k2).initialized = false;
    expect(zpciInit(k2, getBackend('legacy')!)).toBe(0);
    expect(s.sim.log.lines.map((l) => l.text)).toContain(
      'zpci: PCI is not supported because CPU facilities 69 or 71 are not available',
    );
  });
});
