// SPDX-License-Identifier: GPL-2.0-only
/**
 * kernel/irq/affinity.c and lib/group_cpus.c: managed interrupt spreading for
 * pci_alloc_irq_vectors_affinity(). The model has no NUMA (one node with every
 * CPU, as CONFIG_NUMA=n on s390) and no SMT sibling information (each CPU is
 * its own sibling group). "Present" CPUs are the online CPUs (the Kernel has no
 * separate present mask); the rest of the possible CPUs are spread in the
 * second pass.
 */
import {
  type Cpumask,
  cpumaskClearCpu,
  cpumaskCopy,
  cpumaskCreate,
  cpumaskEmpty,
  cpumaskNext,
  cpumaskSetCpu,
  cpumaskTestCpu,
  cpumaskWeight,
  NR_CPUS_MAX,
} from '../../include/linux/cpumask.ts';
import type { IrqAffinityDesc } from '../../include/linux/msi.ts';
import { declareFailurePoint } from '../../sim/faults.ts';
import type { Kernel } from '../kernel.ts';
import { warn } from '../panic.ts';

/** IRQ_AFFINITY_MAX_SETS */
export const IRQ_AFFINITY_MAX_SETS = 4;

/** struct irq_affinity */
export interface IrqAffinity {
  preVectors: number;
  postVectors: number;
  nrSets?: number;
  setSize?: number[];
  calcSets?: ((affd: IrqAffinity, nvecs: number) => void) | null;
}

export const FP_IRQ_CREATE_AFFINITY_MASKS = declareFailurePoint(
  'irq_create_affinity_masks',
  'irq_create_affinity_masks',
  'kernel',
  'NULL (kcalloc of the mask array)',
);
export const FP_GROUP_CPUS_EVENLY = declareFailurePoint(
  'group_cpus_evenly',
  'group_cpus_evenly',
  'kernel',
  'NULL (kcalloc) -> irq_create_affinity_masks returns NULL',
);

// kernel: grp_spread_init_one() — take cpusPerGrp CPUs of nmsk, lowest first (no SMT siblings).
function grpSpreadInitOne(irqmsk: Cpumask, nmsk: Cpumask, cpusPerGrp: number): void {
  let n = cpusPerGrp;
  while (n > 0) {
    const cpu = cpumaskNext(-1, nmsk);
    if (cpu >= NR_CPUS_MAX) return;
    cpumaskClearCpu(cpu, nmsk);
    cpumaskSetCpu(cpu, irqmsk);
    n--;
  }
}

// kernel: __group_cpus_evenly() for a single node
function groupCpusEvenlyPass(startgrp: number, numgrps: number, cpuMask: Cpumask, masks: Cpumask[]): number {
  if (cpumaskEmpty(cpuMask)) return 0;
  const nodes = 1;
  let curgrp = startgrp;
  const lastGrp = numgrps;
  const nmsk = cpumaskCreate();
  if (numgrps <= nodes) {
    cpumaskCopy(nmsk, cpuMask);
    const m = masks[curgrp]!;
    for (let c = cpumaskNext(-1, nmsk); c < NR_CPUS_MAX; c = cpumaskNext(c, nmsk)) cpumaskSetCpu(c, m);
    return numgrps;
  }
  cpumaskCopy(nmsk, cpuMask);
  const ncpus = cpumaskWeight(nmsk);
  // alloc_nodes_groups() with one node: min(numgrps, ncpus) groups
  const ngroups = Math.min(numgrps, ncpus);
  let extraGrps = ncpus - ngroups * Math.floor(ncpus / ngroups);
  for (let v = 0; v < ngroups; v++, curgrp++) {
    let cpusPerGrp = Math.floor(ncpus / ngroups);
    if (extraGrps) {
      cpusPerGrp++;
      --extraGrps;
    }
    if (curgrp >= lastGrp) curgrp = 0;
    grpSpreadInitOne(masks[curgrp]!, nmsk, cpusPerGrp);
  }
  return ngroups;
}

/**
 * kernel: group_cpus_evenly(numgrps, &nummasks) — returns the masks (length
 * nummasks = min(groups used, numgrps)) or null.
 */
export function groupCpusEvenly(k: Kernel, numgrps: number): Cpumask[] | null {
  if (k.sim.faults.shouldFail(FP_GROUP_CPUS_EVENLY)) return null;
  const masks: Cpumask[] = [];
  for (let i = 0; i < numgrps; i++) masks.push(cpumaskCreate());
  const present = cpumaskCreate();
  cpumaskCopy(present, k.cpuOnlineMask);
  const nrPresent = groupCpusEvenlyPass(0, numgrps, present, masks);
  const curgrp = nrPresent >= numgrps ? 0 : nrPresent;
  const npres = cpumaskCreate();
  for (let c = 0; c < k.nrCpuIds; c++) {
    if (cpumaskTestCpu(c, k.cpuPossibleMask) && !cpumaskTestCpu(c, present)) cpumaskSetCpu(c, npres);
  }
  const nrOthers = groupCpusEvenlyPass(curgrp, numgrps, npres, masks);
  const nummasks = Math.min(nrPresent + nrOthers, numgrps);
  return masks.slice(0, nummasks);
}

// kernel: default_calc_sets()
function defaultCalcSets(affd: IrqAffinity, affvecs: number): void {
  affd.nrSets = 1;
  affd.setSize = [affvecs];
}

/**
 * kernel: irq_create_affinity_masks() — one IrqAffinityDesc per vector, the
 * spread ones (between pre and post vectors) managed; null when nothing is to
 * be spread or on failure.
 */
export function irqCreateAffinityMasks(
  k: Kernel,
  nvecs: number,
  affd: IrqAffinity,
): IrqAffinityDesc[] | null {
  const affvecs = nvecs > affd.preVectors + affd.postVectors ? nvecs - affd.preVectors - affd.postVectors : 0;
  if (!affd.calcSets) affd.calcSets = defaultCalcSets;
  affd.calcSets(affd, affvecs);
  const nrSets = affd.nrSets ?? 0;
  if (nrSets > IRQ_AFFINITY_MAX_SETS) {
    warn(
      k,
      'kernel/irq/affinity.c irq_create_affinity_masks',
      'WARN_ON_ONCE(affd->nr_sets > IRQ_AFFINITY_MAX_SETS)',
    );
    return null;
  }
  if (!affvecs) return null;
  if (k.sim.faults.shouldFail(FP_IRQ_CREATE_AFFINITY_MASKS)) return null;
  const masks: IrqAffinityDesc[] = [];
  for (let i = 0; i < nvecs; i++) masks.push({ mask: cpumaskCreate(), isManaged: false });
  let curvec = 0;
  for (; curvec < affd.preVectors; curvec++) cpumaskCopy(masks[curvec]!.mask, k.irqDefaultAffinity);
  let usedvecs = 0;
  for (let i = 0; i < nrSets; i++) {
    const thisVecs = affd.setSize?.[i] ?? 0;
    const result = groupCpusEvenly(k, thisVecs);
    if (!result) return null;
    for (let j = 0; j < result.length; j++) cpumaskCopy(masks[curvec + j]!.mask, result[j]!);
    curvec += result.length;
    usedvecs += result.length;
  }
  curvec = usedvecs >= affvecs ? affd.preVectors + affvecs : affd.preVectors + usedvecs;
  for (; curvec < nvecs; curvec++) cpumaskCopy(masks[curvec]!.mask, k.irqDefaultAffinity);
  for (let i = affd.preVectors; i < nvecs - affd.postVectors; i++) masks[i]!.isManaged = true;
  return masks;
}

/** kernel: irq_calc_affinity_vectors() */
export function irqCalcAffinityVectors(k: Kernel, minvec: number, maxvec: number, affd: IrqAffinity): number {
  const resv = affd.preVectors + affd.postVectors;
  if (resv > minvec) return 0;
  const setVecs = affd.calcSets ? maxvec - resv : cpumaskWeight(k.cpuPossibleMask);
  return resv + Math.min(setVecs, maxvec - resv);
}
