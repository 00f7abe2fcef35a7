// SPDX-License-Identifier: GPL-2.0-only
/**
 * The public API of irqlab (package entry points "irqlab" and "irqlab/model"):
 *  - running scenarios: runScenario, loadScenario, bootScenario, compareRuns, createZpciSystem;
 *  - writing a zPCI MSI backend of your own (docs/backend-api.md, examples/backends/template.ts):
 *    the ZpciIrqBackend interface and the kernel APIs the built-in backends use, each under its
 *    model name (camelCase of the kernel function).
 *
 * A backend module must import the model from the same copy the irqlab command runs: from
 * "irqlab/model" with the installed (built) irqlab, from this file (src/index.ts) inside the
 * repository under tsx. Two copies would have two kernels' worth of private state.
 *
 * Additive only: others add their exports (biome keeps the statements sorted by path).
 */

export {
  AISB_NONE,
  MSI_FIRST_BIT_NONE,
  toZpci,
  toZpciDev,
  ZPCI_NR_DEVICES,
  type ZpciBus,
  type ZpciDev,
  zpciFibStore,
  zpciFibZero,
  zpciGlobals,
} from './arch/s390/include/asm/pci.ts';
export { IRQIO_MSI, IRQIO_PCD, IRQIO_PCF, incIrqStat } from './arch/s390/kernel/irq.ts';
export {
  type CallSingleData,
  csdCreate,
  initCsd,
  smpCallFunctionSingleAsync,
  smpCpuGetCpuAddress,
} from './arch/s390/kernel/smp.ts';
export {
  getBackend,
  listBackends,
  registerZpciIrqBackend,
  type ZpciIrqBackend,
  type ZpciIrqBackendFactory,
} from './arch/s390/pci/backend.ts';
export { onEachCpu } from './arch/s390/pci/on_each_cpu.ts';
export {
  SIC_IRQ_MODE_D_SINGLE,
  SIC_IRQ_MODE_DIRECT,
  SIC_IRQ_MODE_SET_CPU,
  SIC_IRQ_MODE_SINGLE,
  ZPCI_MOD_FC_DEREG_INT,
  ZPCI_MOD_FC_DEREG_INT_D,
  ZPCI_MOD_FC_REG_INT,
  ZPCI_MOD_FC_REG_INT_D,
  type ZpciStatus,
  zpciCreateReq,
  zpciModFc,
  zpciSetIrqCtrl,
} from './arch/s390/pci/pci_insn.ts';
export {
  createZpciSystem,
  type ZpciSystem,
  type ZpciSystemOptions,
} from './arch/s390/pci/system.ts';
export { type ArchMsiOps, setArchMsiOps } from './drivers/pci/msi/legacy.ts';
export { pciMsiMaskIrq, pciMsiUnmaskIrq, pciWriteMsiMsg } from './drivers/pci/msi/msi.ts';
export { devSetMsiDomain, pciName } from './drivers/pci/pci.ts';
export {
  AIRQ_IV_ALLOC,
  AIRQ_IV_BITLOCK,
  AIRQ_IV_CACHELINE,
  AIRQ_IV_DATA,
  AIRQ_IV_NONE,
  AIRQ_IV_PTR,
  type AirqIv,
  type AirqStruct,
  airqIvAlloc,
  airqIvAllocBit,
  airqIvCreate,
  airqIvEnd,
  airqIvFree,
  airqIvFreeBit,
  airqIvGetData,
  airqIvGetPtrHi,
  airqIvGetPtrLo,
  airqIvLock,
  airqIvRelease,
  airqIvScan,
  airqIvSetData,
  airqIvSetPtr,
  airqIvUnlock,
  airqStructInit,
  CACHE_LINE_SIZE,
  kernelPhysMem,
  PCI_ISC,
  registerAdapterInterrupt,
  unregisterAdapterInterrupt,
} from './drivers/s390/cio/airq.ts';
export type { TpiInfo } from './hw/s390x/cpu.ts';
export {
  type Cpumask,
  cpumaskAnd,
  cpumaskCopy,
  cpumaskCreate,
  cpumaskEmpty,
  cpumaskFirst,
  cpumaskNext,
  cpumaskTestCpu,
  cpumaskWeight,
} from './include/linux/cpumask.ts';
export type { Device } from './include/linux/device.ts';
export { EBUSY, EINVAL, EIO, ENOMEM, ENOSPC, errName } from './include/linux/errno.ts';
export { hwirqHi, hwirqLo } from './include/linux/hwirq.ts';
export {
  DOMAIN_BUS_ANY,
  IRQ_SET_MASK_OK,
  type IrqChip,
  type IrqData,
  type IrqDomain,
  type IrqDomainOps,
} from './include/linux/irq.ts';
export {
  MSI_DESC_ASSOCIATED,
  MSI_DESC_NOTASSOCIATED,
  MSI_FLAG_MULTI_PCI_MSI,
  MSI_FLAG_NO_AFFINITY,
  MSI_FLAG_PCI_MSIX,
  MSI_FLAG_USE_DEF_CHIP_OPS,
  MSI_FLAG_USE_DEF_DOM_OPS,
  MSI_GENERIC_FLAGS_MASK,
  type MsiAllocInfo,
  type MsiDesc,
  type MsiDomainInfo,
  type MsiMsg,
  type MsiParentOps,
} from './include/linux/msi.ts';
export type { PciDev } from './include/linux/pci.ts';
export { handlePercpuIrq, irqSetChipAndHandler, irqSetMsiDesc, irqSetMsiDescOff } from './kernel/irq/chip.ts';
export {
  genericHandleDomainIrq,
  genericHandleIrq,
  irqAllocDescsInternal,
  irqFreeDesc,
} from './kernel/irq/irqdesc.ts';
export {
  irqDomainAllocNamedFwnode,
  irqDomainFreeFwnode,
  irqDomainGetIrqData,
  irqDomainRemove,
  irqDomainResetIrqData,
  irqDomainSetInfo,
} from './kernel/irq/irqdomain.ts';
export { irqDataGetMsiDesc, msiCreateParentIrqDomain, msiForEachDesc } from './kernel/irq/msi.ts';
export { msiLibInitDevMsiInfo } from './kernel/irqchip/msi-lib.ts';
export type { Kernel } from './kernel/kernel.ts';
export { deref, oops, warn } from './kernel/panic.ts';
export {
  BUILTIN_BACKEND_NAMES,
  loadUserBackend,
  resolveBackend,
} from './sim/backends.ts';
export { compareRuns, type Difference } from './sim/diff.ts';
export { declareFailurePoint, listFailurePoints } from './sim/faults.ts';
export { type Finding, type FindingKind, KernelOops } from './sim/findings.ts';
export {
  bootScenario,
  type DeliveryRow,
  type ExpectFailure,
  type RunOverrides,
  type RunResult,
  runScenario,
  type SnapshotResult,
  type StepResult,
} from './sim/runner.ts';
export {
  formatError,
  type LoadOptions,
  type LoadResult,
  loadScenario,
  loadScenarioOrThrow,
  parseScenarioFile,
  type Scenario,
  type ScenarioError,
  type Step,
} from './sim/scenario/index.ts';
