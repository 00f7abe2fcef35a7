// SPDX-License-Identifier: GPL-2.0-only
/**
 * Importing this module loads every module that declares failure points, so
 * listFailurePoints() is complete (`irqlab faults --list`, scenario validation).
 */
import '../arch/s390/kernel/irq.ts';
import '../arch/s390/pci/pci.ts';
import '../arch/s390/pci/pci_bus.ts';
import '../drivers/pci/msi/msi.ts';
import '../drivers/s390/cio/airq.ts';
import '../hw/s390x/clp.ts';
import '../hw/s390x/pci-inst.ts';
import '../hw/s390x/sic.ts';
import '../kernel/irq/affinity.ts';
import '../kernel/irq/irqdesc.ts';
import '../kernel/irq/irqdomain.ts';
import '../kernel/irq/manage.ts';
import '../kernel/irq/msi.ts';
import '../kernel/irq/sysfs.ts';
import './backends.ts';
