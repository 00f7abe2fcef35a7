// SPDX-License-Identifier: GPL-2.0-only
/**
 * arch/s390/pci/pci_event.c (~6.17): platform events from the firmware (CHSC store
 * event information): availability (hot plug / unplug / reserve) and error CCDFs with
 * the error recovery that ends in the driver's slot_reset (pci_restore_state ->
 * pci_restore_msi_state -> arch_restore_msi_irqs).
 */

import { pciName } from '../../../drivers/pci/pci.ts';
import type { Machine, ZpciPlatformEvent } from '../../../hw/s390x/machine.ts';
import {
  PCI_CHANNEL_IO_FROZEN,
  PCI_CHANNEL_IO_NORMAL,
  PCI_CHANNEL_IO_PERM_FAILURE,
  PCI_ERS_RESULT_CAN_RECOVER,
  PCI_ERS_RESULT_DISCONNECT,
  PCI_ERS_RESULT_NEED_RESET,
  PCI_ERS_RESULT_NONE,
  PCI_ERS_RESULT_RECOVERED,
  type PciDev,
  type PciDriver,
} from '../../../include/linux/pci.ts';
import type { Kernel } from '../../../kernel/kernel.ts';
import {
  toZpci,
  ZPCI_FN_STATE_CONFIGURED,
  ZPCI_FN_STATE_RESERVED,
  ZPCI_FN_STATE_STANDBY,
  type ZpciDev,
  zdevEnabled,
} from '../include/asm/pci.ts';
import {
  getZdevByFid,
  zpciAddDevice,
  zpciClearErrorState,
  zpciCreateDevice,
  zpciDeconfigureDevice,
  zpciDeviceReserved,
  zpciDisableDevice,
  zpciHotResetDevice,
  zpciRemoveReservedDevices,
  zpciResetLoadStoreBlocked,
  zpciScanConfiguredDevice,
  zpciScanDevices,
  zpciUpdateFh,
  zpciZdevPut,
} from './pci.ts';
import { pciGetSlot, zpciBusRemoveDevice } from './pci_bus.ts';
import { clpGetState, clpRefreshFh, type FhOut, type StateOut } from './pci_clp.ts';

// kernel: ers_result_indicates_abort()
function ersResultIndicatesAbort(ersRes: number): boolean {
  switch (ersRes) {
    case PCI_ERS_RESULT_CAN_RECOVER:
    case PCI_ERS_RESULT_RECOVERED:
    case PCI_ERS_RESULT_NEED_RESET:
    case PCI_ERS_RESULT_NONE:
      return false;
    default:
      return true;
  }
}

// kernel: is_driver_supported()
function isDriverSupported(driver: PciDriver | null): boolean {
  if (!driver?.errHandler) return false;
  if (!driver.errHandler.errorDetected) return false;
  return true;
}

// kernel: zpci_event_notify_error_detected()
function zpciEventNotifyErrorDetected(k: Kernel, pdev: PciDev, driver: PciDriver): number {
  const ersRes = driver.errHandler!.errorDetected!(k, pdev, pdev.errorState);
  if (ersResultIndicatesAbort(ersRes))
    k.sim.log.printk('info', `zpci: ${pciName(pdev)}: Automatic recovery failed after initial reporting`);
  return ersRes;
}

// kernel: zpci_event_do_error_state_clear()
function zpciEventDoErrorStateClear(k: Kernel, pdev: PciDev, driver: PciDriver): number {
  let ersRes = PCI_ERS_RESULT_DISCONNECT;
  const zdev = toZpci(pdev)!;
  let rc: number;

  /* The underlying device may have been disabled by the event */
  if (!zdevEnabled(zdev)) return PCI_ERS_RESULT_NEED_RESET;

  k.sim.log.printk('info', `zpci: ${pciName(pdev)}: Unblocking device access for examination`);
  rc = zpciResetLoadStoreBlocked(k, zdev);
  if (rc) {
    k.sim.log.printk('err', `zpci: ${pciName(pdev)}: Unblocking device access failed`);
    /* Let's try a full reset instead */
    return PCI_ERS_RESULT_NEED_RESET;
  }

  if (driver.errHandler!.mmioEnabled) ersRes = driver.errHandler!.mmioEnabled(k, pdev);
  else ersRes = PCI_ERS_RESULT_NONE;

  if (ersResultIndicatesAbort(ersRes)) {
    k.sim.log.printk('info', `zpci: ${pciName(pdev)}: Automatic recovery failed after MMIO re-enable`);
    return ersRes;
  } else if (ersRes === PCI_ERS_RESULT_NEED_RESET) {
    return ersRes;
  }

  rc = zpciClearErrorState(k, zdev);
  if (!rc) {
    pdev.errorState = PCI_CHANNEL_IO_NORMAL;
  } else {
    k.sim.log.printk('err', `zpci: ${pciName(pdev)}: Unblocking DMA failed`);
    /* Let's try a full reset instead */
    return PCI_ERS_RESULT_NEED_RESET;
  }

  return ersRes;
}

// kernel: zpci_event_do_reset()
function zpciEventDoReset(k: Kernel, pdev: PciDev, driver: PciDriver): number {
  let ersRes = PCI_ERS_RESULT_DISCONNECT;

  k.sim.log.printk('info', `zpci: ${pciName(pdev)}: Initiating reset`);
  if (zpciHotResetDevice(k, toZpci(pdev)!)) {
    k.sim.log.printk('err', `zpci: ${pciName(pdev)}: The reset request failed`);
    return ersRes;
  }
  pdev.errorState = PCI_CHANNEL_IO_NORMAL;
  if (driver.errHandler!.slotReset) ersRes = driver.errHandler!.slotReset(k, pdev);
  else ersRes = PCI_ERS_RESULT_NONE;

  if (ersResultIndicatesAbort(ersRes)) {
    k.sim.log.printk('info', `zpci: ${pciName(pdev)}: Automatic recovery failed after slot reset`);
    return ersRes;
  }

  return ersRes;
}

/**
 * kernel: zpci_event_attempt_error_recovery() — the driver's error handlers:
 * error_detected, (mmio_enabled), reset (hot reset + slot_reset), resume.
 */
export function zpciEventAttemptErrorRecovery(k: Kernel, pdev: PciDev): number {
  let ersRes = PCI_ERS_RESULT_DISCONNECT;
  let statusStr = 'success';

  // device_lock(&pdev->dev)
  if (pdev.errorState === PCI_CHANNEL_IO_PERM_FAILURE) {
    ersRes = PCI_ERS_RESULT_DISCONNECT;
    return out(k, pdev, ersRes, statusStr);
  }
  pdev.errorState = PCI_CHANNEL_IO_FROZEN;

  const driver = pdev.driver;
  if (!isDriverSupported(driver)) {
    if (!driver)
      k.sim.log.printk(
        'info',
        `zpci: ${pciName(pdev)}: Cannot be recovered because no driver is bound to the device`,
      );
    else
      k.sim.log.printk(
        'info',
        `zpci: ${pciName(pdev)}: The ${driver.name} driver bound to the device does not support error recovery`,
      );
    return out(k, pdev, ersRes, statusStr);
  }

  ersRes = zpciEventNotifyErrorDetected(k, pdev, driver!);
  if (ersResultIndicatesAbort(ersRes)) {
    statusStr = 'failed (abort on detection)';
    return out(k, pdev, ersRes, statusStr);
  }

  if (ersRes !== PCI_ERS_RESULT_NEED_RESET) {
    ersRes = zpciEventDoErrorStateClear(k, pdev, driver!);
    if (ersResultIndicatesAbort(ersRes)) {
      statusStr = 'failed (abort on MMIO enable)';
      return out(k, pdev, ersRes, statusStr);
    }
  }

  if (ersRes === PCI_ERS_RESULT_NEED_RESET) ersRes = zpciEventDoReset(k, pdev, driver!);

  /*
   * PCI_ERS_RESULT_NONE: the driver abstains or lacks the callback; if nothing else
   * causes a disconnect, the recovery succeeded.
   */
  if (ersRes === PCI_ERS_RESULT_NONE) ersRes = PCI_ERS_RESULT_RECOVERED;

  if (ersRes !== PCI_ERS_RESULT_RECOVERED) {
    k.sim.log.printk(
      'err',
      `zpci: ${pciName(pdev)}: Automatic recovery failed; operator intervention is required`,
    );
    statusStr = "failed (driver can't recover)";
    return out(k, pdev, ersRes, statusStr);
  }

  k.sim.log.printk('info', `zpci: ${pciName(pdev)}: The device is ready to resume operations`);
  if (driver!.errHandler!.resume) driver!.errHandler!.resume(k, pdev);
  return out(k, pdev, ersRes, statusStr);
}

// out_unlock: pci_uevent_ers(); device_unlock(); zpci_report_status(zdev, "recovery", status_str)
function out(k: Kernel, pdev: PciDev, ersRes: number, statusStr: string): number {
  if (k.sim.trace.enabled)
    k.sim.trace.emit(k.currentCpu, 'zpci_report_status', { dev: pdev.dev.name, recovery: statusStr });
  return ersRes;
}

// kernel: zpci_event_io_failure()
function zpciEventIoFailure(k: Kernel, pdev: PciDev, es: number): void {
  const driver = pdev.driver;

  pdev.errorState = es;
  if (driver?.errHandler?.errorDetected) driver.errHandler.errorDetected(k, pdev, pdev.errorState);
}

// kernel: __zpci_event_error()
export function zpciEventError(k: Kernel, ccdf: ZpciPlatformEvent): void {
  const zdev = getZdevByFid(k, ccdf.fid);
  let pdev: PciDev | null = null;
  const fh: FhOut = { fh: 0 };

  // zpci_dbg(3, "err fid:%x, fh:%x, pec:%x\n") / zpci_err("error CCDF:\n"): s390dbf, not printk
  if (k.sim.trace.enabled)
    k.sim.trace.emit(k.currentCpu, 'zpci_dbg', { err: ccdf.fid, fh: ccdf.fh, pec: ccdf.pec });

  if (zdev) {
    // mutex_lock(&zdev->state_lock)
    const rc = clpRefreshFh(k, zdev.fid, fh);
    if (rc) {
      noPdev(k, zdev);
      return;
    }
    if (!fh.fh || ccdf.fh >>> 0 !== fh.fh) {
      /* Ignore events with stale handles */
      noPdev(k, zdev);
      return;
    }
    zpciUpdateFh(zdev, ccdf.fh);
    if (zdev.zbus?.bus) pdev = pciGetSlot(zdev.zbus.bus, zdev.devfn);
  }

  k.sim.log.printk(
    'err',
    `zpci: ${pdev ? pciName(pdev) : 'n/a'}: Event 0x${ccdf.pec.toString(16)} reports an error for PCI function 0x${ccdf.fid.toString(16)}`,
  );

  if (!pdev) {
    noPdev(k, zdev);
    return;
  }

  switch (ccdf.pec) {
    case 0x002a: /* Error event concerns FMB */
    case 0x002b:
    case 0x002c:
      break;
    case 0x0040: /* Service Action or Error Recovery Failed */
    case 0x003b:
      zpciEventIoFailure(k, pdev, PCI_CHANNEL_IO_PERM_FAILURE);
      break;
    default: {
      /* PCI function left in the error state attempt to recover */
      const ersRes = zpciEventAttemptErrorRecovery(k, pdev);
      if (ersRes !== PCI_ERS_RESULT_RECOVERED) zpciEventIoFailure(k, pdev, PCI_CHANNEL_IO_PERM_FAILURE);
      break;
    }
  }
  noPdev(k, zdev);
}

// no_pdev: mutex_unlock(&zdev->state_lock); zpci_zdev_put(zdev)
function noPdev(k: Kernel, zdev: ZpciDev | null): void {
  zpciZdevPut(k, zdev);
}

// kernel: zpci_event_hard_deconfigured()
function zpciEventHardDeconfigured(k: Kernel, zdev: ZpciDev, fh: number): void {
  zpciUpdateFh(zdev, fh);
  /* Give the driver a hint that the function is already unusable. */
  zpciBusRemoveDevice(k, zdev, true);
  /* Even though the device is already gone we still
   * need to free zPCI resources as part of the disable. */
  if (zdevEnabled(zdev)) zpciDisableDevice(k, zdev);
  zdev.state = ZPCI_FN_STATE_STANDBY;
}

// kernel: __zpci_event_availability()
export function zpciEventAvailability(k: Kernel, ccdf: ZpciPlatformEvent): void {
  let zdev = getZdevByFid(k, ccdf.fid);
  const existingZdev = !!zdev;
  const state: StateOut = { state: 0 };

  switch (ccdf.pec) {
    case 0x0301 /* Reserved|Standby -> Configured */:
      {
        if (!zdev) {
          const z = zpciCreateDevice(k, ccdf.fid, ccdf.fh, ZPCI_FN_STATE_CONFIGURED);
          if (typeof z === 'number') break;
          if (zpciAddDevice(k, z)) {
            z.freed = true; // kfree(zdev)
            break;
          }
          zdev = z;
        } else {
          /* the configuration request may be stale */
          if (zdev.state !== ZPCI_FN_STATE_STANDBY) break;
          zdev.state = ZPCI_FN_STATE_CONFIGURED;
        }
        zpciScanConfiguredDevice(k, zdev, ccdf.fh);
        break;
      }
    case 0x0302 /* Reserved -> Standby */:
      {
        if (!zdev) {
          const z = zpciCreateDevice(k, ccdf.fid, ccdf.fh, ZPCI_FN_STATE_STANDBY);
          if (typeof z === 'number') break;
          if (zpciAddDevice(k, z)) {
            z.freed = true;
            break;
          }
          zdev = z;
        } else {
          zpciUpdateFh(zdev, ccdf.fh);
        }
        break;
      }
    case 0x0303 /* Deconfiguration requested */:
      if (zdev) {
        /* The event may have been queued before we configured the device. */
        if (zdev.state !== ZPCI_FN_STATE_CONFIGURED) break;
        zpciUpdateFh(zdev, ccdf.fh);
        zpciDeconfigureDevice(k, zdev);
      }
      break;
    case 0x0304 /* Configured -> Standby|Reserved */:
      if (zdev) {
        /* The event may have been queued before we configured the device. */
        if (zdev.state === ZPCI_FN_STATE_CONFIGURED) zpciEventHardDeconfigured(k, zdev, ccdf.fh);
        /* The 0x0304 event may immediately reserve the device */
        if (!clpGetState(k, zdev.fid, state) && state.state === ZPCI_FN_STATE_RESERVED) {
          zpciDeviceReserved(k, zdev);
        }
      }
      break;
    case 0x0306 /* 0x308 or 0x302 for multiple devices */:
      zpciRemoveReservedDevices(k);
      zpciScanDevices(k);
      break;
    case 0x0308 /* Standby -> Reserved */:
      if (!zdev) break;
      zpciDeviceReserved(k, zdev);
      break;
    default:
      break;
  }
  if (existingZdev) {
    // mutex_unlock(&zdev->state_lock)
    zpciZdevPut(k, zdev);
  }
}

/**
 * Model glue (drivers/s390/cio/chsc.c chsc_process_crw -> chsc_process_event_information
 * -> zpci_event_error / zpci_event_availability): the machine's platform-event entry.
 */
export function zpciInstallEventEntry(k: Kernel, m: Machine): void {
  m.setEventEntry((ev) => {
    if (ev.kind === 'error') zpciEventError(k, ev);
    else zpciEventAvailability(k, ev);
  });
}
