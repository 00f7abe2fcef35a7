// SPDX-License-Identifier: GPL-2.0-only
// Configuration space of zPCI functions through pci_root_ops -> zpci_cfg_load/store -> PCILG/PCISTG,
// msix_map_region()'s BAR check, and the legacy MSI-X retry that used to loop after zpci_disable_device.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { zpciCfgLoad, zpciDisableDevice } from '../../src/arch/s390/pci/pci.ts';
import { pciInsnState } from '../../src/arch/s390/pci/pci_insn.ts';
import { createTestDriver, createZpciSystem } from '../../src/arch/s390/pci/system.ts';
import { msixMapRegion } from '../../src/drivers/pci/msi/msi.ts';
import {
  pciReadConfigDword,
  pciReadConfigRc,
  pciReadConfigWord,
  pciWriteConfigRc,
} from '../../src/drivers/pci/pci.ts';
import { PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_MASKALL } from '../../src/hw/pci/device.ts';
import { EIO, ENODEV, ENOMEM } from '../../src/include/linux/errno.ts';
import { IORESOURCE_MEM, IORESOURCE_UNSET } from '../../src/include/linux/pci.ts';
import { runScenario } from '../../src/sim/runner.ts';
import { loadScenario } from '../../src/sim/scenario/index.ts';
import '../../src/sim/backends.ts';

const FID = 0x10;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function boot(backend = 'legacy') {
  const s = createZpciSystem({ backend, nrCpus: 1, functions: [{ fid: FID, msixVectors: 2 }] });
  const pdev = s.pdev(FID)!;
  const zdev = s.zdev(FID)!;
  return { s, pdev, zdev };
}

describe('zPCI configuration space (pci_read / pci_write -> zpci_cfg_load / zpci_cfg_store)', () => {
  it('an enabled function reads and writes its device through PCILG / PCISTG', () => {
    const { s, pdev } = boot();
    expect(pdev.bus.ops).not.toBeNull();
    expect(pciReadConfigDword(pdev, 0)).toBe(0x10411af4);
    const cap = pdev.msixCap;
    expect(cap).toBe(0x70);
    expect(pciReadConfigWord(pdev, cap + PCI_MSIX_FLAGS)).toBe(1); // table size 2
    expect(pciWriteConfigRc(pdev, cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_MASKALL)).toBe(0);
    expect(pdev.hw.configRead16(cap + PCI_MSIX_FLAGS)).toBe(PCI_MSIX_FLAGS_MASKALL | 1);
    expect(pciInsnState(s.k).errLog).toEqual([]);
  });

  it('after zpci_disable_device a read is all ones (PCILG cc 3, -EIO, pci_read -ENODEV) and a write is lost', () => {
    const { s, pdev, zdev } = boot();
    const cap = pdev.msixCap;
    expect(zpciDisableDevice(s.k, zdev)).toBe(0);
    expect(pciReadConfigDword(pdev, 0)).toBe(0xffffffff);
    expect(pciReadConfigWord(pdev, cap + PCI_MSIX_FLAGS)).toBe(0xffff);
    const v = { value: 0 };
    expect(pciReadConfigRc(pdev, cap + 4, 4, v)).toBe(-ENODEV);
    expect(v.value).toBe(0xffffffff);
    expect(zpciCfgLoad(s.k, zdev, 0, v, 4)).toBe(-EIO);
    expect(v.value).toBe(0xffffffff);
    const log = pciInsnState(s.k).errLog;
    expect(log.length).toBe(4);
    expect(log.map((r) => `${r.level} ${r.insn} cc ${r.cc}`)).toEqual([
      '0 l cc 3',
      '0 l cc 3',
      '0 l cc 3',
      '0 l cc 3',
    ]);
    // the request names the handle the zdev holds (no enable bit), config space 15, length 4
    expect(log[3]!.req).toBe((BigInt(zdev.fh) << 32n) | (15n << 16n) | 4n);
    expect(pciWriteConfigRc(pdev, cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_MASKALL)).toBe(-ENODEV);
    expect(pdev.hw.configRead16(cap + PCI_MSIX_FLAGS)).toBe(1);
    expect(log.at(-1)!.insn).toBe('s');
  });

  it('error state: PCILG cc 1 status 12 gives all ones; a busy PCILG is retried', () => {
    const { s, pdev } = boot();
    const fn = s.machine.functions.find((f) => f.fid === FID)!;
    s.sim.faults.arm('pcilg.cc2', 1);
    expect(pciReadConfigDword(pdev, 0)).toBe(0x10411af4);
    expect(pciInsnState(s.k).errLog.map((r) => `${r.level} ${r.insn} cc ${r.cc}`)).toEqual([
      '1 l cc 2',
      '1 l cc 0',
    ]);
    fn.state = 'error'; // as Machine.injectError() leaves it, before the event is delivered
    expect(pciReadConfigDword(pdev, 0)).toBe(0xffffffff);
    const last = pciInsnState(s.k).errLog.at(-1)!;
    expect(`${last.level} ${last.insn} cc ${last.cc} status ${last.status}`).toBe('0 l cc 1 status 12');
  });
});

describe('msix_map_region(): the BIR must name a resource of the device', () => {
  it('maps BAR 0 of an enabled function, returns NULL for BIR 7 read from a disabled one', () => {
    const { s, pdev, zdev } = boot();
    expect(pdev.resource![0]!.flags).toBe(IORESOURCE_MEM);
    expect(msixMapRegion(s.k, pdev, 2)).toBe(0x100000000);
    expect(zpciDisableDevice(s.k, zdev)).toBe(0);
    expect(msixMapRegion(s.k, pdev, 2048)).toBe(0);
  });

  it('returns NULL for a BAR without flags or with IORESOURCE_UNSET', () => {
    const { s, pdev } = boot();
    pdev.resource![0]!.flags = IORESOURCE_MEM | IORESOURCE_UNSET;
    expect(msixMapRegion(s.k, pdev, 2)).toBe(0);
    pdev.resource![0]!.flags = 0;
    expect(msixMapRegion(s.k, pdev, 2)).toBe(0);
  });
});

describe('legacy MSI-X allocation on a function whose config space is gone', () => {
  it('the replay (bind, disable, alloc) ends with -ENOMEM instead of a soft lockup', () => {
    const file = 'regressions/legacy-floating-soft-lockup-msix-retry-after-zpci-disable-device.yaml';
    const loaded = loadScenario(readFileSync(join(root, file), 'utf8'), file);
    if (!loaded.ok) throw new Error(loaded.errors[0]!.message);
    const r = runScenario(loaded.scenario);
    expect(r.steps.map((st) => `${st.kind} ${st.rc}`)).toEqual(['bind 0', 'disable 0', `alloc ${-ENOMEM}`]);
    expect(r.findings).toEqual([]);
    expect(r.stopped).toBeFalsy();
  }, 30_000);

  it('a firmware cc 3 on REG_INT at probe: the retry reads all ones and gives up with -ENOMEM', () => {
    const { driver, state } = createTestDriver({ nvec: 2 });
    const s = createZpciSystem({
      backend: 'legacy',
      nrCpus: 1,
      functions: [{ fid: FID, msixVectors: 2 }],
      faults: [{ point: 'mpcifc.REG_INT.cc3', occurrence: 1 }],
    });
    expect(s.bind(FID, driver)).toBe(-ENOMEM);
    expect(state.nvec.get(s.pdev(FID)?.dev.name ?? '0001:00:00.0')).toBe(-ENOMEM);
    expect(s.sim.faults.fired.length).toBe(1);
  });
});
