// Lifecycle acceptance on legacy and domain, both delivery modes: driver unbind and
// rebind, and a switch from MSI-X to MSI on the same function, leave nothing behind
// and work again; the debugfs domain view shows the hierarchy only for domain backends.
import { describe, expect, it } from 'vitest';
import '../../src/arch/s390/pci/pci_irq.domain.ts';
import '../../src/arch/s390/pci/pci_irq.mainline.ts';
import { createZpciSystem } from '../../src/arch/s390/pci/system.ts';
import { pciBindDriver, pciUnbindDriver } from '../../src/drivers/pci/driver.ts';
import { pciAllocIrqVectors, pciFreeIrqVectors, pciIrqVector } from '../../src/drivers/pci/msi/api.ts';
import { PciFunctionHw } from '../../src/hw/pci/device.ts';
import { IRQ_HANDLED } from '../../src/include/linux/irq.ts';
import { PCI_IRQ_MSI, PCI_IRQ_MSIX, type PciDriver } from '../../src/include/linux/pci.ts';
import { listDebugfsDomains, renderDebugfsDomainFile } from '../../src/kernel/irq/debugfs.ts';
import { freeIrq, requestIrq } from '../../src/kernel/irq/manage.ts';
import type { Kernel } from '../../src/kernel/kernel.ts';
import { attachSanitizer } from '../../src/sim/sanitizer.ts';

const FID = 0x10;

function rig(backend: string, directed: boolean) {
  const s = createZpciSystem({ backend, directed, nrCpus: 2 });
  expect(s.initRc).toBe(0);
  const san = attachSanitizer(s.k, s.machine);
  san.snapshotBaseline();
  // A function with both capabilities: MSI (4 vectors, maskable) and MSI-X (8 entries).
  const device = new PciFunctionHw({
    vendorId: 0x1014,
    deviceId: 0x04ed,
    msi: { mmc: 2, is64: true, perVectorMask: true },
    msix: { tableSize: 8 },
  });
  s.plug(FID, { uid: 1, device });
  const calls = new Map<number, number>();
  const handler = (_k: Kernel, irq: number) => {
    calls.set(irq, (calls.get(irq) ?? 0) + 1);
    return IRQ_HANDLED;
  };
  const devId = {};
  let nvec = 0;
  let type = PCI_IRQ_MSIX;
  const setup = (k: Kernel, p: NonNullable<ReturnType<typeof s.pdev>>, want: number, t: number): number => {
    type = t;
    nvec = pciAllocIrqVectors(k, p, want, want, t);
    if (nvec < 0) return nvec;
    for (let i = 0; i < nvec; i++)
      expect(requestIrq(k, pciIrqVector(k, p, i), handler, 0, `lc-${i}`, devId)).toBe(0);
    return 0;
  };
  const teardownIrqs = (k: Kernel, p: NonNullable<ReturnType<typeof s.pdev>>): void => {
    for (let i = 0; i < nvec; i++) freeIrq(k, pciIrqVector(k, p, i), devId);
    pciFreeIrqVectors(k, p);
    nvec = 0;
  };
  const driver: PciDriver = {
    name: 'lifecycle',
    idTable: [],
    probe: (k, p) => setup(k, p, 8, PCI_IRQ_MSIX),
    remove: (k, p) => teardownIrqs(k, p),
  };
  const fireAll = (): number => {
    const p = s.pdev(FID)!;
    let delivered = 0;
    for (let i = 0; i < nvec; i++) {
      const virq = pciIrqVector(s.k, p, i);
      const before = calls.get(virq) ?? 0;
      s.signal(FID, i);
      delivered += (calls.get(virq) ?? 0) - before;
    }
    return delivered;
  };
  return {
    s,
    san,
    driver,
    fireAll,
    setup,
    teardownIrqs,
    get nvec() {
      return nvec;
    },
    get type() {
      return type;
    },
  };
}

describe.each([
  ['legacy', false],
  ['legacy', true],
  ['domain', false],
  ['domain', true],
] as const)('%s, directed=%s', (backend, directed) => {
  it('unbind and rebind leave nothing behind and work again', () => {
    const r = rig(backend, directed);
    const p = r.s.pdev(FID)!;
    expect(pciBindDriver(r.s.k, p, r.driver)).toBe(0);
    expect(r.fireAll()).toBe(8);
    pciUnbindDriver(r.s.k, p);
    r.s.run();
    expect(pciBindDriver(r.s.k, p, r.driver)).toBe(0);
    expect(r.fireAll()).toBe(8);
    pciUnbindDriver(r.s.k, p);
    r.s.unplug(FID);
    expect(r.san.checkQuiescent()).toBe(0);
    expect(r.san.checkLeaks()).toBe(0);
    expect(r.s.sim.findings.list).toEqual([]);
  });

  it('MSI-X, then MSI on the same function, leave nothing behind and deliver', () => {
    const r = rig(backend, directed);
    const p = r.s.pdev(FID)!;
    expect(pciBindDriver(r.s.k, p, r.driver)).toBe(0);
    expect(r.fireAll()).toBe(8);
    r.teardownIrqs(r.s.k, p);
    expect(r.setup(r.s.k, p, 4, PCI_IRQ_MSI)).toBe(0);
    expect(r.nvec).toBe(4);
    expect(p.msiEnabled).toBe(true);
    expect(r.fireAll()).toBe(4);
    pciUnbindDriver(r.s.k, p);
    r.s.unplug(FID);
    expect(r.san.checkQuiescent()).toBe(0);
    expect(r.san.checkLeaks()).toBe(0);
    expect(r.s.sim.findings.list).toEqual([]);
  });
});

describe('the debugfs domain view', () => {
  it('legacy shows no MSI domains', () => {
    const r = rig('legacy', false);
    expect(pciBindDriver(r.s.k, r.s.pdev(FID)!, r.driver)).toBe(0);
    expect(listDebugfsDomains(r.s.k)).toEqual(['default']);
  });

  it('domain shows the parent and the per-device domain with its parent line', () => {
    const r = rig('domain', false);
    expect(pciBindDriver(r.s.k, r.s.pdev(FID)!, r.driver)).toBe(0);
    expect(listDebugfsDomains(r.s.k)).toEqual(['PCI-MSIX-0001:00:00.0-11', 'default', 'zpci_msi']);
    const dev = renderDebugfsDomainFile(r.s.k, 'PCI-MSIX-0001:00:00.0-11')!;
    expect(dev).toContain(' mapped: 8\n');
    expect(dev).toContain(' parent: zpci_msi\n    name:   zpci_msi\n');
  });
});
