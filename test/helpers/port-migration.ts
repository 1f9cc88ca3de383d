import { readFileSync } from 'node:fs';

const MIGRATE_SETTING = '/proc/sys/net/ipv4/tcp_migrate_req';

/**
 * Why a listener closing in one process may drop connections another process's listener on the same port
 * could take, or false. Linux resets the connections queued on a closing SO_REUSEPORT listener unless
 * net.ipv4.tcp_migrate_req is 1 (Linux 5.14+), which hands them to another listener of the group.
 */
export function queuedConnectionsDropSkip(): string | false {
  let setting: string;
  try {
    setting = readFileSync(MIGRATE_SETTING, 'utf8').trim();
  } catch {
    return `${MIGRATE_SETTING} is absent (Linux before 5.14, or not Linux): a closing listener resets its queued connections`;
  }
  return setting === '1' ? false : `net.ipv4.tcp_migrate_req is ${setting}: a closing listener resets its queued connections (sysctl -w net.ipv4.tcp_migrate_req=1; .ci/run sets it)`;
}
