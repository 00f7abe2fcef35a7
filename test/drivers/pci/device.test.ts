// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import {
  PCI_CAP_ID_MSI,
  PCI_CAP_ID_MSIX,
  PCI_CAPABILITY_LIST,
  PCI_MSI_ADDRESS_HI,
  PCI_MSI_ADDRESS_LO,
  PCI_MSI_DATA_64,
  PCI_MSI_FLAGS,
  PCI_MSI_MASK_64,
  PCI_MSIX_ENTRY_CTRL_MASKBIT,
  PCI_MSIX_FLAGS,
  PCI_MSIX_PBA,
  PCI_MSIX_TABLE,
  PciFunctionHw,
} from '../../../src/hw/pci/device.ts';

function mk(): { fn: PciFunctionHw; writes: number[][] } {
  const fn = new PciFunctionHw({
    vendorId: 0x1af4,
    deviceId: 0x1041,
    msi: { mmc: 2, is64: true, perVectorMask: true },
    msix: { tableSize: 4, tableBir: 1, tableOffset: 0x2000 },
  });
  const writes: number[][] = [];
  fn.msiWrite = (hi, lo, data) => {
    writes.push([hi, lo, data]);
  };
  return { fn, writes };
}

describe('PCI function hardware', () => {
  it('lays out the capability list and read-only fields', () => {
    const { fn } = mk();
    expect(fn.configRead16(0)).toBe(0x1af4);
    expect(fn.configRead8(PCI_CAPABILITY_LIST)).toBe(0x50);
    expect(fn.configRead8(0x50)).toBe(PCI_CAP_ID_MSI);
    expect(fn.configRead8(0x51)).toBe(0x70);
    expect(fn.configRead8(0x70)).toBe(PCI_CAP_ID_MSIX);
    expect(fn.configRead8(0x71)).toBe(0);
    // MMC=2 (bits 3:1), 64-bit (0x80), per-vector masking (0x100)
    expect(fn.configRead16(0x50 + PCI_MSI_FLAGS)).toBe(0x0184);
    expect(fn.configRead16(0x70 + PCI_MSIX_FLAGS)).toBe(3);
    expect(fn.configRead32(0x70 + PCI_MSIX_TABLE)).toBe(0x2001);
    expect(fn.configRead32(0x70 + PCI_MSIX_PBA)).toBe(0x2041);
    // read-only bits stay: try to overwrite MMC and table size
    fn.configWrite16(0x50 + PCI_MSI_FLAGS, 0xffff);
    expect(fn.configRead16(0x50 + PCI_MSI_FLAGS)).toBe(0x01f5);
    fn.configWrite16(0x70 + PCI_MSIX_FLAGS, 0);
    expect(fn.configRead16(0x70 + PCI_MSIX_FLAGS)).toBe(3);
    // every MSI-X entry starts masked
    for (let i = 0; i < 4; i++) expect(fn.msixEntryCtrl(i)).toBe(PCI_MSIX_ENTRY_CTRL_MASKBIT);
  });

  it('drops signals while disabled, pends while masked, delivers on unmask (MSI-X)', () => {
    const { fn, writes } = mk();
    fn.signal(1);
    expect(fn.counters).toEqual({ sent: 0, dropped: 1, pendingSet: 0, deliveredOnUnmask: 0 });
    fn.memWrite32(1, 0x2000 + 16, 0xfee01000);
    fn.memWrite32(1, 0x2000 + 20, 0x1);
    fn.memWrite32(1, 0x2000 + 24, 0x42);
    fn.configWrite16(0x70 + PCI_MSIX_FLAGS, 0xc000); // enable + function mask
    fn.signal(1);
    expect(fn.msixPending(1)).toBe(true);
    expect(fn.memRead32(1, 0x2040)).toBe(0x2);
    fn.configWrite16(0x70 + PCI_MSIX_FLAGS, 0x8000); // function unmasked, entry still masked
    expect(writes.length).toBe(0);
    fn.memWrite32(1, 0x2000 + 28, 0); // unmask entry 1
    expect(writes).toEqual([[0x1, 0xfee01000, 0x42]]);
    expect(fn.msixPending(1)).toBe(false);
    fn.signal(1);
    expect(writes.length).toBe(2);
    expect(fn.counters).toEqual({ sent: 2, dropped: 1, pendingSet: 1, deliveredOnUnmask: 1 });
  });

  it('MSI multi-message replaces the low data bits with the vector and honours mask bits', () => {
    const { fn, writes } = mk();
    const p = 0x50;
    fn.configWrite32(p + PCI_MSI_ADDRESS_LO, 0xfee00000);
    fn.configWrite32(p + PCI_MSI_ADDRESS_HI, 0);
    fn.configWrite16(p + PCI_MSI_DATA_64, 0x40);
    fn.configWrite16(p + PCI_MSI_FLAGS, 0x0021); // MME=2 (4 vectors), enable
    fn.signal(3);
    fn.signal(4); // beyond 2^MME
    expect(writes).toEqual([[0, 0xfee00000, 0x43]]);
    fn.configWrite32(p + PCI_MSI_MASK_64, 0x4);
    fn.signal(2);
    expect(fn.msiPendingBits).toBe(0x4);
    fn.configWrite32(p + PCI_MSI_MASK_64, 0);
    expect(writes[1]).toEqual([0, 0xfee00000, 0x42]);
    expect(fn.counters).toEqual({ sent: 2, dropped: 1, pendingSet: 1, deliveredOnUnmask: 1 });
  });

  it('function-level reset clears enables and the table', () => {
    const { fn } = mk();
    fn.memWrite32(1, 0x2000, 0xfee00000);
    fn.memWrite32(1, 0x2000 + 12, 0);
    fn.configWrite16(0x70 + PCI_MSIX_FLAGS, 0x8000);
    fn.configWrite16(0x50 + PCI_MSI_FLAGS, 0x0001);
    fn.reset();
    expect(fn.msixEnabled).toBe(false);
    expect(fn.msiEnabled).toBe(false);
    expect(fn.msixEntryAddrLo(0)).toBe(0);
    expect(fn.msixEntryCtrl(0)).toBe(1);
    expect(fn.resets).toBe(1);
  });
});
