// SPDX-License-Identifier: GPL-2.0-only
/**
 * `irqlab explain`: the route of one vector, step by step, in kernel terms. The
 * scenario runs up to the last point where the vector is requested; then the
 * function signals it once with tracing on, and the explanation is read from the
 * device's table, the firmware's registration, the trace of that one delivery, and
 * the irq_data hierarchy of the virq.
 */
import { pciIrqVector } from '../drivers/pci/msi/api.ts';
import { IRQ_REG_FMT0, IRQ_REG_FMT1 } from '../hw/s390x/zpci.ts';
import { cpumaskPrintList } from '../include/linux/cpumask.ts';
import { hwirqHex } from '../include/linux/hwirq.ts';
import { ksymName } from '../kernel/irq/debugfs.ts';
import { irqToDesc } from '../kernel/irq/irqdesc.ts';
import { type RunOverrides, runScenario } from './runner.ts';
import type { Scenario } from './scenario/schema.ts';

function hex(n: number, w = 8): string {
  return `0x${(n >>> 0).toString(16).padStart(w, '0')}`;
}

/** The index to stop before: after the last request covering (fid, vector), before it is freed. */
export function explainStopIndex(s: Scenario, fid: number, vector: number): number | null {
  let lastReq = -1;
  for (const st of s.steps) {
    if (st.kind === 'request' && st.fid === fid && (st.vector === 'all' || st.vector === vector))
      lastReq = st.index;
  }
  if (lastReq < 0) return null;
  for (const st of s.steps) {
    if (st.index <= lastReq) continue;
    const ends =
      st.kind === 'teardown' ||
      ('fid' in st &&
        st.fid === fid &&
        (st.kind === 'unbind' ||
          st.kind === 'unplug' ||
          st.kind === 'free_vectors' ||
          (st.kind === 'free_irq' && (st.vector === 'all' || st.vector === vector))));
    if (ends) return st.index;
  }
  return s.steps.length;
}

export function explainVector(
  s: Scenario,
  o: RunOverrides,
  fid: number,
  vector: number,
): { text: string; ok: boolean } {
  const stop = explainStopIndex(s, fid, vector);
  if (stop === null) {
    return {
      text: `the scenario never requests an IRQ for fid ${hex(fid, 0)} vector ${vector}\n`,
      ok: false,
    };
  }
  const r = runScenario(s, { ...o, stopBefore: stop });
  const sys = r.system;
  const k = sys.k;
  const fn = sys.machine.fn(fid);
  const pdev = sys.pdev(fid);
  let out = `irqlab explain ${s.file}: fid ${hex(fid, 0)} vector ${vector} (backend ${r.backend}, ${r.delivery} delivery), state after step ${stop - 1}\n\n`;
  if (r.stopped || !fn || !pdev) {
    out += 'the run stopped before the vector could be explained (see `irqlab run`)\n';
    return { text: out, ok: false };
  }
  const virq = pciIrqVector(k, pdev, vector);
  const dev = fn.device;
  let addrHi: number;
  let addrLo: number;
  let data: number;
  if (dev.msixCap) {
    addrLo = dev.msixEntryAddrLo(vector);
    addrHi = dev.msixEntryAddrHi(vector);
    data = dev.msixEntryData(vector);
    out += `1. The device ${pdev.dev.name} (fid ${hex(fid, 0)}) raises MSI-X vector ${vector}: it writes table entry ${vector}\n`;
    out += `   address ${hex(addrHi)}${hex(addrLo).slice(2)}, data ${hex(data)}, vector control ${dev.msixEntryCtrl(vector) & 1 ? 'masked' : 'unmasked'}\n`;
  } else {
    const c = dev.msiCap;
    const is64 = dev.msiIs64;
    addrLo = dev.configRead32(c + 4);
    addrHi = is64 ? dev.configRead32(c + 8) : 0;
    data = (dev.configRead16(c + (is64 ? 12 : 8)) | vector) >>> 0;
    out += `1. The device ${pdev.dev.name} (fid ${hex(fid, 0)}) raises MSI vector ${vector}: a DWORD write of data ${hex(data)} (message data | vector) to ${hex(addrHi)}${hex(addrLo).slice(2)}\n`;
  }
  const reg = fn.irq;
  if (reg.fmt === IRQ_REG_FMT0) {
    const bit = reg.aibvo + data;
    out += `2. Floating registration (MPCIFC REG_INT): isc ${reg.isc}, noi ${reg.noi}, AIBV at ${hex(reg.aibv)} offset ${reg.aibvo}, summary bit ${reg.aisbo} at ${hex(reg.aisb)}\n`;
    out += `   The firmware sets AIBV bit ${reg.aibvo}+${data} = ${bit} (byte ${hex(reg.aibv + (bit >>> 3))}, mask ${hex(0x80 >>> (bit & 7), 2)}) and the summary bit,\n`;
    out += `   and makes an adapter interruption pending for ISC ${reg.isc} if the summary bit was clear and the ISC is not suppressed.\n`;
  } else if (reg.fmt === IRQ_REG_FMT1) {
    const cpuAddr = (addrLo >>> 8) & 0xffff;
    const cpu = sys.machine.cpuOfAddress(cpuAddr);
    const dibv = sys.machine.cpus.get(cpu)?.dibvAddr ?? 0;
    out += `2. Directed registration (MPCIFC REG_INT_D): noi ${reg.noi}, DIBV offset ${reg.dibvo}\n`;
    out += `   The message names CPU address ${hex(cpuAddr, 4)} = logical CPU ${cpu < 0 ? '(none)' : cpu}. The firmware sets bit ${reg.dibvo}+${data} = ${reg.dibvo + data}\n`;
    out += `   in that CPU's DIBV (${hex(dibv)}) and presents a directed interruption to it; if the CPU is not armed it sets\n`;
    out += `   the CPU's DISB bit instead and raises a floating interruption (the fallback path).\n`;
  } else {
    out +=
      '2. The function has no interrupt registration: the firmware drops the write (counted as dropNotRegistered).\n';
  }
  // Deliver it once with tracing on.
  sys.sim.trace.enabled = true;
  const from = sys.sim.trace.events.length;
  sys.signal(fid, vector);
  const evs = sys.sim.trace.events.slice(from);
  const io = evs.filter((e) => e.name === 'io_interruption');
  const entries = evs.filter((e) => e.name === 'irq_handler_entry');
  if (io.length === 0) out += '3. No I/O interruption was presented.\n';
  for (const e of io) {
    out += `3. The CPU takes an I/O interruption: CPU ${e.cpu}, isc ${e.args['isc']}, ${e.args['directed'] ? 'directed' : 'floating'} (tpi word2 ${hex(Number(e.args['word2']))})\n`;
  }
  out += `4. do_io_irq() -> do_airq_interrupt() -> the zPCI adapter handler scans its vectors and finds vector ${vector}.\n`;
  const desc = virq > 0 ? irqToDesc(k, virq) : null;
  if (!desc) {
    out += `5. pci_irq_vector() gives ${virq}: no descriptor; nothing can run.\n`;
    return { text: out, ok: false };
  }
  out += `5. The handler resolves the vector to Linux IRQ ${virq}. Its irq_data hierarchy:\n`;
  let level = 0;
  for (let d = desc.irqData as typeof desc.irqData | null; d; d = d.parentData, level++) {
    out += `     level ${level}: domain ${d.domain?.name ?? '(none)'}, hwirq ${hwirqHex(d.hwirqHi, d.hwirqLo)}, chip ${d.chip.name}\n`;
  }
  out += `6. Flow handler ${ksymName(desc.handleIrq)}; affinity ${cpumaskPrintList(desc.irqCommonData.affinity)}, effective ${cpumaskPrintList(desc.irqCommonData.effectiveAffinity)}\n`;
  const actions: string[] = [];
  for (let a = desc.action; a; a = a.next) actions.push(a.name);
  out += `7. Actions: ${actions.length ? actions.join(', ') : '(none: the interrupt is unhandled)'}\n`;
  for (const e of entries)
    out += `   irq_handler_entry: irq=${e.args['irq']} name=${e.args['name']} on CPU ${e.cpu}\n`;
  if (entries.length === 0) out += '   no handler ran for this write\n';
  const findings = k.sim.findings.list.slice(r.findings.length);
  for (const f of findings) out += `   finding [${f.kind}]: ${f.message}\n`;
  return { text: out, ok: true };
}
