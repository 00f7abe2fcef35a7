// domain backend: a refused deregistration (MPCIFC DEREG_INT / DEREG_INT_D answering cc 1
// status 16) parks the function's indicators instead of freeing them (the firmware may
// still write) or leaking them; they are freed once zpci_disable_device() has dropped
// the registration.
import { describe, expect, it } from 'vitest';
import '../../../../src/arch/s390/pci/pci_irq.domain.ts';
import { createTestDriver, createZpciSystem } from '../../../../src/arch/s390/pci/system.ts';
import { attachSanitizer } from '../../../../src/sim/sanitizer.ts';

const FID = 0x10;

describe.each([false, true])('domain, directed=%s: refused deregistration', (directed) => {
  it('keeps the indicators until the function is disabled, then frees them: no leak, no DMA after free', () => {
    const s = createZpciSystem({ backend: 'domain', directed, nrCpus: 2 });
    const san = attachSanitizer(s.k, s.machine);
    san.snapshotBaseline();
    s.plug(FID, { uid: 1, msixVectors: 8 });
    const { driver, state } = createTestDriver({ nvec: 4 });
    expect(s.bind(FID, driver)).toBe(0);
    s.signal(FID, 2);
    expect([...state.calls.values()]).toEqual([1]);
    const regionsBound = s.mem.liveRegions().length;

    s.sim.faults.arm(directed ? 'mpcifc.DEREG_INT_D.cc1' : 'mpcifc.DEREG_INT.cc1', 1);
    s.unbind(FID);
    expect(
      s.k.sim.log.lines.some((l) => l.text.endsWith('Deregistering adapter IRQs for 0001:00:00.0 failed')),
    ).toBe(true);
    // The firmware still holds the registration: a late MSI lands in memory that is still ours.
    s.machine.msiWrite(
      FID,
      s.machine.fn(FID)!.device.msixEntryAddrHi(2),
      s.machine.fn(FID)!.device.msixEntryAddrLo(2),
      2,
    );
    s.run();
    expect(s.sim.findings.list.filter((f) => f.kind === 'dma-use-after-free')).toEqual([]);
    expect(s.mem.liveRegions().length).toBe(regionsBound); // nothing freed yet

    s.unplug(FID); // zpci_disable_device() drops the registration: the parked indicators go
    expect(san.checkQuiescent()).toBe(0);
    expect(san.checkLeaks()).toBe(0);
    expect(s.sim.findings.list).toEqual([]);
  });
});
