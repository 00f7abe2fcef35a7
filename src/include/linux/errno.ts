// SPDX-License-Identifier: GPL-2.0-only
// kernel: include/uapi/asm-generic/errno-base.h, errno.h — the values the model returns (negated).
export const EPERM = 1;
export const ENOENT = 2;
export const EIO = 5;
export const ENXIO = 6;
export const E2BIG = 7;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ERANGE = 34;
export const ENOSYS = 38;
export const ENOTCONN = 107;
export const ENOTSUPP = 524;

const names: Record<number, string> = {
  [EPERM]: 'EPERM',
  [ENOENT]: 'ENOENT',
  [EIO]: 'EIO',
  [ENXIO]: 'ENXIO',
  [E2BIG]: 'E2BIG',
  [EAGAIN]: 'EAGAIN',
  [ENOMEM]: 'ENOMEM',
  [EFAULT]: 'EFAULT',
  [EBUSY]: 'EBUSY',
  [EEXIST]: 'EEXIST',
  [ENODEV]: 'ENODEV',
  [EINVAL]: 'EINVAL',
  [ENOSPC]: 'ENOSPC',
  [ERANGE]: 'ERANGE',
  [ENOSYS]: 'ENOSYS',
  [ENOTCONN]: 'ENOTCONN',
  [ENOTSUPP]: 'ENOTSUPP',
};

/** `-ENOMEM` style name of a return code; `0` for success, the number for positive values. */
export function errName(rc: number): string {
  if (rc >= 0) return String(rc);
  const n = names[-rc];
  return n ? `-${n}` : String(rc);
}
