// SPDX-License-Identifier: GPL-2.0-only
import { describe, expect, it } from 'vitest';
import type { IrqChip, IrqDomain } from '../../src/include/linux/irq.ts';
import {
  debugfsAddDomainDir,
  debugfsRemoveDomainDir,
  ksymName,
  listDebugfsDomains,
  listDebugfsIrqs,
  renderDebugfsDomain,
  renderDebugfsDomainFile,
  renderDebugfsIrq,
} from '../../src/kernel/irq/debugfs.ts';
import { golden, goldenLines } from './golden.ts';
import { buildZpci, lsColumns, probeFunction, removeFunction, type ZpciState } from './zpci-state.ts';

/** init.sh: for f in $(ls irqs | sort -n); do echo "--- irqs/$f"; cat irqs/$f; done */
function catAllIrqs(st: ZpciState): string {
  let out = '';
  for (const n of listDebugfsIrqs(st.k)) out += `--- irqs/${n}\n${renderDebugfsIrq(st.k, n)}`;
  return out;
}

/** init.sh: for f in domains/*; do echo "--- $f"; cat "$f"; done */
function catAllDomains(st: ZpciState): string {
  let out = '';
  for (const f of listDebugfsDomains(st.k)) {
    out += `--- /sys/kernel/debug/irq/domains/${f}\n${renderDebugfsDomainFile(st.k, f)}`;
  }
  return out;
}

describe('/sys/kernel/debug/irq/irqs/<n> (irq_debug_show)', () => {
  it('matches every irq file of Linux 7.2 (two-level hierarchy, MSI message, IRQD bits)', () => {
    const st = buildZpci(true);
    expect(catAllIrqs(st).split('\n')).toEqual(golden('k72-debugfs-irqs.txt').split('\n'));
  });

  it('matches every irq file of Linux 6.1 (legacy: no domain, device (null))', () => {
    const st = buildZpci(false);
    expect(catAllIrqs(st)).toBe(golden('k61-debugfs-irqs.txt'));
  });

  it('prints the chip flag names at ind+12, istate/status names, and "chip: None" for a NULL chip', () => {
    const st = buildZpci(true);
    const { k } = st;
    const desc = k.irqDescs[3]!;
    desc.statusUseAccessors = 0x00000c00; // _IRQ_NOPROBE | _IRQ_NOREQUEST
    desc.istate = 0x4000 | 0x200 | 0x2; // IRQS_SYSFS (no name) | IRQS_PENDING | IRQS_SPURIOUS_DISABLED
    desc.depth = 1;
    desc.wakeDepth = 2;
    desc.irqCommonData.stateUseAccessors = 0x00030000 | 0x1; // DISABLED | MASKED | EDGE_RISING
    desc.devName = null;
    desc.irqData.parentData!.chip = null as unknown as IrqChip;
    const out = renderDebugfsIrq(k, 3)!;
    expect(out.split('\n').slice(0, 16)).toEqual([
      'handler:  handle_percpu_irq',
      'device:   (null)',
      'status:   0x00000c00',
      '            _IRQ_NOPROBE',
      '            _IRQ_NOREQUEST',
      'istate:   0x00004202',
      '            IRQS_SPURIOUS_DISABLED',
      '            IRQS_PENDING',
      'ddepth:   1',
      'wdepth:   2',
      'dstate:   0x00030001',
      '            IRQ_TYPE_EDGE_RISING',
      '            IRQD_IRQ_DISABLED',
      '            IRQD_IRQ_MASKED',
      'node:     0',
      'affinity: 0-1',
    ]);
    // the parent level: "%*sdomain:" at ind 4, then the NULL chip line without indentation
    expect(out.endsWith(' parent:\n    domain:  ZPCI_MSI_DOM_0001\n     hwirq:   0x0\nchip: None\n')).toBe(
      true,
    );
  });

  it('prints a 64-bit hwirq in lower-case hex and the MSI message after an empty line', () => {
    const st = buildZpci(true);
    const d = st.k.irqDescs[4]!;
    d.irqData.parentData!.hwirqHi = 0x1;
    d.irqData.parentData!.hwirqLo = 0xabc;
    d.irqCommonData.msiDesc!.msg = { addressHi: 0xfe000000, addressLo: 0x12, data: 0xbeef };
    const out = renderDebugfsIrq(st.k, 4)!;
    expect(out).toContain(
      '\n\n  address_hi: 0xfe000000\n  address_lo: 0x00000012\n  msg_data:   0x0000beef\n parent:\n',
    );
    expect(out).toContain('\n     hwirq:   0x100000abc\n');
  });

  it('has a file per allocated descriptor only', () => {
    const st = buildZpci(true);
    removeFunction(st, st.fns[1]!);
    expect(listDebugfsIrqs(st.k)).toEqual([0, 1, 2, 3, 4, 8, 9, 10]);
    expect(renderDebugfsIrq(st.k, 5)).toBeNull();
    expect(renderDebugfsIrq(st.k, 99)).toBeNull();
  });

  it('turns flow handler functions into kernel symbols', () => {
    function handleFasteoiIrq(): void {}
    const tagged = Object.assign(() => {}, { ksym: 'handle_edge_irq' });
    expect(ksymName(handleFasteoiIrq)).toBe('handle_fasteoi_irq');
    expect(ksymName(tagged)).toBe('handle_edge_irq');
    expect(ksymName(null)).toBe('0x0');
  });
});

describe('/sys/kernel/debug/irq/domains (irq_domain_debug_show)', () => {
  it('lists the files of Linux 7.2 (ls -R, ls order)', () => {
    const g = goldenLines('k72-debugfs-domains-ls.txt');
    expect(g[0]).toBe('/sys/kernel/debug/irq/domains:');
    const st = buildZpci(true);
    expect(listDebugfsDomains(st.k)).toEqual(lsColumns(g.slice(1)));
  });

  it('matches every domain file of Linux 7.2 (hierarchy, parent lines, empty default)', () => {
    const st = buildZpci(true);
    expect(catAllDomains(st).split('\n')).toEqual(golden('k72-debugfs-domains.txt').split('\n'));
  });

  it('matches Linux 6.1: only the empty "default" file', () => {
    const g = goldenLines('k61-debugfs-domains.txt');
    const st = buildZpci(false);
    expect(listDebugfsDomains(st.k)).toEqual(lsColumns(g.slice(1, 2)));
    expect(`--- /sys/kernel/debug/irq/domains/default\n${renderDebugfsDomainFile(st.k, 'default')}`).toBe(
      `${g[2]}\n`,
    );
  });

  it('matches Linux 7.2 after removing 0003:00:00.0: device domain gone, parent mapped: 0', () => {
    const g = goldenLines('k72-remove.txt');
    const st = buildZpci(true);
    removeFunction(st, st.fns[2]!);
    expect(listDebugfsDomains(st.k)).toEqual(lsColumns(g.slice(14, 16)));
    expect(catAllDomains(st)).toBe(`${g.slice(16).join('\n')}\n`);
  });

  it('keeps the recorded directory when the irqdomain model calls the debugfs hooks', () => {
    const g = goldenLines('k72-rescan.txt');
    const st = buildZpci(true);
    for (const d of st.k.irqDomains) debugfsAddDomainDir(st.k, d);
    const fn = st.fns[2]!;
    const devDomain = fn.domain!;
    removeFunction(st, fn);
    debugfsRemoveDomainDir(st.k, devDomain);
    expect(listDebugfsDomains(st.k)).not.toContain('PCI-MSIX-0003:00:00.0-11');
    probeFunction(st, fn, true);
    debugfsAddDomainDir(st.k, fn.domain!);
    // the rescan section: domains ls at lines 32-34, the files from line 35 on
    expect(listDebugfsDomains(st.k)).toEqual(lsColumns(g.slice(31, 34)));
    expect(catAllDomains(st)).toBe(`${g.slice(34).join('\n')}\n`);
  });

  it('refuses a duplicate name (debugfs message) and removes by name', () => {
    const st = buildZpci(true);
    const { k } = st;
    for (const d of k.irqDomains) debugfsAddDomainDir(k, d);
    const first = k.irqDomains[0]!;
    const twin: IrqDomain = { ...first, mapcount: 99, parent: null };
    debugfsAddDomainDir(k, twin);
    expect(k.sim.log.lines.at(-1)?.text).toBe(
      `debugfs: File '${first.name}' in directory 'domains' already present!`,
    );
    expect(renderDebugfsDomainFile(k, first.name)).toContain(' mapped: 2\n');
    // debugfs_lookup_and_remove(twin->name) removes the file of `first`
    debugfsRemoveDomainDir(k, twin);
    expect(listDebugfsDomains(k)).not.toContain(first.name);
    expect(renderDebugfsDomainFile(k, first.name)).toBeNull();
  });

  it('shows the default domain when one is set, and d->ops->debug_show(d, NULL) output', () => {
    const st = buildZpci(true);
    const parent = st.fns[0]!.parent!;
    parent.ops = {
      ...parent.ops,
      debugShow: (_k, d, data, ind) => `${' '.repeat(ind)}dbg ${d?.name} ${data}\n`,
    };
    (st.k as unknown as { irqDefaultDomain: IrqDomain }).irqDefaultDomain = parent;
    expect(renderDebugfsDomain(st.k, null)).toBe(
      'name:   ZPCI_MSI_DOM_0001\n size:   0\n mapped: 2\n flags:  0x00000103\n' +
        '            IRQ_DOMAIN_FLAG_HIERARCHY\n            IRQ_DOMAIN_NAME_ALLOCATED\n' +
        '            IRQ_DOMAIN_FLAG_MSI_PARENT\n dbg ZPCI_MSI_DOM_0001 null\n',
    );
    // the MSI device domain's debug_show prints nothing without irq_data
    expect(renderDebugfsDomainFile(st.k, 'PCI-MSIX-0001:00:00.0-11')).toContain(
      '            IRQ_DOMAIN_FLAG_MSI_DEVICE\n parent: ZPCI_MSI_DOM_0001\n    name:   ZPCI_MSI_DOM_0001\n',
    );
  });
});
