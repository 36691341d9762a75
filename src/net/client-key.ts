/**
 * The unit a per-client connection cap counts in: an IPv4 address, or an IPv6 /64. One IPv6 host
 * usually holds a whole /64 and can pick a fresh address per connection, so counting single IPv6
 * addresses would cap nothing. IPv4-mapped IPv6 addresses count as the IPv4 address they carry.
 */
import { isIPv6 } from 'node:net';

export function clientKey(address: string | undefined): string {
  if (address === undefined) return '';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  // A dotted quad at the end stands for two groups.
  const width = (groups: string[]): number => groups.length + (groups.at(-1)?.includes('.') === true ? 1 : 0);
  const groups = address.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - width(left) - width(right))).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((group) => (Number.parseInt(group, 16) || 0).toString(16))
    .join(':')}::/64`;
}
