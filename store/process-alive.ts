/**
 * Whether a process of this machine still runs: how a folder lock, a mailbox
 * temp file or a host's claims tell that their owner died (kill -9 leaves
 * them behind).
 */

/** Whether process `pid` of this machine is running (EPERM: it runs as another user). Not pure: asks the kernel. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
