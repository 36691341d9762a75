/** IP addresses in their text forms, parsed to the octets an X.509 iPAddress name holds. */
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The eight 16-bit groups of an IPv6 address (RFC 4291 §2.2 text forms), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  let body = text;
  const embedded: number[] = [];
  // A trailing dotted quad (::ffff:192.0.2.1) stands for the last two groups.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    if (!IPV4.test(dotted[2]!)) return undefined;
    const [a, b, c, d] = dotted[2]!.split('.').map(Number) as [number, number, number, number];
    embedded.push((a << 8) | b, (c << 8) | d);
    body = dotted[1]!.endsWith('::') ? dotted[1]! : dotted[1]!.slice(0, -1);
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (![...head, ...tail].every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return undefined;
  const given = head.length + tail.length + embedded.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const hex = (group: string): number => parseInt(group, 16);
  return [...head.map(hex), ...Array<number>(halves.length === 2 ? 8 - given : 0).fill(0), ...tail.map(hex), ...embedded];
}

/** The 4 or 16 octets of an IPv4 or IPv6 address, as an iPAddress GeneralName holds them. */
export function ipAddressBytes(text: string): Buffer {
  if (IPV4.test(text)) return Buffer.from(text.split('.').map(Number));
  const groups = ipv6Groups(text);
  if (groups === undefined) throw new RangeError(`not an IPv4 or IPv6 address: ${JSON.stringify(text)}`);
  const out = Buffer.alloc(16);
  for (const [index, group] of groups.entries()) out.writeUInt16BE(group, index * 2);
  return out;
}
